"""Typed parsers for settings: each takes the variable's name and its raw text and raises SettingsError on garbage.

The `parse_*` functions do the work; the small parser classes wrap them with what the generated configuration
page shows (`kind`, `limits`), so a setting's bounds are written once, where they are enforced.
"""
from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def parse_int(name: str, raw: str, *, low: int | None = None, high: int | None = None) -> int:
    """Parse a whole number, optionally bounded."""
    try:
        value = int(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def parse_bool(name: str, raw: str) -> bool:
    """Parse 1/0, true/false, yes/no, on/off."""
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def parse_choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    """Parse one of a few fixed words."""
    value = raw.strip().lower()
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return value


def parse_url(name: str, raw: str, *, schemes: tuple[str, ...], trailing_slash: bool = False) -> str:
    """Parse a URL with one of the given schemes."""
    value = raw.strip()
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
        raise SettingsError(f"{name} must be a {'/'.join(schemes)} URL, got {raw!r}")
    if trailing_slash and not value.endswith("/"):
        value += "/"
    return value


def parse_list(name: str, raw: str) -> frozenset[str]:
    """Parse a comma-separated list of WeCom userids."""
    items = [item.strip() for item in raw.split(",") if item.strip()]
    for item in items:
        if not re.fullmatch(r"[A-Za-z0-9_.@-]{1,64}", item):
            raise SettingsError(f"{name} holds an invalid userid {item!r}")
    return frozenset(items)


def parse_token(name: str, raw: str) -> str:
    """Parse the callback Token: 1-32 letters or digits."""
    if not re.fullmatch(r"[A-Za-z0-9]{1,32}", raw):
        raise SettingsError(f"{name} must be 1-32 letters or digits")
    return raw


def parse_aes_key(name: str, raw: str) -> str:
    """Parse an EncodingAESKey: 43 base64 characters that decode to 32 bytes."""
    if len(raw) != 43:
        raise SettingsError(f"{name} must be 43 characters long, got {len(raw)}")
    try:
        key = base64.b64decode(raw + "=", validate=True)
    except binascii.Error:
        raise SettingsError(f"{name} is not valid base64") from None
    if len(key) != 32:
        raise SettingsError(f"{name} must decode to 32 bytes")
    return raw


def parse_corp_id(name: str, raw: str) -> str:
    """Parse a CorpID: 1-64 letters or digits (surrounding blanks dropped)."""
    value = raw.strip()
    if not re.fullmatch(r"[A-Za-z0-9]{1,64}", value):
        raise SettingsError(f"{name} must be letters and digits")
    return value


def parse_recording_keys(name: str, raw: str) -> tuple[tuple[str, bytes], ...]:
    """Parse "k2:<base64 of 32 bytes>,k1:<…>" (newest, the sealing key, first) into (id, key) pairs."""
    keys: list[tuple[str, bytes]] = []
    for item in raw.split(","):
        key_id, sep, encoded = item.strip().partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", key_id):
            raise SettingsError(f"{name} must be id:base64key pairs separated by commas (ids: letters, digits, _ -)")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise SettingsError(f"{name}: key {key_id} is not base64") from None
        if len(key) != 32:
            raise SettingsError(f"{name}: key {key_id} must decode to 32 bytes (AES-256)")
        if key_id in dict(keys):
            raise SettingsError(f"{name}: key id {key_id} appears twice")
        keys.append((key_id, key))
    return tuple(keys)


HOST_NAME = re.compile(r"(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


def parse_hosts(name: str, raw: str) -> frozenset[str]:
    """Parse a comma-separated list of host names, addresses and networks ("hooks.internal,10.1.2.3,10.8.0.0/16"):
    names lowercased, addresses and networks in CIDR form."""
    items: set[str] = set()
    for item in (part.strip().lower().rstrip(".") for part in raw.split(",")):
        if not item:
            continue
        try:
            items.add(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            if not HOST_NAME.fullmatch(item):
                raise SettingsError(f"{name} holds {item[:80]!r}, which is neither a host name nor an address or "
                                    "network") from None
            items.add(item)
    return frozenset(items)

class Parser(Protocol):
    """What a settings table entry needs of its parser: the parse itself and two words for the docs."""

    kind: str

    def __call__(self, name: str, raw: str) -> Any: ...

    def limits(self) -> str: ...


@dataclass(frozen=True)
class Int:
    low: int | None = None
    high: int | None = None
    kind: str = "integer"

    def __call__(self, name: str, raw: str) -> int:
        return parse_int(name, raw, low=self.low, high=self.high)

    def limits(self) -> str:
        low, high = (None if n is None else f"{n:,}" if n >= 100_000 else str(n) for n in (self.low, self.high))
        if high is None:
            return "" if low is None else f"≥ {low}"
        return f"{low}–{high}" if low is not None else f"≤ {high}"


@dataclass(frozen=True)
class Bool:
    kind: str = "boolean"

    def __call__(self, name: str, raw: str) -> bool:
        return parse_bool(name, raw)

    def limits(self) -> str:
        return "true/false, yes/no, on/off, 1/0"


@dataclass(frozen=True)
class Choice:
    choices: tuple[str, ...]
    kind: str = "choice"

    def __call__(self, name: str, raw: str) -> str:
        spelled = {choice.lower(): choice for choice in self.choices}
        # Matched without case, given back as spelled here (HR_LOCALE=zh-cn → "zh-CN").
        return spelled[parse_choice(name, raw, tuple(spelled))]

    def limits(self) -> str:
        return ", ".join(f"`{choice}`" for choice in self.choices)


@dataclass(frozen=True)
class Url:
    schemes: tuple[str, ...]
    trailing_slash: bool = False  # added when missing: API paths are joined onto it
    no_trailing_slash: bool = False  # removed: links are built as base + "/path"
    optional: bool = False  # "" stands for "not used"
    kind: str = "URL"

    def __call__(self, name: str, raw: str) -> str:
        if self.optional and not raw:
            return ""
        value = parse_url(name, raw, schemes=self.schemes, trailing_slash=self.trailing_slash)
        return value.rstrip("/") if self.no_trailing_slash else value

    def limits(self) -> str:
        return ", ".join(f"`{scheme}:`" for scheme in self.schemes)


@dataclass(frozen=True)
class UserIds:
    kind: str = "userid list"

    def __call__(self, name: str, raw: str) -> frozenset[str]:
        return parse_list(name, raw)

    def limits(self) -> str:
        return "comma-separated; each 1–64 of letters, digits, `_.@-`"


@dataclass(frozen=True)
class Hosts:
    kind: str = "host list"

    def __call__(self, name: str, raw: str) -> frozenset[str]:
        return parse_hosts(name, raw)

    def limits(self) -> str:
        return "comma-separated host names, addresses or networks (`10.8.0.0/16`)"


@dataclass(frozen=True)
class Pattern:
    """A word checked by one of the parse_* functions above (Token, EncodingAESKey, CorpID, recording keys)."""

    parse: Callable[[str, str], Any]
    described: str
    kind: str = "text"

    def __call__(self, name: str, raw: str) -> Any:
        return self.parse(name, raw)

    def limits(self) -> str:
        return self.described


@dataclass(frozen=True)
class Text:
    """Free text, taken as given (secrets must stay byte-exact) or stripped."""

    strip: bool = False
    kind: str = "text"

    def __call__(self, name: str, raw: str) -> str:
        return raw.strip() if self.strip else raw

    def limits(self) -> str:
        return ""


@dataclass(frozen=True)
class Folder:
    """A filesystem path, made absolute against the working directory."""

    kind: str = "path"

    def __call__(self, name: str, raw: str) -> Path:
        try:
            return Path(raw).resolve()
        except (OSError, RuntimeError, ValueError) as exc:  # a NUL byte; a symlink loop (RuntimeError on 3.11)
            raise SettingsError(f"{name} is not a usable path: {exc}") from None

    def limits(self) -> str:
        return ""
