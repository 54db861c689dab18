"""Another connection holding SQLite's write lock, as a second process mid-write would, until released."""
from __future__ import annotations

import sqlite3
import threading


class SqliteLock(threading.Thread):
    """Holds the database's write lock (BEGIN IMMEDIATE, or EXCLUSIVE to keep readers out too) until release is set."""

    def __init__(self, path: str, mode: str = "EXCLUSIVE"):
        super().__init__(daemon=True)
        self.path, self.mode = path, mode
        self.held, self.release = threading.Event(), threading.Event()

    def run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        conn.execute(f"BEGIN {self.mode}")
        self.held.set()
        self.release.wait(60)
        conn.execute("ROLLBACK")
        conn.close()
