"""Recordings sealed at rest: AES-256-GCM in a small versioned envelope.

    magic "\\x89REC" | version (1 byte) | key id length (1 byte) | key id (ASCII) | nonce (12 bytes) | ciphertext+tag

The header and the object's storage key are the associated data, so a blob only opens under the key id it
names and at the place it was written: moved to another recording (or its key id edited) it is refused, never
decrypted into garbage. Objects are sealed whole: a recording is at most ANSWER_MAX_BYTES (60 MiB), which fits
in memory and seals in well under a second, and one tag then covers the whole recording.
"""
from __future__ import annotations

import functools
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.errors import InterviewBotError

MAGIC = b"\x89REC"  # the high bit keeps it from reading as text; no media format starts with it
VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


class SealError(InterviewBotError):
    """A sealed object cannot be opened: tampered with, moved, cut short, or sealed with a key we do not hold."""


def is_sealed(blob: bytes) -> bool:
    """True when blob starts like one of our envelopes (whether it opens is another matter)."""
    return blob[:len(MAGIC)] == MAGIC


def key_id_of(blob: bytes) -> str:
    """The key id an envelope names; SealError when blob is not a well-formed envelope."""
    return _header(blob)[1]


def _header(blob: bytes) -> tuple[bytes, str]:
    """(header without the nonce, key id) of an envelope."""
    if not is_sealed(blob):
        raise SealError("not a sealed object")
    if len(blob) < len(MAGIC) + 2:
        raise SealError("sealed object cut short")
    version, length = blob[len(MAGIC)], blob[len(MAGIC) + 1]
    if version != VERSION:
        raise SealError(f"sealed object of unknown version {version}")
    end = len(MAGIC) + 2 + length
    key_id = blob[len(MAGIC) + 2:end].decode("ascii", "replace")
    if not KEY_ID.fullmatch(key_id):
        raise SealError("sealed object with a malformed key id")
    if len(blob) < end + NONCE_BYTES + TAG_BYTES:
        raise SealError("sealed object cut short")
    return blob[:end], key_id


class Keyring:
    """The recording keys, newest first: the first seals, every one opens."""

    def __init__(self, keys: tuple[tuple[str, bytes], ...]):
        if not keys:
            raise SealError("no recording keys configured (RECORDING_KEYS)")
        for key_id, key in keys:
            if not KEY_ID.fullmatch(key_id) or len(key) != 32:
                raise SealError(f"recording key {key_id!r} must have a short id and 32 bytes")
        self.current_id = keys[0][0]
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys}

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._ciphers)

    def seal(self, data: bytes, object_key: str) -> bytes:
        """Encrypt data for the object at object_key under the newest key."""
        key_id = self.current_id.encode("ascii")
        header = MAGIC + bytes([VERSION, len(key_id)]) + key_id
        nonce = os.urandom(NONCE_BYTES)  # random 96-bit nonces: safe for far more objects than we will write
        return header + nonce + self._ciphers[self.current_id].encrypt(nonce, data, header + _bound(object_key))

    def open(self, blob: bytes, object_key: str) -> bytes:
        """Decrypt an envelope written for object_key; SealError when it does not authenticate."""
        header, key_id = _header(blob)
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise SealError(f"sealed with key {key_id}, which is not in RECORDING_KEYS")
        nonce = blob[len(header):len(header) + NONCE_BYTES]
        try:
            return cipher.decrypt(nonce, blob[len(header) + NONCE_BYTES:], header + _bound(object_key))
        except InvalidTag:
            raise SealError(f"sealed object does not authenticate under key {key_id} at {object_key!r}: "
                            "tampered with, moved from another recording, or sealed with another key") from None


def _bound(object_key: str) -> bytes:
    return b"\x00" + object_key.encode("utf-8")


@functools.lru_cache(maxsize=4)
def keyring(keys: tuple[tuple[str, bytes], ...]) -> Keyring:
    """The keyring for settings.recording_keys (one per process and key set)."""
    return Keyring(keys)
