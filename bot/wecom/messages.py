"""Message templates (config/messages/<locale>.yaml, Jinja2) rendered into WeCom's size limits."""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment

MESSAGES_DIR = Path(__file__).resolve().parents[2] / "config" / "messages"
LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"
# YAML folds a long line into spaces; Chinese puts none between its characters.
_KEPT_SPACE = "\ue000"  # a value's own spaces while the folds are taken out (a place such as "总行 3 楼 301")
_CJK_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef]) (?=[\u3000-\u9fff\uff00-\uffef])")


class MessageError(LookupError):
    """A template is missing or uses a variable the caller did not give."""


@functools.lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    # Sandboxed: the files are configuration an operator edits, not code.
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


@functools.lru_cache(maxsize=len(LOCALES))
def catalogue(locale: str) -> dict[str, Any]:
    """Return the raw templates of one locale (a list value is a list of plain strings)."""
    path = MESSAGES_DIR / f"{locale}.yaml"
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    if not isinstance(doc, dict):
        raise MessageError(f"{path.name}: the top level must be a mapping")
    return doc


def normalize_locale(locale: str | None) -> str:
    """Map a browser- or user-given locale to one we have ('en-US' → 'en'; anything else → zh-CN)."""
    value = (locale or "").strip().lower()
    return "en" if value.startswith("en") else DEFAULT_LOCALE


def render(key: str, locale: str | None = None, /, **values: Any) -> str:
    """Render template `key` in locale (falling back to zh-CN when that locale lacks it)."""
    locale = normalize_locale(locale)
    values = {k: v.replace(" ", _KEPT_SPACE) if isinstance(v, str) else v for k, v in values.items()}
    try:
        text = _template(key, locale).render(**values)
    except MessageError:
        raise
    except Exception as exc:  # StrictUndefined, a syntax error in an edited file
        raise MessageError(f"template {key!r} ({locale}): {exc}") from exc
    return "\n".join(_CJK_SPACE.sub("", line.strip()).replace(_KEPT_SPACE, " ") for line in text.strip().splitlines())


@functools.lru_cache(maxsize=512)
def _template(key: str, locale: str) -> Template:
    """Compile a template once per process (compiling costs far more than rendering)."""
    source = catalogue(locale).get(key)
    if source is None:
        source = catalogue(DEFAULT_LOCALE).get(key)
    if not isinstance(source, str):
        raise MessageError(f"no message template {key!r}")
    try:
        return _environment().from_string(source)
    except Exception as exc:
        raise MessageError(f"template {key!r} ({locale}): {exc}") from exc


def strings(key: str, locale: str | None = None, /) -> list[str]:
    """Return a list-valued entry (e.g. a card's field names)."""
    value = catalogue(normalize_locale(locale)).get(key) or catalogue(DEFAULT_LOCALE).get(key)
    if not isinstance(value, list):
        raise MessageError(f"no list {key!r}")
    return [str(v) for v in value]
