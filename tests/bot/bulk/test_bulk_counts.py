"""One definition of delivered and failed: a run whose cards failed in the sandbox reads the same in
`/bulk status`, in its summary card and in the funnel (`/status` and the dashboard's numbers)."""
from __future__ import annotations

from urllib.parse import urlparse

from tests.support.bulk import member_row, sheet, upload
from tests.support.chat import texts


def fields_of(card: dict) -> dict[str, str]:
    return {f["keyname"]: f["value"] for f in card["horizontal_content_list"]}


def test_status_summary_and_funnel_agree_on_cards_that_failed(stack):
    from bot.bulk import runs as bulk
    from bot.commands.lookup import funnel
    from bot.links import invitation_link
    from bot.store.models import BulkRun, Invitation, Position

    upload(stack, sheet([member_row(i) for i in range(4)]))
    stack.api("POST", "faults", json={"path": "message/send", "errcode": 81013, "times": 3})  # 3 cards fail
    stack.drain()
    run = BulkRun.get()
    states = {i.candidate.wecom_userid: i.status for i in Invitation.select()}
    assert states == {"c00000": "failed", "c00001": "failed", "c00002": "failed", "c00003": "sent"}
    # The recruiter passed one failed card's link on by hand and the candidate opened it: it reached them.
    passed_on = Invitation.get(Invitation.candidate == Invitation.select(Invitation.candidate).join(
        Invitation.candidate.rel_model).where(Invitation.candidate.rel_model.wecom_userid == "c00000"))
    assert stack.app.test_client().get(urlparse(invitation_link(stack.settings, passed_on)).path).status_code == 200
    # A delivered invitation HR cancels afterwards was still delivered, not a failure.
    stack.say("hr_li", "/cancel c00003 柜员")
    stack.drain()
    assert Invitation.get(Invitation.status == "cancelled").candidate.wecom_userid == "c00003"

    stack.say("hr_li", f"/bulk status {run.id}")
    stack.drain()
    [status] = [t for t in texts(stack, "hr_li") if t.startswith(f"批量邀请 {run.id}（")]
    assert "送达 2/4" in status and "失败 2" in status, status
    assert bulk.watch_run(run.id) == "done"
    stack.drain()
    [done] = [m["card"] for m in stack.inbox("hr_li") if m["msgtype"] == "template_card"]
    assert fields_of(done)["送达"] == "2" and fields_of(done)["失败"] == "2"
    assert funnel(Position.get(Position.title == "柜员"))["invited"] == 2  # 已邀请: reached, not merely created
    stack.say("hr_li", "/status 柜员")
    stack.drain()
    assert any("「柜员」2 → 1 → 0" in t for t in texts(stack, "hr_li"))
