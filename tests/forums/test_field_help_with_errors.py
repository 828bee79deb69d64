"""A field shown again with an error keeps its help beside the error, and is read with both: what
went wrong first, then what to write (collab/templates/macros.html `field`)."""
from __future__ import annotations

from tests.helpers import text


def test_an_error_comes_with_the_fields_help_not_instead_of_it(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    member = client_for(people["member"])
    address = f"/c/{community.slug}/forums/f/{fid}/new"
    response = member.post(address, data={"title": "Deploys", "body": "bad \x01 text", "tags": ""})
    page = text(response)
    assert 'id="body-errors"' in page, page[:500]
    field = page[page.index('<textarea'):page.index('</textarea>')]
    assert 'aria-invalid="true"' in field and 'aria-describedby="body-errors body-help"' in field
    errors = page[page.index('id="body-errors"'):]
    assert errors.index("</ul>") < errors.index('<p class="help" id="body-help">Markdown:')
