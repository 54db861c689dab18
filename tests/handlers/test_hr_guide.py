"""The recruiters' guide (docs/guide-hr.md): every picture it shows is in docs/guide/ (under 150 KB) and is one the
screenshot walk takes (tests/e2e/test_guide_screenshots.py), every entry of its contents leads to a heading, and
/hr/guide shows it to every signed-in HR role with its pictures, to nobody else."""
from __future__ import annotations

import re
from urllib.parse import quote

from handlers.hr.guide import GUIDE, IMAGES, anchor
from tests.e2e.test_guide_screenshots import LIMIT, PICTURES
from tests.support.hr import login

IMAGE_LINK = re.compile(r"!\[[^\]]*\]\((guide/[^)]+)\)")


def test_every_picture_the_guide_shows_is_there_and_small():
    linked = IMAGE_LINK.findall(GUIDE.read_text("utf-8"))
    assert len(linked) >= 8
    for link in linked:
        path = GUIDE.parent / link
        assert path.is_file(), f"{link} is missing: run make guide-screenshots"
        assert path.stat().st_size <= LIMIT, f"{link} is {path.stat().st_size} bytes"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted({link.removeprefix("guide/").removesuffix(".png") for link in linked}) == sorted(PICTURES)
    assert sorted(p.stem for p in IMAGES.glob("*.png")) == sorted(PICTURES)  # none left over


def test_the_contents_lead_to_headings():
    text = GUIDE.read_text("utf-8")
    headings = {anchor(h) for h in re.findall(r"^##+ (.+)$", text, re.MULTILINE)}
    contents = re.findall(r"\]\(#([^)]+)\)", text)
    assert len(contents) >= 10 and set(contents) <= headings


def test_the_guide_page_for_every_hr_role(stack):
    for user in ("hr_li", "mgr_zhao"):
        page = login(stack, user, "/hr/guide").get(f"{stack.base}/hr/guide", timeout=30)
        assert page.status_code == 200 and "面试助手 · HR 使用指南" in page.text
        heading = "8-作决定进入复试待定不通过"  # the contents' link is percent-encoded: browsers decode it to match
        assert f'id="{heading}"' in page.text and f'<a href="#{quote(heading)}">' in page.text
        pictures = re.findall(r'<img src="(guide/[a-z0-9-]+\.png)"', page.text)
        assert len(pictures) == len(PICTURES)
        assert "<script" not in page.text.split('data-testid="guide"')[1].split("</article>")[0]
    session = login(stack, "hr_li", "/hr/guide")
    picture = session.get(f"{stack.base}/hr/{pictures[0]}", timeout=30)
    assert picture.status_code == 200 and picture.headers["Content-Type"] == "image/png"
    assert picture.content == (GUIDE.parent / pictures[0]).read_bytes()
    for bad in ("..%2Fguide-hr.md", "x.svg", "missing.png"):
        assert session.get(f"{stack.base}/hr/guide/{bad}", timeout=30).status_code == 404


def test_the_guide_page_is_for_signed_in_hr_only(stack):
    import requests

    assert requests.get(f"{stack.base}/hr/guide", allow_redirects=False, timeout=30).status_code == 302
    assert requests.get(f"{stack.base}/hr/guide/campaign-phone.png", allow_redirects=False,
                        timeout=30).status_code == 302
