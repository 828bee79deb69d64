"""A wiki page keeps Edit, History and Watch in sight and the rest (New subpage, Move or rename,
Attach files, Lock, Flag, Delete) in one More menu; the attachments card shows only when the page
has attachments."""
from __future__ import annotations

import io

from PIL import Image

from tests.conftest import csrf_token
from tests.helpers import text
from tests.wiki.conftest import url


def _actions(html: str) -> tuple[str, str]:
    """The page's action row: what is in sight, and what its More menu holds."""
    row = html[html.index('class="actions wiki-actions"'):]
    row = row[:row.index("</header>")]
    return row[:row.index("<details")], row[row.index("<details"):]


def test_the_page_actions_and_the_attachments_card(community, people, client_for, wiki):
    wiki.create(community, people["owner"], "Runbook", body="Text.")
    owner = client_for(people["owner"])
    page = text(owner.get(url(community, "runbook")))
    sight, menu = _actions(page)
    for label in (">Edit</a>", ">History</a>", ">Watch</button>"):
        assert label in sight and label not in menu, label
    for label in (">New subpage</a>", ">Move or rename</a>", ">Attach files</a>", ">Lock</button>", ">Delete</button>"):
        assert label in menu and label not in sight, label
    assert ">More</summary>" in menu and 'data-confirm="Move this page and its subpages to the trash?"' in menu
    assert 'id="attachments"' not in page and "0 attachments" not in page

    # An attachment: the card is there, with the way to manage them.
    form = text(owner.get(url(community, "runbook", "attachments")))
    png = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(png, format="PNG")
    png.seek(0)
    sent = owner.post(url(community, "runbook", "attachments"), headers={"X-CSRFToken": csrf_token(form)},
                      data={"file": (png, "diagram.png")}, content_type="multipart/form-data")
    assert sent.status_code == 302
    page = text(owner.get(url(community, "runbook")))
    assert 'id="attachments"' in page and "1 attachment" in page and "diagram.png" in page

    # A reader who may not edit: no editing entries; Flag in the menu.
    outsider = text(client_for(people["outsider"]).get(url(community, "runbook")))
    sight, menu = _actions(outsider)
    assert "Attach files" not in outsider and "New subpage" not in outsider and ">Flag</a>" in menu
