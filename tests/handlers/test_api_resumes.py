"""The open API takes a candidate's résumé file — multipart or base64 in JSON — reads it, keeps it sealed, and
answers its parsed fields and what screening takes from them; a file that is not read gets its reason and
nothing is kept. Real HTTP to the app, real database and store."""
from __future__ import annotations

import base64
import random

import requests

from bot.store.models import Candidate, Resume
from tests.bot.resumes.generate import make_spec, to_docx, to_pdf
from tests.handlers.test_api import api  # noqa: F401  (the fixture: HTTP to the app with a full and a masked token)

SPEC = make_spec(random.Random(41), lang="zh", pages=1)


def candidate(api) -> int:  # noqa: F811
    answer = api("POST", "/candidates", api.full, json={"name": SPEC.name, "phone": SPEC.phone})
    return answer.json()["id"]


def test_a_pdf_uploaded_as_a_form_is_read_kept_and_answered(api):  # noqa: F811
    cid = candidate(api)
    data = to_pdf(SPEC, columns=2)
    answer = api("POST", f"/candidates/{cid}/resumes", api.full, files={"file": ("简历.pdf", data, "application/pdf")})
    assert answer.status_code == 201, answer.text
    kept = answer.json()
    assert (kept["kind"], kept["size"], kept["duplicate"]) == ("pdf", len(data), False)
    assert kept["parsed"]["name"]["value"] == SPEC.name and kept["parsed"]["email"]["value"] == SPEC.email
    assert kept["screening"]["education"] == SPEC.education[-1]["degree"]
    row = Resume.get_by_id(kept["id"])
    assert row.candidate_id == cid and row.source == "api"
    assert SPEC.email in Candidate.get_by_id(cid).resume  # what screening and the pool read
    again = api("POST", f"/candidates/{cid}/resumes", api.full, files={"file": ("again.pdf", data)})
    assert again.status_code == 200 and again.json()["duplicate"] and again.json()["id"] == kept["id"]
    assert Resume.select().count() == 1


def test_a_docx_sent_as_base64_in_json(api):  # noqa: F811
    cid = candidate(api)
    payload = {"filename": "简历.docx", "content_base64": base64.b64encode(to_docx(SPEC, "tables")).decode()}
    answer = api("POST", f"/candidates/{cid}/resumes", api.full, json=payload)
    assert answer.status_code == 201, answer.text
    assert answer.json()["kind"] == "docx"
    assert [e["school"]["value"] for e in answer.json()["parsed"]["education"]] == [
        e["school"] for e in SPEC.education]


def test_files_that_are_not_read_get_their_reason_and_nothing_is_kept(api):  # noqa: F811
    cid = candidate(api)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)
    answer = api("POST", f"/candidates/{cid}/resumes", api.full, files={"file": ("简历.doc", ole)})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert (error["code"], error["reason"]) == ("resume_unreadable", "old_word") and ".docx" in error["message"]
    empty = api("POST", f"/candidates/{cid}/resumes", api.full, files={"file": ("a.pdf", b"")})
    assert empty.status_code == 422 and empty.json()["error"]["reason"] == "empty"
    junk = api("POST", f"/candidates/{cid}/resumes", api.full, json={"filename": "a.pdf", "content_base64": "===="})
    assert junk.status_code == 422 and junk.json()["error"]["code"] == "invalid_request"  # the document's pattern
    bad = api("POST", f"/candidates/{cid}/resumes", api.full, json={"filename": "a.pdf", "content_base64": "QUJDRA"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_base64"
    missing = api("POST", f"/candidates/{cid}/resumes", api.full, files={"other": ("a.pdf", b"%PDF-1.4")})
    assert missing.status_code == 422 and missing.json()["error"]["path"] == "/file"
    huge = api("POST", f"/candidates/{cid}/resumes", api.full, files={"file": ("big.pdf", b"%PDF-" + bytes(21 << 20))})
    assert huge.status_code == 413
    assert Resume.select().count() == 0 and Candidate.get_by_id(cid).resume == ""


def test_who_may_upload_and_for_whom(api):  # noqa: F811
    cid = candidate(api)
    files = {"file": ("a.pdf", to_pdf(SPEC))}
    assert api("POST", f"/candidates/{cid}/resumes", api.masked, files=files).status_code == 403
    assert api("POST", f"/candidates/{cid}/resumes", files=files).status_code == 401
    assert api("POST", f"/candidates/{cid + 999}/resumes", api.full, files=files).status_code == 404
    Candidate.update(erased_at=Candidate.created_at).where(Candidate.id == cid).execute()
    gone = api("POST", f"/candidates/{cid}/resumes", api.full, files=files)
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "erased"
    assert Resume.select().count() == 0


def test_a_retried_upload_with_its_idempotency_key_is_answered_again(api):  # noqa: F811
    cid = candidate(api)
    body, kind = requests.models.RequestEncodingMixin._encode_files({"file": ("a.docx", to_docx(SPEC))}, {})
    headers = {"Content-Type": kind, "Idempotency-Key": "upload-1"}
    first = api("POST", f"/candidates/{cid}/resumes", api.full, data=body, headers=dict(headers))
    again = api("POST", f"/candidates/{cid}/resumes", api.full, data=body, headers=dict(headers))
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Resume.select().count() == 1
