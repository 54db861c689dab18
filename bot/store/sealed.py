"""Personal data sealed in the database: names, contacts, résumés, answers, transcripts, reports, sheet rows.

A sealed column stores ``sealed:`` + base64 of bot/store/sealing's envelope (AES-256-GCM under the first of the
recording keys, its key id in the header). The associated data is the value's ``table.column``, so a value copied
into another column (a name pasted over a note) is refused rather than shown. Model code reads and writes plain
values: the field types below seal on the way in and open on the way out. Empty values ("", None, {} and [])
are stored as they are: they say nothing, and ``!= ""`` / ``!= {}`` filters keep working.

Equality lookups the product needs (phone, e-mail, a name typed in chat) go through blind indexes: the first 16
bytes of HMAC-SHA256 over the normalised value, under a key derived (HKDF) from a recording key. Writes index under
the newest key; lookups try every key in the keyring, so rows indexed before a rotation are still found until
`python -m jobs.cli rekey` has re-sealed and re-indexed them. A ciphertext is never compared in SQL: it is
different every time it is written.
"""
from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import operator
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import peewee as pw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.store.sealing import Keyring, SealError, is_sealed, key_id_of, keyring
from config.settings import get_settings

PREFIX = "sealed:"
DIGEST_BYTES = 16  # 128 bits: no two different values share an index in any table we will ever hold
EMPTY_JSON = ("null", "{}", "[]", '""')
SEPARATORS = re.compile(r"[\s\-()（）]+")
CHINA_MOBILE = re.compile(r"(?:\+?86|0086)(1\d{10})")


def _keyring() -> Keyring:
    return keyring(get_settings().recording_keys)


def seal_value(text: str, context: str, ring: Keyring | None = None) -> str:
    """text as stored in the column named by context (``table.column``)."""
    blob = (ring or _keyring()).seal(text.encode("utf-8"), context)
    return PREFIX + base64.b64encode(blob).decode("ascii")


def open_value(stored: str, context: str, ring: Keyring | None = None) -> str:
    """The text seal_value stored; a value from before sealing (no prefix) comes back as it is."""
    if not is_sealed_value(stored):
        return stored
    return (ring or _keyring()).open(base64.b64decode(stored[len(PREFIX):]), context).decode("utf-8")


def is_sealed_value(stored: Any) -> bool:
    """True when a stored value is one of our envelopes (a plain text that merely starts with the prefix is not)."""
    if not isinstance(stored, str) or not stored.startswith(PREFIX):
        return False
    try:
        return is_sealed(base64.b64decode(stored[len(PREFIX):len(PREFIX) + 12], validate=True))
    except (binascii.Error, ValueError):
        return False


def sealed_key_id(stored: str) -> str | None:
    """The key id a stored envelope names (None for a plain value)."""
    if not is_sealed_value(stored):
        return None
    try:
        return key_id_of(base64.b64decode(stored[len(PREFIX):]))
    except (SealError, binascii.Error, ValueError):
        return None


class SealedTextField(pw.TextField):
    """A text column stored sealed, bound to its table and column."""

    @property
    def context(self) -> str:
        return f"{self.model._meta.table_name}.{self.column_name}"

    def db_value(self, value: Any) -> str | None:
        if value is None or value == "":
            return value
        if isinstance(value, pw.Node):  # an SQL expression (COALESCE, a column): the database computes it
            return value
        return seal_value(str(value), self.context)

    def python_value(self, value: str | None) -> str | None:
        return value if value is None else open_value(value, self.context)


class SealedJSONField(SealedTextField):
    """A JSON column stored sealed (empty containers stay plain, so ``!= {}`` filters keep working)."""

    def db_value(self, value: Any) -> str | None:
        if value is None:
            return None
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        return text if text in EMPTY_JSON else seal_value(text, self.context)

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(open_value(value, self.context))


def normalise_name(value: str) -> str:
    """A name as looked up: full-width folded, case-folded, inner spaces single."""
    return " ".join(unicodedata.normalize("NFKC", str(value)).casefold().split())


def normalise_contact(value: str) -> str:
    """A phone, e-mail or account as looked up: case-folded, no spaces or dashes, +86 dropped from a mobile."""
    text = SEPARATORS.sub("", unicodedata.normalize("NFKC", str(value)).casefold())
    mobile = CHINA_MOBILE.fullmatch(text)
    return mobile.group(1) if mobile else text


@functools.lru_cache(maxsize=8)
def _index_keys(keys: tuple[tuple[str, bytes], ...]) -> tuple[bytes, ...]:
    """One HMAC key per recording key, newest first (HKDF: the index key never encrypts anything)."""
    return tuple(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"blind-index:v1").derive(key)
                 for _, key in keys)


def _digest(key: bytes, purpose: str, normalised: str) -> str:
    mac = hmac.new(key, f"{purpose}\x00{normalised}".encode(), hashlib.sha256)
    return mac.hexdigest()[:2 * DIGEST_BYTES]


def blind_index(value: str, purpose: str, normalise: Callable[[str], str]) -> str:
    """The index of value under the newest key ("" for an empty value: it finds nothing)."""
    normalised = normalise(value or "")
    return _digest(_index_keys(get_settings().recording_keys)[0], purpose, normalised) if normalised else ""


def blind_candidates(value: str, purpose: str, normalise: Callable[[str], str]) -> list[str]:
    """The indexes value may be stored under: one per key in the keyring (none for an empty value)."""
    normalised = normalise(value or "")
    if not normalised:
        return []
    return [_digest(key, purpose, normalised) for key in _index_keys(get_settings().recording_keys)]


class BlindIndexField(pw.CharField):
    """The keyed hash of a sealed column's normalised value, kept beside it for exact lookups."""

    def __init__(self, source: str, purpose: str, normalise: Callable[[str], str], **kwargs: Any):
        super().__init__(max_length=2 * DIGEST_BYTES, default="", index=True, **kwargs)
        self.source, self.purpose, self.normalise = source, purpose, normalise

    def of(self, value: Any) -> str:
        return blind_index(str(value or ""), self.purpose, self.normalise)

    def matches(self, value: str) -> pw.Expression:
        """Rows whose source column holds value (after normalising), whichever key indexed them."""
        return self.in_(blind_candidates(value, self.purpose, self.normalise))


class BlindTermsField(pw.TextField):
    """The blind indexes of several values of a sealed JSON column (a sheet row's contacts), space-separated."""

    def __init__(self, source: str, keys: tuple[str, ...], purpose: str, normalise: Callable[[str], str],
                 **kwargs: Any):
        super().__init__(default="", **kwargs)
        self.source, self.keys, self.purpose, self.normalise = source, keys, purpose, normalise

    def of(self, value: Any) -> str:
        values = value if isinstance(value, dict) else {}
        digests = {blind_index(str(values.get(k) or ""), self.purpose, self.normalise) for k in self.keys}
        return " ".join(sorted(d for d in digests if d))

    def mentions(self, value: str) -> pw.Expression:
        """Rows one of whose contacts is value (digests are hex: no LIKE wildcard can be in them)."""
        found = [self.contains(d) for d in blind_candidates(value, self.purpose, self.normalise)]
        return functools.reduce(operator.or_, found) if found else self.in_([])


def index_fields(model: type[pw.Model]) -> list[BlindIndexField | BlindTermsField]:
    return [f for f in model._meta.sorted_fields if isinstance(f, (BlindIndexField, BlindTermsField))]


def with_indexes(model: type[pw.Model], data: dict[Any, Any]) -> dict[Any, Any]:
    """data (insert or update values, keyed by name or field) with the blind indexes of the sealed values it sets."""
    by_name = {(k.name if isinstance(k, pw.Field) else k): v for k, v in data.items()}
    out = dict(data)
    for field in index_fields(model):
        if field.source in by_name and not isinstance(by_name[field.source], pw.Node):
            out[field.name] = field.of(by_name[field.source])
    return out


class Indexed:
    """Mixin for a model with blind indexes: every insert and update that sets a sealed value sets its index too
    (Model.create, save and get_or_create go through insert and update)."""

    @classmethod
    def insert(cls, __data: dict | None = None, **insert: Any) -> pw.ModelInsert:
        return super().insert(with_indexes(cls, {**(__data or {}), **insert}))

    @classmethod
    def update(cls, __data: dict | None = None, **update: Any) -> pw.ModelUpdate:
        return super().update(with_indexes(cls, {**(__data or {}), **update}))

    @classmethod
    def insert_many(cls, rows: Iterable[Any], fields: Any = None) -> pw.ModelInsert:
        rows = [with_indexes(cls, row) if isinstance(row, dict) else row for row in rows]
        return super().insert_many(rows, fields)


# --- whole tables: the migration that seals rows stored plain, and re-sealing under a new key ---------------------

def sealed_columns(models: Iterable[type[pw.Model]]) -> dict[type[pw.Model], list[str]]:
    """model → the names of its sealed fields."""
    found = {}
    for model in models:
        names = [f.name for f in model._meta.sorted_fields if isinstance(f, SealedTextField)]
        if names:
            found[model] = names
    return found


def _needs_work(stored: Any, current: str | None) -> bool:
    """A stored value to (re)seal: plain text (not empty), or sealed under another key than current."""
    if stored is None or stored == "" or stored in EMPTY_JSON:
        return False
    if not is_sealed_value(stored):
        return True
    return current is not None and sealed_key_id(stored) != current


def reseal_table(database: pw.Database, model: type[pw.Model], names: list[str], *, rekey: bool,
                 batch: int = 200) -> int:
    """Seal the named columns' plain values (with rekey, also those under an older key) and refresh the blind
    indexes made from them; return the rows rewritten. Raw SQL, by id, one transaction per batch: a migration
    names the columns it knew (later ones may not exist yet), and a stopped run is simply run again, since rows
    already sealed (under the newest key, with rekey) are left alone."""
    ring = _keyring() if rekey else None  # a database with nothing plain needs no keys to upgrade
    current = ring.current_id if ring else None
    fields = [model._meta.fields[n] for n in names]
    indexes = [f for f in index_fields(model) if f.source in names]
    table, param = model._meta.table_name, database.param
    select = (f'SELECT id, {", ".join(f.column_name for f in fields)} FROM "{table}" '
              f"WHERE id > {param} ORDER BY id LIMIT {int(batch)}")
    changed, last = 0, 0
    while rows := database.execute_sql(select, (last,)).fetchall():
        last = rows[-1][0]
        with database.atomic():
            for row_id, *stored in rows:
                if not any(_needs_work(v, current) for v in stored):
                    continue
                ring = ring or _keyring()
                try:
                    plain = {f.name: _plain(f, v, ring) for f, v in zip(fields, stored, strict=True)}
                except SealError as exc:
                    raise SealError(f"{table} row {row_id}: {exc}") from None
                values = {f.column_name: _stored(f, plain[f.name], ring) for f in fields}
                values.update({f.column_name: f.of(plain[f.source]) for f in indexes})
                assignments = ", ".join(f'"{c}" = {param}' for c in values)
                database.execute_sql(f'UPDATE "{table}" SET {assignments} WHERE id = {param}',
                                     (*values.values(), row_id))
                changed += 1
    return changed


def _plain(field: pw.Field, stored: Any, ring: Keyring) -> Any:
    if stored is None:
        return None
    context = f"{field.model._meta.table_name}.{field.column_name}"
    text = open_value(stored, context, ring)
    return json.loads(text) if isinstance(field, SealedJSONField) else text


def _stored(field: pw.Field, plain: Any, ring: Keyring) -> Any:
    context = f"{field.model._meta.table_name}.{field.column_name}"
    if isinstance(field, SealedJSONField):
        if plain is None:
            return None
        text = json.dumps(plain, ensure_ascii=False, sort_keys=True)
        return text if text in EMPTY_JSON else seal_value(text, context, ring)
    return plain if plain in (None, "") else seal_value(plain, context, ring)


def reseal_all(database: pw.Database, models: Iterable[type[pw.Model]], *, rekey: bool) -> Counter:
    """reseal_table over every sealed column of these models; rows rewritten, by table."""
    counts: Counter = Counter()
    for model, names in sealed_columns(models).items():
        counts[model._meta.table_name] += reseal_table(database, model, names, rekey=rekey)
    return counts


def reveal(table: str, column: str, stored: Any) -> Any:
    """A raw stored value as the product reads it (for an operator's dump and the tests' scans)."""
    if not is_sealed_value(stored):
        return stored
    return open_value(stored, f"{table}.{column}")
