"""The H5 page's optional résumé step: before consent ends the candidate attaches a file, which is kept (source h5),
counted at once in the questions announced and asked from; a refused file answers with its Chinese reason and
keeps nothing; after consent the step is closed. Real sandbox chat, H5 API, store, Redis and database."""
from __future__ import annotations

import io

from bot.store.models import Candidate, Resume
from tests.support.chat import invite_member, token_of
from tests.support.h5 import consent
from tests.support.resumes import bank_intern_pdf


def attach(client, base: str, name: str, data: bytes):
    return client.post(f"{base}/resume", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_a_resume_attached_before_consent_is_kept_counted_and_asked_from(stack):
    client, base = stack.app.test_client(), f"/h5/api/{token_of(invite_member(stack, 'zhangsan'))}"
    assert len(client.get(f"{base}/state").json["questions"]) == 6
    pdf = bank_intern_pdf()
    answer = attach(client, base, "我的简历.pdf", pdf)
    assert answer.status_code == 200, answer.json
    assert len(answer.json["state"]["questions"]) == 7 and answer.json["duplicate"] is False
    row = Resume.get()
    assert row.source == "h5" and row.candidate.wecom_userid == "zhangsan"
    assert "招商银行" in Candidate.get(Candidate.wecom_userid == "zhangsan").resume
    assert attach(client, base, "again.pdf", pdf).json["duplicate"] is True  # kept once
    consent(client, base)
    questions = client.get(f"{base}/state").json["questions"]
    assert len(questions) == 7 and questions[1]["key"].startswith("cv-")
    late = attach(client, base, "late.pdf", bank_intern_pdf())
    assert late.status_code == 409 and late.json["code"] == "already_started"


def test_a_refused_file_says_why_and_keeps_nothing(stack):
    client, base = stack.app.test_client(), f"/h5/api/{token_of(invite_member(stack, 'zhangsan'))}"
    old = attach(client, base, "简历.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert old.status_code == 422 and old.json["code"] == "old_word" and "旧版 Word 格式" in old.json["error"]
    empty = attach(client, base, "空.pdf", b"")
    assert empty.status_code == 422 and "文件是空的" in empty.json["error"]
    none = client.post(f"{base}/resume", data={}, content_type="multipart/form-data")
    assert none.status_code == 400 and none.json["code"] == "no_file"
    assert Resume.select().count() == 0
    assert len(client.get(f"{base}/state").json["questions"]) == 6
