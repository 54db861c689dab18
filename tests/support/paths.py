"""Where the tests find the repository, their fixtures and the folder their screenshots go to."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
AUDIO = TESTS / "fixtures" / "audio"
OUTPUT = TESTS / "output"  # screenshots and charts for people to look at (not committed)
