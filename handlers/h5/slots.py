"""The candidate's page to pick a second-round time, opened from the signed link in the 复试通知
(bot/links.py slot_link; bot/decisions/results.py sends it when the position has published slots).

GET lists the position's free slots in Beijing time (月日（周几）HH:MM–HH:MM, place) as a plain form: it works
without JavaScript, and the page holds no inline script or style (CSP 'self'). The POST books the picked slot
(bot/decisions/booking.py) and answers on the page; the candidate gets the confirmation over their channel too,
with the .ics by e-mail. A slot taken meanwhile is said plainly, with the next free one offered. The signed token is
the only credential, as on the other candidate pages, so no CSRF token is asked for; GET never changes anything.
A forged or expired link, an erased candidate or an interview that was not passed get the same 404 page.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from bot.decisions import booking, slots
from bot.decisions.results import when_text
from bot.links import read_slot_link
from bot.store.models import Invitation
from bot.wecom.messages import normalize_locale, render

bp = Blueprint("slot_page", __name__)
NOTICE_KINDS = {"booked": "ok", "same": "ok", "full": "err", "gone": "err"}


@bp.route("/slots/<token>", methods=["GET", "POST"])
def pick(token: str):
    """List the free slots (GET), or book the picked one (POST)."""
    settings = current_app.extensions["settings"]
    found = read_slot_link(settings, token)
    invitation = Invitation.get_or_none(Invitation.id == found[0]) if found else None
    if invitation is None or invitation.candidate_id != found[1] or invitation.candidate.erased_at is not None \
            or not booking.passed(invitation):
        return _page(settings, None, notice=render("slot_page_bad", "zh-CN"), notice_kind="err"), 404
    locale = normalize_locale(invitation.candidate.locale)
    if request.method == "GET":
        return _page(settings, invitation)
    raw = (request.form.get("slot") or "").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        return _page(settings, invitation, notice=render("slot_page_pick", locale), notice_kind="err"), 400
    answer = booking.pick(invitation, int(raw))
    offer = slots.label(answer.offer) if answer.offer else ""
    if answer.status in ("booked", "same"):
        text = render("slot_page_booked", locale, position=invitation.position.title,
                      when=when_text(answer.appointment), place=answer.appointment.place or "-")
    else:
        text = render(f"slot_page_{answer.status}", locale, offer=offer)
    status = 200 if answer.status in ("booked", "same") else 409
    return _page(settings, invitation, notice=text, notice_kind=NOTICE_KINDS[answer.status],
                 chosen=answer.offer.id if answer.offer else None, just_booked=status == 200), status


def _page(settings: Any, invitation: Invitation | None, *, notice: str = "", notice_kind: str = "",
          chosen: int | None = None, just_booked: bool = False) -> str:
    locale = normalize_locale(invitation.candidate.locale if invitation else None)
    values: dict[str, Any] = {"lang": locale, "company": settings.company_name,
                              "title": render("slot_page_title", locale), "notice": notice,
                              "notice_kind": notice_kind, "button": render("slot_page_button", locale)}
    if invitation is None:
        return render_template("slots.html", **values)
    position = invitation.position.title
    mine = booking.current(invitation)
    choices = [{"id": s.id, "when": slots.label(s), "place": s.place or "-"}
               for s in slots.free_slots(invitation.position_id) if mine is None or s.id != mine.slot_id]
    current = "" if mine is None or just_booked else render(
        "slot_page_current", locale, when=when_text(mine), place=mine.place or "-")
    return render_template("slots.html", **values, intro=render("slot_page_intro", locale, position=position),
                           current=current, choices=choices, chosen=chosen,
                           empty="" if choices or mine else render("slot_page_none", locale))
