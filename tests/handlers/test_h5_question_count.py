"""The H5 page announces the number of questions the candidate will really get: before consent it counts the
bank's draw and the questions the candidate's résumé gives (the same functions consent uses), so a candidate with
a résumé is told 7 and asked 7, one without told 6 and asked 6. Real sandbox chat, H5 API, Redis and database."""
from __future__ import annotations

from tests.support.chat import invite_member, token_of
from tests.support.h5 import consent
from tests.support.resumes import invited_with_resume


def counts(stack, link: str) -> tuple[int, str, int]:
    client, token = stack.app.test_client(), token_of(link)
    before = len(client.get(f"/h5/api/{token}/state").json["questions"])
    page = client.get(link.split(stack.settings.public_base_url)[-1]).get_data(as_text=True)
    consent(client, f"/h5/api/{token}")
    return before, page, len(client.get(f"/h5/api/{token}/state").json["questions"])


def test_the_welcome_counts_the_questions_from_the_resume(stack):
    before, page, after = counts(stack, invited_with_resume(stack, "zhangsan"))
    assert before == after == 7  # 柜员 draws 6; the résumé's internship at a bank gives one more
    assert "<dd>7 道</dd>" in page
    before, page, after = counts(stack, invite_member(stack, "lisi"))
    assert before == after == 6 and "<dd>6 道</dd>" in page
