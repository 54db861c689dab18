"""Shipped position templates (config/positions/templates/*.yaml): complete bank positions a recruiter copies into a
live position under a new slug and title. They live outside config/positions/ so the seed never opens them as
positions; a copy goes through the same validation and save as a position file or an API document."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import peewee as pw
import yaml

from bot.positions.catalog import POSITIONS_DIR, PositionFileError, parse_position_doc, save_position
from bot.store.db import database
from bot.store.models import AuditLog, Position

TEMPLATES_DIR = POSITIONS_DIR / "templates"
SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")  # as the open API's position slug


class TemplateError(ValueError):
    """A template is unknown, or its copy would clash with a live position; the message says which."""


def _read(path: Path) -> dict[str, Any]:
    """One template's document, checked by the position rules so a broken template never reaches a copy."""
    try:
        doc = yaml.safe_load(path.read_bytes())
    except yaml.YAMLError as exc:
        raise PositionFileError(f"{path.name}: not valid YAML ({exc})") from None
    parse_position_doc(doc, path.name, "")
    return doc


def list_templates(directory: Path = TEMPLATES_DIR) -> list[dict[str, Any]]:
    """Every template's parsed position values, by file name (slug, title, questions, rubric with its draw)."""
    return [parse_position_doc(_read(path), path.name, "") | {"file": path.name}
            for path in sorted(directory.glob("*.yaml"))]


def load_template(slug: str, directory: Path = TEMPLATES_DIR) -> dict[str, Any]:
    """The document of the template with this slug (a template's file is named after its slug)."""
    path = directory / f"{slug}.yaml"
    if not slug or "/" in slug or not path.is_file():
        known = ", ".join(p.stem for p in sorted(directory.glob("*.yaml")))
        raise TemplateError(f"no template {slug!r}; the templates are: {known}")
    return _read(path)


def create_from_template(template_slug: str, slug: str | None = None, title: str | None = None,
                         actor: str = "cli", directory: Path = TEMPLATES_DIR) -> Position:
    """Create a live position from a template, under the template's slug and title unless new ones are given.
    It only ever creates: a slug or title already in use is an error, never an overwrite of a live position."""
    doc = load_template(template_slug, directory)
    doc = {**doc, "slug": slug or doc["slug"], "title": (title or doc["title"]).strip()}
    if not SLUG.fullmatch(doc["slug"]):
        raise TemplateError(f"slug {doc['slug']!r}: use 1-64 lower-case letters, digits, - or _")
    if not doc["title"] or len(doc["title"]) > 64:
        raise TemplateError("title: 1-64 characters")
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    values = parse_position_doc(doc, f"{template_slug} (template)", digest)
    for field in ("slug", "title"):
        if Position.select().where(getattr(Position, field) == values[field]).exists():
            raise TemplateError(f"a position with the {field} {values[field]!r} already exists; "
                                f"choose another with --{field}")
    try:
        with database.atomic():
            save_position(values, author=actor, source="template")
            position = Position.get(Position.slug == values["slug"])
            AuditLog.create(actor=actor[:64], action="position.created", target_type="position",
                            target_id=str(position.id), detail={"template": template_slug, "slug": position.slug})
    except pw.IntegrityError:  # created by someone else between the check and the save
        raise TemplateError(f"a position with the slug {values['slug']!r} or the title {values['title']!r} "
                            "already exists") from None
    return position
