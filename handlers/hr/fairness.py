"""HR's fairness page of a position (/hr/positions/<slug>/fairness) and its CSV: per self-declared group, selection
rates and impact ratios at the AI recommendation, the AI round's decision and the hire, with the four-fifths rule
and small-sample warnings (bot/reports/fairness.py, docs/fairness.md).

HR leads and admins only (the ``read_fairness`` permission, for the position's unit); only counts per group are
shown, never a person. Every view and export is audited.
"""
from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, render_template

from bot.privacy.cells import safe_cell
from bot.privacy.roles import can
from bot.reports import fairness, fairness_cohort
from bot.store.db import db_session
from bot.store.models import AuditLog, Position
from handlers.hr import scope
from handlers.hr.auth import hr_page
from handlers.hr.period import period

bp = Blueprint("hr_fairness", __name__)

DEFAULT_DAYS = 365


def _position(slug: str) -> Position:
    """The position, if the member may read its fairness report (403 otherwise)."""
    position, role = scope.position(slug)
    if not can(role, "read_fairness"):
        abort(403, description="公平性报告只对招聘负责人和管理员开放。")
    return position


def _report(slug: str, action: str) -> tuple[Position, dict[str, str], list[fairness.StageTable], tuple[int, int]]:
    """The position's tables for the query's period, the view or export audited."""
    values, since, until = period(DEFAULT_DAYS)
    with db_session():
        position = _position(slug)
        found = fairness_cohort.records(position, since, until)
        AuditLog.create(actor=g.userid, action=action, target_type="position", target_id=position.slug,
                        detail={**values, "people": len(found)})
    return position, values, fairness.report(found), fairness.coverage(found)


def _sections(tables: list[fairness.StageTable]) -> list[dict[str, Any]]:
    """The tables grouped by attribute, as the template shows them."""
    return [{"attribute": attribute, "label": fairness.ATTRIBUTE_LABELS[attribute],
             "stages": [t for t in tables if t.attribute == attribute]}
            for attribute in fairness.ATTRIBUTE_LABELS]


@bp.get("/hr/positions/<slug>/fairness")
@hr_page
def fairness_page(slug: str):
    """The report for a period."""
    position, values, tables, (people, declared) = _report(slug, "view_fairness")
    return render_template("hr/fairness.html", position=position, values=values, sections=_sections(tables),
                           people=people, declared=declared, stage_labels=fairness.STAGE_LABELS,
                           verdict=fairness.verdict, min_assessed=fairness.MIN_ASSESSED,
                           min_selected=fairness.MIN_SELECTED,
                           asking=current_app.extensions["settings"].fairness_questions)


@bp.get("/hr/positions/<slug>/fairness.csv")
@hr_page
def fairness_csv(slug: str):
    """The same numbers as CSV (UTF-8 with BOM, for Excel and WPS)."""
    position, values, tables, _ = _report(slug, "export_fairness")
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    for line in fairness.csv_rows(tables):
        writer.writerow([safe_cell(cell) for cell in line])
    name = f"fairness-{position.id}-{values['since']}-{values['until']}.csv"  # a slug may be any text
    return Response(out.getvalue().encode("utf-8-sig"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "private, no-store"})
