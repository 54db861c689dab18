"""/remind and /cancel reach every invitation a candidate can still open, including those whose card never
arrived (failed in the sandbox): /remind sends those the invitation again and says how many it reminded, sent
again and could not reach; /cancel closes a link that still opens."""
from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.support.bulk import TELLER, member_row, sheet, upload
from tests.support.chat import texts

ROWS = [["赵雅琪", "13912345670", "c00000", "本科", "金融学", "3", TELLER],
        member_row(1), member_row(2), member_row(3),
        ["孙七", "13700000007", "", "本科", "金融", "2", TELLER]]  # no WeCom account, and no SMS here: by hand


@pytest.fixture(autouse=True)
def _no_sms(monkeypatch):
    """SMS off (a company that has not set it up): 孙七 can only be reached through the recruiter."""
    monkeypatch.setenv("SMS_PROVIDER", "")


def failed_run(stack) -> None:
    """A bulk run whose first three cards fail for good; 候选人00003 gets hers; 孙七 has no channel."""
    upload(stack, sheet(ROWS))
    stack.api("POST", "faults", json={"path": "message/send", "errcode": 81013, "times": 3})
    stack.drain()


def status_of(userid: str) -> str:
    from bot.store.models import Candidate, Invitation

    return Invitation.get(Invitation.candidate == Candidate.get(Candidate.wecom_userid == userid)).status


def test_remind_sends_never_delivered_invitations_again_and_counts_each_kind(stack):
    failed_run(stack)
    assert [status_of(u) for u in ("c00000", "c00001", "c00002", "c00003")] == ["failed"] * 3 + ["sent"]
    stack.say("hr_li", "/remind 柜员")
    stack.drain()
    [done] = [t for t in texts(stack, "hr_li") if t.startswith("已提醒「柜员」")]
    assert "已提醒「柜员」1 位" in done and "重新发送邀请 3 位" in done and "1 位无法送达" in done, done
    assert any("提醒您" in t for t in texts(stack, "c00003"))
    for userid in ("c00000", "c00001", "c00002"):  # the invitation card itself, this time delivered
        assert [m for m in stack.inbox(userid) if m["msgtype"] == "template_card"], userid
        assert status_of(userid) == "sent"
    assert any("孙七" in t and "/i/" in t for t in texts(stack, "hr_li"))  # the reminder to pass on, with the link


def test_cancel_finds_an_invitation_whose_card_failed_and_its_link_closes(stack):
    from bot.links import invitation_link
    from bot.store.models import Candidate, Invitation

    failed_run(stack)
    invitation = Invitation.get(Invitation.candidate == Candidate.get(Candidate.wecom_userid == "c00000"))
    link = urlparse(invitation_link(stack.settings, invitation)).path
    assert invitation.status == "failed"  # its card never arrived, yet its link opens (until cancelled)
    stack.say("hr_li", "/cancel 赵雅琪 柜员")
    stack.drain()
    assert any("已取消赵雅琪的「柜员」面试邀请" in t for t in texts(stack, "hr_li")), texts(stack, "hr_li")[-1]
    assert Invitation.get_by_id(invitation.id).status == "cancelled"
    assert stack.app.test_client().get(link).status_code == 409
