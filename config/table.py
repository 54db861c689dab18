"""The settings table's machinery: a row is a dataclass field whose metadata holds its variable, parser and doc.

Settings (config/settings.py) declares its fields with `row(...)`, so one declaration gives the attribute its type,
the loader its parser and default, and docs/configuration.md its line.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from config.parsers import Parser

_ROW = "settings.row"

Default = str | Callable[[Mapping[str, Any]], str] | None
HIDDEN = frozenset({"WECOM_TOKEN", "WECOM_AES_KEY", "DATABASE_URL", "REDIS_URL"})


@dataclass(frozen=True)
class Entry:
    """One row of the settings table: a variable, its parser (holding the bounds), its default and its doc."""

    env: str
    parser: Parser
    # Text handed to the parser when the variable is unset; a callable computes it from the rows above it (by
    # attribute name, plus `sandbox`); None marks the WeCom credentials, required unless in sandbox mode.
    default: Default
    doc: str
    shown: str = ""  # the default as docs/configuration.md states it, where `default` is computed or None
    blank_is_unset: bool = False  # VAR= (or only blanks) means "use the default" rather than "parse the empty text"
    sandbox_generated: bool = False  # in sandbox mode read from DATA_DIR/sandbox_credentials.json, never the env
    attr: str = ""  # the Settings field this row fills, set by entries()

    def default_text(self) -> str:
        """State the default for the docs."""
        if self.shown or self.default is None or callable(self.default):
            return self.shown
        return f"`{self.default}`" if self.default else "*(empty)*"


@dataclass(frozen=True)
class Derived:
    """A Settings field that is no variable of its own: load() works it out from the rows."""

    doc: str


def row(env: str, parser: Parser, default: Default, doc: str, *, shown: str = "", blank_is_unset: bool = False,
        sandbox_generated: bool = False) -> Any:
    """Declare a Settings field as a row of the settings table."""
    entry = Entry(env, parser, default, doc, shown, blank_is_unset, sandbox_generated)
    # secrets and URLs that may carry a password stay out of repr(settings), so a logged Settings leaks nothing
    hidden = getattr(parser, "kind", "") in ("secret", "keys") or env in HIDDEN
    return field(metadata={_ROW: entry}, repr=not hidden)


def derived(doc: str) -> Any:
    """Declare a Settings field that load() works out from other rows."""
    return field(metadata={_ROW: Derived(doc)})


def table_rows(cls: type) -> tuple[Entry, ...]:
    """Return a table dataclass's rows in declaration order, each knowing its attribute."""
    return tuple(dataclasses.replace(f.metadata[_ROW], attr=f.name)
                 for f in dataclasses.fields(cls) if isinstance(f.metadata.get(_ROW), Entry))


def table_derived(cls: type) -> dict[str, str]:
    """Return a table dataclass's derived fields with their docs."""
    return {f.name: f.metadata[_ROW].doc for f in dataclasses.fields(cls) if isinstance(f.metadata.get(_ROW), Derived)}
