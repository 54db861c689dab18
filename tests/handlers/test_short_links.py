"""/s/<code>, the SMS's short link: one code per invitation, redirected to the interview page signed afresh (the
invitation's current deadline); unknown, malformed or hostile codes get a plain 404 page, never a traceback."""
from __future__ import annotations

from bot.store.models import Invitation, ShortLink
from bot.store.short_links import code_for
from tests.support.chat import invite_member


def test_a_short_code_leads_to_the_invitations_page_and_nothing_else_does(stack):
    link = invite_member(stack)
    invitation = Invitation.get()
    code = code_for(invitation)
    assert code_for(invitation) == code and len(code) == 10 and code.isalnum() and ShortLink.select().count() == 1
    client = stack.app.test_client()
    answer = client.get(f"/s/{code}")
    assert answer.status_code == 302 and answer.headers["Location"] == link + "?via=sms"  # read in an SMS
    assert answer.headers["Cache-Control"] == "no-store" and answer.headers["Referrer-Policy"] == "no-referrer"
    page = client.get("/" + answer.headers["Location"].split("/", 3)[3])
    assert page.status_code == 200  # the interview page it leads to opens
    assert Invitation.get().candidate.preferred_channel == "sms"  # they answer by SMS: tried first from now on
    for bad in ("AAAAAAAAAA", code[:-1], code + "x" * 20, "%E4%BD%A0%E5%A5%BD", "..%2f..%2fetc", "a" * 3000):
        refused = client.get(f"/s/{bad}")
        body = refused.get_data(as_text=True)
        assert refused.status_code == 404 and "Traceback" not in body, bad
        assert "链接无效" in body or "/" in bad.replace("%2f", "/"), bad  # another path: the site's own 404 page
    assert client.post(f"/s/{code}").status_code == 405
