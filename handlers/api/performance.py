"""Open API: post-hire performance from the HR system of record (POST /performance). Rows are checked one by one as
the HR pages' sheet import checks them (bot/decisions/performance.py): each bad row comes back with its index and a
Chinese message, the good ones are saved; a hire outside the token's unit reads as unknown. The import is audited
with the token's name. Repeating a request changes nothing more ((hire, period) is unique): without `update` the
periods already imported are listed, with it they are written again with the same values."""
from __future__ import annotations

from flask import Blueprint, Response

from bot.decisions import performance
from handlers.api.core import ApiError, access, body, respond, token

bp = Blueprint("api_performance", __name__)


@bp.post("/performance")
def import_performance() -> Response:
    """Import rows of {employee_id | phone | email, period, rating | score, kpis}; 200 with what was saved and the
    refused rows, or 422 rows_refused when no row could be saved."""
    data = body()
    rows = [(i, row) for i, row in enumerate(data["rows"])]
    outcome = performance.import_rows(rows, actor=f"api:{token().name}", source="api",
                                      update=bool(data.get("update", False)), sees=access().sees)
    problems = [{"index": p.row_no, "path": f"/rows/{p.row_no}", "field": p.field, "message": p.message}
                for p in outcome.problems]
    if problems and not outcome.saved:
        raise ApiError(422, "rows_refused", f"没有导入任何一行：{len(problems)} 行有问题（见 details）",
                       details=[{"path": p["path"], "message": p["message"]} for p in problems])
    return respond({"created": outcome.created, "updated": outcome.updated, "refused": len(problems),
                    "problems": problems})
