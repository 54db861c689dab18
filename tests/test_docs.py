"""The documentation stays true to the repository: the README is short, and every file the docs and the code cite
exists (nothing points outside the repository)."""
from __future__ import annotations

import re

from tests.support.paths import REPO as ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
# a repository path in backticks or in a docstring: a known top folder, then path characters, ending in a file
# extension or a slash
PATH = re.compile(r"(?<![\w./-])((?:bot|handlers|jobs|scoring|config|miniprogram|tests|docs)/[\w./*<>-]*[\w/])")
# notes kept outside the repository, which nothing here may cite
OUTSIDE = re.compile(r"[A-Z_]+\.md\b(?<!README\.md)|\.\./shared|shared/docs")
RUNTIME = ("data/", "tests/output")  # created at run time


def cited_paths(text: str) -> set[str]:
    """The repository paths a text names (globs and placeholders are checked up to their first wildcard)."""
    found = set()
    for path in PATH.findall(text):
        path = re.split(r"[*<]", path)[0].rstrip("/.")
        if path.count("/") and not path.startswith(RUNTIME):
            found.add(path)
    return found


def test_readme_is_short():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 200


def test_every_link_in_the_docs_resolves():
    missing = []
    for doc in DOCS:
        for target in LINK.findall(doc.read_text()):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            if not (doc.parent / target).resolve().exists():
                missing.append(f"{doc.relative_to(ROOT)} → {target}")
    assert missing == []


def test_every_path_the_docs_and_code_cite_exists():
    sources = DOCS + [p for top in ("bot", "handlers", "jobs", "scoring", "config", "miniprogram")
                      for p in (ROOT / top).rglob("*") if p.suffix in (".py", ".yaml", ".js", ".html", ".md")]
    missing = []
    for source in sources:
        for path in cited_paths(source.read_text(errors="replace")):
            if not (ROOT / path).exists() and not (ROOT / (path + ".py")).exists():
                missing.append(f"{source.relative_to(ROOT)}: {path}")
    assert missing == []


def test_nothing_points_outside_the_repository():
    outside = [str(p.relative_to(ROOT)) for p in DOCS if re.search(OUTSIDE, p.read_text())]
    code = [str(p.relative_to(ROOT)) for top in ("bot", "handlers", "jobs", "scoring", "config")
            for p in (ROOT / top).rglob("*.py") if re.search(OUTSIDE, p.read_text())]
    assert outside + code == []
