"""Two moderators deciding on the same item at the same moment: the first decision holds, the
second is told another moderator decided meanwhile (with the reason typed), and the item is shown
again once: one decision in the log, one line back in the streams, the author told once."""
from __future__ import annotations

from sqlalchemy import func, select

from collab.extensions import db
from collab.moderation.models import ModerationDecision
from tests.forums.conftest import forums  # noqa: F401  (the forums helper fixture)
from tests.helpers import text
from tests.moderation.conftest import resolve


def test_two_moderators_showing_an_item_again_at_once_record_one_decision(app, community, people, client_for,
                                                                          forums,  # noqa: F811
                                                                          just_before_the_first_write):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["owner"])
    rid = forums.reply(tid, people["member"], "a reply that was hidden by mistake")
    key = f"forum_post:{rid}"
    moderator, owner = client_for(people["moderator"]), client_for(people["owner"])
    assert resolve(moderator, key, "hide").status_code == 302
    answers = {}
    state = just_before_the_first_write(ModerationDecision, lambda: answers.setdefault(
        "second", resolve(owner, key, "unhide", reason="Typed by the owner")))
    answers["first"] = resolve(moderator, key, "unhide", reason="")
    state["thread"].join(timeout=20)
    assert not state["thread"].is_alive()
    assert answers["first"].status_code == 302
    second = answers["second"]
    assert second.status_code == 409
    assert "Another moderator decided on this meanwhile" in text(second) and "Typed by the owner" in text(second)
    with app.app_context():
        decisions = db.session.scalars(select(ModerationDecision.decision).where(
            ModerationDecision.item_key == key).order_by(ModerationDecision.id)).all()
        assert decisions == ["hide", "unhide"]
    from forums.models import ForumPost

    assert forums.get(ForumPost, rid).hidden_reason is None
    with app.app_context():
        from collab.activity.models import Event

        assert db.session.scalar(select(func.count()).select_from(Event).where(Event.key == key)) <= 1
