"""The recruiters' user guide as an HR page: /hr/guide shows docs/guide-hr.md with its screenshots (docs/guide/),
so what /help points to opens inside WeCom like every other HR page. The Markdown file is the one source: it is
rendered on the server (markdown-it, raw HTML off, so the file cannot carry a script) and cached until it changes."""
from __future__ import annotations

import functools
import re
from pathlib import Path

from flask import Blueprint, abort, render_template, send_from_directory
from markdown_it import MarkdownIt
from markupsafe import Markup

from handlers.hr.auth import hr_page

bp = Blueprint("hr_guide", __name__)

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide-hr.md"
IMAGES = GUIDE.parent / "guide"
IMAGE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,80}\.png")
# Links from the guide to the developers' pages beside it are dropped on the page (their text stays): HR readers
# have the product, not its repository.
DOC_LINK = re.compile(r'<a href="(?![a-z]+:|/|#)[^"]*\.md(?:#[^"]*)?">(.*?)</a>')
HEADING = re.compile(r"<(h[23])>(.*?)</\1>")


def anchor(title: str) -> str:
    """A heading's anchor as the guide's table of contents writes it (GitHub's rule: lower case, punctuation
    dropped, spaces to hyphens): "1. 开始之前：角色与机构" → "1-开始之前角色与机构"."""
    return re.sub(r"[^\w\- ]", "", re.sub(r"<[^>]+>", "", title).lower()).replace(" ", "-")


@functools.lru_cache(maxsize=2)
def _render(stamp: float) -> str:
    """The guide's HTML for the file as it was at stamp (its modification time)."""
    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(GUIDE.read_text("utf-8"))
    html = HEADING.sub(lambda m: f'<{m[1]} id="{anchor(m[2])}">{m[2]}</{m[1]}>', html)
    return DOC_LINK.sub(r"\1", html)


@bp.get("/hr/guide")
@hr_page
def guide():
    """The user guide (every HR role: it says which parts need a recruiter)."""
    if not GUIDE.exists():
        abort(404, description="使用指南不在这台服务器上。")
    return render_template("hr/guide.html", body=Markup(_render(GUIDE.stat().st_mtime)))


@bp.get("/hr/guide/<name>")
@hr_page
def image(name: str):
    """One of the guide's screenshots (PNG files of docs/guide/, by name only)."""
    if not IMAGE_NAME.fullmatch(name):
        abort(404)
    return send_from_directory(IMAGES, name, mimetype="image/png", max_age=3600)
