"""Shared test helpers (moved here from the test modules that used to copy them)."""
from __future__ import annotations

import re

import requests


def login(stack, user: str, next_path: str = "/hr/") -> requests.Session:
    """Sign in as user through the sandbox's OAuth page, as a member opening a link inside WeCom would."""
    session = requests.Session()
    first = session.get(f"{stack.base}{next_path}", allow_redirects=False, timeout=30)
    assert first.status_code == 302
    oauth = first.headers["Location"].split("#")[0]
    back = session.get(f"{oauth}&sandbox_user={user}", allow_redirects=False, timeout=30)
    assert back.status_code == 302 and back.headers["Location"].startswith(f"{stack.base}/hr/oauth?code=")
    landed = session.get(back.headers["Location"], allow_redirects=False, timeout=30)
    assert landed.status_code in (302, 403), landed.text
    return session


def csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)
