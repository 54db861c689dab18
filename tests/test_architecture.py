"""The layer rules hold: no import cycles, no upward imports, no project imports hidden inside functions, and the
import-linter contracts in .importlinter are kept (docs/architecture.md)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests import architecture


def test_no_import_cycles_between_modules():
    assert architecture.cycles(architecture.build()) == []


def test_no_upward_imports_outside_entry_points():
    assert architecture.upward(architecture.build()) == []


def test_no_project_imports_inside_functions_outside_entry_points():
    assert architecture.late_imports(architecture.build()) == []


def test_the_counter_finds_what_it_counts(tmp_path, monkeypatch):
    """The script is not vacuous: a cycle, an upward import and a late import planted in a copy are all found."""
    root = tmp_path / "repo"
    for package in ("bot", "jobs", "config", "handlers", "scoring"):
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
    (root / "wsgi.py").write_text("")
    (root / "bot" / "a.py").write_text("from bot import b\n")
    (root / "bot" / "b.py").write_text("import bot.a\nfrom jobs import thing\n")
    (root / "jobs" / "thing.py").write_text("def run():\n    from bot import a\n")
    monkeypatch.setattr(architecture, "ROOT", root)
    graph = architecture.build()
    assert architecture.cycles(graph) == [["bot.a", "bot.b"]]
    assert architecture.upward(graph) == [("bot.b", "jobs.thing")]
    assert architecture.late_imports(graph) == [("jobs.thing", 2, "bot.a")]


def test_import_linter_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")  # installed with import-linter
    done = subprocess.run([str(lint_imports), "--no-cache"], capture_output=True, text=True, timeout=300,
                          cwd=architecture.ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout
