"""Backups and restores: `python -m jobs.cli backup DIR` and `python -m jobs.cli restore DIR [--force]`.

A backup is one folder:

    manifest.json        what is in it: the database's kind, each file's size and sha256, row and object counts
    database.sqlite3     SQLite, copied with SQLite's online backup API (a running product keeps writing), or
    database.pgdump      PostgreSQL, pg_dump's custom format (restored with pg_restore)
    objects/<key>        every stored object (recordings, upload chunks, uploaded sheets) byte for byte, sealed

The database is copied first and the objects after: every object stores before its row is written, so each row
in the copy finds its object. Objects stay sealed and the keys (RECORDING_KEYS, SECRET_KEY) are not in the
backup: a stolen backup opens nothing, and a backup is useless without the keys kept elsewhere. Redis is not in
it either; it only carries work about rows, and after a restore the recovery sweep puts back what was pending.

A restore reads the manifest and checks every file against it before it writes anything, refuses a target that
already holds data unless forced, and checks the restored rows against the manifest's counts.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bot.clock import utcnow
from bot.errors import InterviewBotError
from bot.store import sealing
from bot.store.storage import SealedStore, StorageKeyError, check_key, get_storage
from config.settings import Settings

FORMAT = 1
MANIFEST = "manifest.json"
OBJECTS = "objects"
FOLDERS = ("recordings/", "uploads/", "imports/")  # every folder the product stores objects in
SQLITE_FILE, PG_FILE = "database.sqlite3", "database.pgdump"
NOT_INCLUDED = ("RECORDING_KEYS and SECRET_KEY: keep them apart from the backup; without them nothing opens",
                "Redis: queued jobs are put back from the database by the recovery sweep after a restore")


class BackupError(InterviewBotError):
    """A backup or restore that cannot go on; the message says why and what to do."""


def backup(settings: Settings, target: Path, out: Callable[[str], None] = print) -> dict:
    """Back up the database and every stored object into target (a new or empty folder); return the manifest."""
    target = _empty_folder(target)
    database = _dump(settings.database_url, target)
    out(f"database: {database['kind']}, {database['bytes']} bytes")
    objects = _copy_objects(get_storage(settings), target / OBJECTS)
    sealed_with = ", ".join(objects["key_ids"]) or "no key"
    out(f"objects: {objects['count']} ({objects['bytes']} bytes), sealed with {sealed_with}")
    manifest = {"format": FORMAT, "created_at": utcnow().isoformat(timespec="seconds") + "Z",
                "database": database, "objects": objects, "not_included": list(NOT_INCLUDED)}
    _write_atomically(target / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    return manifest


def restore(settings: Settings, source: Path, force: bool = False, out: Callable[[str], None] = print) -> dict:
    """Restore a backup into the configured database and storage after checking it whole; return the manifest."""
    manifest = read_manifest(source)
    verify(source, manifest)
    out(f"backup of {manifest['created_at']} checked: database and {len(manifest['objects']['files'])} objects")
    store = get_storage(settings)
    kind = _kind(settings.database_url)
    if kind != manifest["database"]["kind"]:
        raise BackupError(f"the backup holds a {manifest['database']['kind']} database, DATABASE_URL names {kind}")
    held = _database_rows(settings.database_url) + len(_stored_keys(store))
    if held and not force:
        raise BackupError("the target already holds data (the database or stored objects): restore into a fresh "
                          "DATA_DIR/database, or add --force to replace what is there")
    _load(settings.database_url, source, manifest["database"], force)
    _put_objects(store, source / OBJECTS, manifest["objects"]["files"], replace=force)
    counts = _table_counts(settings.database_url) if kind == "sqlite" else {}
    if kind == "sqlite" and counts != manifest["database"]["tables"]:
        raise BackupError(f"the restored database's row counts differ from the backup's: {counts}")
    out("restored; start the product (run `python -m jobs.cli upgrade` first if this release is newer than the "
        "backup): the recovery sweep re-queues pending scoring, reports and messages within minutes")
    return manifest


# -- the manifest ---------------------------------------------------------------------------------------------------

def read_manifest(source: Path) -> dict:
    try:
        manifest = json.loads((source / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{source} has no {MANIFEST}: not a backup, or one that did not finish") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source / MANIFEST} cannot be read: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{source / MANIFEST} is not a backup manifest of format {FORMAT}")
    return manifest


def verify(source: Path, manifest: dict) -> None:
    """Every file the manifest names is there with its sha256, and nothing else is under objects/."""
    database = manifest["database"]
    _check_file(source / database["file"], database)
    files = manifest["objects"]["files"]
    if len(files) != manifest["objects"]["count"]:
        raise BackupError("the manifest's object count does not match its list")
    for entry in files:
        try:
            check_key(entry["key"])
        except StorageKeyError as exc:
            raise BackupError(f"the manifest names a key outside the store: {exc}") from None
        _check_file(source / OBJECTS / entry["key"], entry)
    present = {p.relative_to(source / OBJECTS).as_posix() for p in (source / OBJECTS).rglob("*") if p.is_file()}
    extra = present - {entry["key"] for entry in files}
    if extra:
        raise BackupError(f"objects not in the manifest: {', '.join(sorted(extra)[:5])}")


def _check_file(path: Path, entry: dict) -> None:
    try:
        digest, size = _sha256(path)
    except FileNotFoundError:
        raise BackupError(f"{path} is missing from the backup") from None
    if (digest, size) != (entry["sha256"], entry["bytes"]):
        raise BackupError(f"{path} does not match the manifest (changed or damaged): nothing was restored")


def _sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _write_atomically(path: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def _empty_folder(target: Path) -> Path:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} is not an empty folder: back up into a new one")
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    return target


# -- the database ---------------------------------------------------------------------------------------------------

def _kind(url: str) -> str:
    return "sqlite" if url.startswith("sqlite:") else "postgresql"


def _sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///").split("?", 1)[0])


def _dump(url: str, target: Path) -> dict:
    if _kind(url) == "sqlite":
        source = _sqlite_path(url)
        if not source.is_file():
            raise BackupError(f"no SQLite database at {source}")
        path = target / SQLITE_FILE
        _sqlite_copy(source, path)
        extra = {"tables": _table_counts(f"sqlite:///{path}")}
    else:
        path = target / PG_FILE
        _pg("pg_dump", url, "--format=custom", "--no-owner", "--no-privileges", f"--file={path}")
        extra = {}
    digest, size = _sha256(path)
    return {"kind": _kind(url), "file": path.name, "sha256": digest, "bytes": size, **extra}


def _sqlite_copy(source: Path, destination: Path) -> None:
    """SQLite's online backup: a consistent copy while other connections keep reading and writing."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(destination)
    try:
        src.backup(dst)
        if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"the copy of {source} fails SQLite's integrity check")
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()


def _table_counts(url: str) -> dict[str, int]:
    path = _sqlite_path(url)
    if not path.is_file():
        return {}
    with sqlite3.connect(path, timeout=30) as db:
        names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                              "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {name: db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}


def _database_rows(url: str) -> int:
    """How many tables the target database has (0: fresh)."""
    if _kind(url) == "sqlite":
        return len(_table_counts(url))
    listed = _pg("psql", url, "--tuples-only", "--no-align", "--command",
                 "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")
    return int(listed.strip() or 0)


def _load(url: str, source: Path, entry: dict, force: bool) -> None:
    if entry["kind"] == "sqlite":
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.restore")
        temp.unlink(missing_ok=True)
        _sqlite_copy(source / entry["file"], temp)
        for stale in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            stale.unlink(missing_ok=True)
        os.replace(temp, target)
        with sqlite3.connect(target) as db:
            db.execute("PRAGMA journal_mode=WAL")
        return
    name = unquote(urlsplit(url).path.lstrip("/"))
    _pg("pg_restore", url, f"--dbname={name}", "--no-owner", "--no-privileges", "--exit-on-error",
        "--single-transaction", *(("--clean", "--if-exists") if force else ()), str(source / entry["file"]))


def _pg(program: str, url: str, *args: str) -> str:
    """Run a PostgreSQL client program against url; the password goes through the environment, not argv."""
    found = shutil.which(program)
    if found is None:
        raise BackupError(f"{program} not found: install the PostgreSQL client programs (Debian/Ubuntu: "
                          f"postgresql-client, of the server's major version or newer) on this host")
    parts = urlsplit(url)
    env = {**os.environ, "PGHOST": parts.hostname or "", "PGPORT": str(parts.port or 5432),
           "PGUSER": unquote(parts.username or ""), "PGDATABASE": unquote(parts.path.lstrip("/"))}
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    done = subprocess.run([found, *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise BackupError(f"{program} failed ({done.returncode}): {done.stderr.strip()[-800:]}")
    return done.stdout


# -- the stored objects ---------------------------------------------------------------------------------------------

def _stored_keys(store: SealedStore) -> list[str]:
    return [key for folder in FOLDERS for key in store.list(folder)]


def _copy_objects(store: SealedStore, folder: Path) -> dict:
    files, key_ids, total = [], set(), 0
    for key in _stored_keys(store):
        try:
            raw = store.read_raw(key)
        except FileNotFoundError:  # deleted since it was listed (erasure, an import finished)
            continue
        path = folder / key
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.write_bytes(raw)
        if sealing.is_sealed(raw):
            key_ids.add(sealing.key_id_of(raw))
        files.append({"key": key, "sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)})
        total += len(raw)
    return {"count": len(files), "bytes": total, "key_ids": sorted(key_ids), "files": files}


def _put_objects(store: SealedStore, folder: Path, files: list[dict], replace: bool) -> None:
    wanted = {entry["key"] for entry in files}
    if replace:
        for key in _stored_keys(store):
            if key not in wanted:
                store.delete(key)
    for entry in files:
        store.put_raw(entry["key"], (folder / entry["key"]).read_bytes())
