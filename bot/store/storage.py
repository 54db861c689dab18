"""Where recordings live: sealed objects (bot/store/sealing.py) on the local disk or in S3-compatible object storage.

Keys are relative paths such as ``recordings/12/q1-<upload>.webm`` (what ``Recording.path`` holds); the same key
names the file under DATA_DIR or the object under STORAGE_URL's prefix. ``put`` seals with the newest recording
key, ``get`` opens with the key the envelope names. A recording stored before encryption (``Recording.key_id``
"") is read as stored only when the caller says so (``legacy_plain``): a plain object where a sealed one is
expected is refused, so nobody can slip unsealed bytes in place of a recording.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from bot.errors import InterviewBotError
from bot.store import sealing
from bot.store.models import Answer, Interview, Recording
from bot.store.sealing import Keyring, SealError
from config.settings import Settings

KEY_MAX = 512  # Recording.path's length
SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")


class StorageKeyError(ValueError):
    """A key that could leave the store (absolute, "..", a backslash, …) or is not a key at all."""


class StorageError(InterviewBotError):
    """The object store could not be reached or refused the request (transient or configuration)."""


def check_prefix(prefix: str) -> str:
    """Return prefix when it names a folder inside the store ("recordings/12/"): a bare "recordings/1" would
    also take recordings/12, and an empty one everything."""
    if not isinstance(prefix, str) or not prefix.endswith("/"):
        raise StorageKeyError(f"a storage prefix ends with '/': {prefix!r}")
    check_key(prefix[:-1])
    return prefix


def check_key(key: str) -> str:
    """Return key when it is a plain relative path inside the store; raise StorageKeyError otherwise."""
    parts = key.split("/") if isinstance(key, str) else []
    if (not key or len(key) > KEY_MAX or "\\" in key or "\x00" in key
            or any(part in ("", ".", "..") for part in parts)):
        raise StorageKeyError(f"storage key outside the store: {key!r}")
    return key


class SealedStore:
    """put/get/exists/delete of sealed objects; a backend supplies the raw reads and writes."""

    def __init__(self, keyring: Keyring):
        self.keyring = keyring

    def put(self, key: str, data: bytes) -> str:
        """Seal data under the newest key and store it at key (replacing any object there); return the key id."""
        self._write(check_key(key), self.keyring.seal(data, key))
        return self.keyring.current_id

    def put_raw(self, key: str, raw: bytes) -> None:
        """Store bytes exactly as read_raw gave them (a restore from a backup: still sealed, never opened here)."""
        self._write(check_key(key), raw)

    def get(self, key: str, *, legacy_plain: bool = False) -> bytes:
        """The object's plain bytes; FileNotFoundError when missing, SealError when it does not open."""
        raw = self.read_raw(key)
        if sealing.is_sealed(raw):
            return self.keyring.open(raw, key)
        if legacy_plain:
            return raw
        raise SealError(f"{key!r} is stored unsealed but should be sealed")

    def read_raw(self, key: str) -> bytes:
        """The stored bytes as they are (sealed); FileNotFoundError when missing."""
        return self._read(check_key(key))

    def exists(self, key: str) -> bool:
        return self._exists(check_key(key))

    def delete(self, key: str) -> bool:
        """Delete the object; True when it existed. Deleting a missing object is not an error."""
        return self._delete(check_key(key))

    def list(self, prefix: str) -> list[str]:
        """Every key under the folder prefix (what a write cut short left there too)."""
        return self._list(check_prefix(prefix))

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under the folder prefix, whatever rows point at it; return how many."""
        return sum(self._delete(key) for key in self.list(prefix))

    def _list(self, prefix: str) -> list[str]:
        raise NotImplementedError

    def _read(self, key: str) -> bytes:
        raise NotImplementedError

    def _write(self, key: str, blob: bytes) -> None:
        raise NotImplementedError

    def _exists(self, key: str) -> bool:
        raise NotImplementedError

    def _delete(self, key: str) -> bool:
        raise NotImplementedError


class LocalStorage(SealedStore):
    """Objects as files under DATA_DIR: written atomically (temporary file, fsync, rename), mode 600."""

    def __init__(self, root: Path, keyring: Keyring):
        super().__init__(keyring)
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()  # resolve() follows symlinks: a link out of the store is refused too
        if self.root not in path.parents:
            raise StorageKeyError(f"storage key outside the store: {key!r}")
        return path

    def _read(self, key: str) -> bytes:
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        return path.read_bytes()

    def _write(self, key: str, blob: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mode 600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself survives a power cut
        finally:
            os.close(folder)

    def _exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def _list(self, prefix: str) -> list[str]:
        folder = self._path(prefix.rstrip("/"))
        if not folder.is_dir():
            return []
        return sorted(path.relative_to(self.root).as_posix() for path in folder.rglob("*") if path.is_file())

    def _delete(self, key: str) -> bool:
        path = self._path(key)
        existed = path.is_file()
        path.unlink(missing_ok=True)
        for folder in path.parents:  # an interview's folder goes with its last recording
            if folder == self.root or self.root not in folder.parents:
                break
            try:
                folder.rmdir()
            except OSError:
                break
        return existed


class S3Storage(SealedStore):
    """Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, OSS/COS/OBS gateways) under a prefix.

    Credentials come from boto3's usual sources (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an
    instance role); the region from AWS_DEFAULT_REGION. The client is made on first use, once per process.
    """

    def __init__(self, bucket: str, prefix: str, keyring: Keyring, endpoint_url: str = ""):
        super().__init__(keyring)
        self.bucket, self.prefix, self.endpoint_url = bucket, prefix, endpoint_url or None
        self._client = None
        self._lock = threading.Lock()

    @property
    def client(self):
        with self._lock:
            if self._client is None:
                import boto3
                from botocore.config import Config

                config = Config(
                    connect_timeout=5, read_timeout=60, max_pool_connections=32,
                    retries={"max_attempts": 5, "mode": "standard"},  # backs off on 5xx, throttling, resets
                    # other S3-compatible servers want path-style URLs and no checksum trailers
                    s3={"addressing_style": "path" if self.endpoint_url else "auto"},
                    request_checksum_calculation="when_required", response_checksum_validation="when_required")
                self._client = boto3.session.Session().client("s3", endpoint_url=self.endpoint_url, config=config)
            return self._client

    def _call(self, operation: str, key: str, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(Bucket=self.bucket, Key=self.prefix + key, **kwargs)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if error.get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise FileNotFoundError(key) from None
            raise StorageError(f"object storage refused {operation} {key!r}: {error.get('Code')} "
                               f"{error.get('Message', '')}".rstrip()) from None
        except BotoCoreError as exc:
            raise StorageError(f"object storage unreachable ({operation} {key!r}): {exc}") from None

    def _read(self, key: str) -> bytes:
        body = self._call("get_object", key)["Body"]
        try:
            return body.read()
        finally:
            body.close()

    def _write(self, key: str, blob: bytes) -> None:
        self._call("put_object", key, Body=blob, ContentType="application/octet-stream")

    def _exists(self, key: str) -> bool:
        try:
            self._call("head_object", key)
        except FileNotFoundError:
            return False
        return True

    def _list(self, prefix: str) -> list[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        keys: list[str] = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                             Prefix=self.prefix + prefix):
                keys += [item["Key"][len(self.prefix):] for item in page.get("Contents", [])]
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise StorageError(f"object storage refused listing {prefix!r}: {error.get('Code')}") from None
        except BotoCoreError as exc:
            raise StorageError(f"object storage unreachable (listing {prefix!r}): {exc}") from None
        return keys

    def _delete(self, key: str) -> bool:
        existed = self._exists(key)  # S3's delete answers the same either way
        self._call("delete_object", key)
        return existed


def get_storage(settings: Settings) -> SealedStore:
    """The configured store (one per process and configuration)."""
    return _store(settings.storage_url, settings.data_dir, settings.s3_endpoint_url, settings.recording_keys)


@functools.lru_cache(maxsize=8)
def _store(url: str, data_dir: Path, endpoint_url: str, keys: tuple[tuple[str, bytes], ...]) -> SealedStore:
    keyring = sealing.keyring(keys)
    if not url:
        return LocalStorage(data_dir, keyring)
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    prefix = prefix.strip("/")
    return S3Storage(bucket, f"{prefix}/" if prefix else "", keyring, endpoint_url)


def open_recording(settings: Settings, recording: Recording) -> bytes:
    """The recording's plain media, authenticated (one stored before encryption is read as it is)."""
    return get_storage(settings).get(recording.path, legacy_plain=not recording.key_id)


@contextlib.contextmanager
def private_copy(settings: Settings, recording: Recording) -> Iterator[Path]:
    """The recording decrypted into a file only this user can read, removed afterwards (also on error)."""
    data = open_recording(settings, recording)
    suffix = PurePosixPath(recording.path).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="interview-recording-") as folder:  # mode 700
        path = Path(folder) / f"media{suffix if SUFFIX.fullmatch(suffix) else ''}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        del data
        yield path


def _recordings(after: int, where=None):
    """The next batch of recordings (with their interview's purge mark) after id `after`."""
    query = (Recording.select(Recording, Answer.id, Interview.id, Interview.media_purged_at)
             .join(Answer).join(Interview)
             .where(Recording.id > after))
    if where is not None:
        query = query.where(where)
    return list(query.order_by(Recording.id).limit(200))


def rotate(settings: Settings, out: Callable[[str], None] = print) -> Counter:
    """Re-seal every recording not under the newest key (plain ones too); resumable, idempotent."""
    store = get_storage(settings)
    newest = store.keyring.current_id
    counts: Counter = Counter()
    after = 0
    while batch := _recordings(after, Recording.key_id != newest):
        for rec in batch:
            after = rec.id
            if rec.answer.interview.media_purged_at is not None:
                counts["purged"] += 1
                continue
            try:
                counts[_rotate_one(store, rec, newest)] += 1
            except (FileNotFoundError, SealError, StorageKeyError) as exc:
                kind = "missing" if isinstance(exc, FileNotFoundError) else "failed"
                out(f"recording {rec.id} ({rec.path}): {'object missing' if kind == 'missing' else exc}")
                counts[kind] += 1
    return counts


def _rotate_one(store: SealedStore, rec: Recording, newest: str) -> str:
    raw = store.read_raw(rec.path)
    if sealing.is_sealed(raw):
        plain = store.keyring.open(raw, rec.path)
        rewrite = sealing.key_id_of(raw) != newest  # already sealed anew: a run stopped before the row was set
    elif rec.key_id:
        raise SealError(f"stored unsealed, but the recording says key {rec.key_id}")
    else:
        plain, rewrite = raw, True
        if rec.sha256 and hashlib.sha256(plain).hexdigest() != rec.sha256:
            raise SealError("stored unsealed and its sha256 does not match: not sealing it")
    if rewrite:
        store.put(rec.path, plain)
    Recording.update(key_id=newest).where((Recording.id == rec.id) & (Recording.key_id == rec.key_id)).execute()
    alive = (Recording.select(Recording.id).join(Answer).join(Interview)
             .where((Recording.id == rec.id) & Interview.media_purged_at.is_null())
             .exists())
    if not alive:  # erased while we re-sealed it (deletion marks the row first): do not bring it back
        store.delete(rec.path)
        return "deleted meanwhile"
    return "rotated" if rewrite else "row updated"


def check(settings: Settings, out: Callable[[str], None] = print) -> Counter:
    """Open every stored recording and compare it with its sha256; print each problem."""
    store = get_storage(settings)
    counts: Counter = Counter()
    after = 0
    while batch := _recordings(after):
        for rec in batch:
            after = rec.id
            if rec.answer.interview.media_purged_at is not None:
                counts["purged"] += 1
                continue
            problem = _check_one(store, rec)
            if problem:
                out(f"recording {rec.id} ({rec.path}): {problem}")
            counts["problems" if problem else "ok"] += 1
            if not problem and not rec.key_id:
                counts["unsealed (rotate seals them)"] += 1
    return counts


def _check_one(store: SealedStore, rec: Recording) -> str:
    try:
        raw = store.read_raw(rec.path)
    except FileNotFoundError:
        return "object missing"
    except StorageKeyError as exc:
        return str(exc)
    if sealing.is_sealed(raw):
        try:
            plain, sealed_with = store.keyring.open(raw, rec.path), sealing.key_id_of(raw)
        except SealError as exc:
            return str(exc)
    elif rec.key_id:
        return f"stored unsealed, but the recording says key {rec.key_id}"
    else:
        plain, sealed_with = raw, ""
    if rec.sha256 and hashlib.sha256(plain).hexdigest() != rec.sha256:
        return "sha256 does not match the recording's"
    if sealed_with != rec.key_id:
        return f"sealed with {sealed_with or 'no key'}, the recording says {rec.key_id or 'plain'} (run rotate)"
    return ""
