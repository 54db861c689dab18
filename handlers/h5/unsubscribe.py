"""The candidate's opt-out page (退订), opened from the signed link in our e-mails and SMS (bot/links.py).

GET shows what opting out means — no more recruiting messages from the company on any channel — with one button;
the page's POST records it (bot/privacy/optout.py). A mail client's RFC 8058 one-click POST to the same URL (body
``List-Unsubscribe=One-Click``, no cookies) records it too and gets a short text. The signed token is the only
credential, as on the other candidate pages, so no CSRF token is asked for: a forged request would need it. GET
never changes anything (mail scanners open links). A repeat keeps the first time; a forged token is a plain 404
page; an erased candidate gets the same "done" answer as anyone, and nothing is read or written about them.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from bot.links import InvalidLink, read_unsubscribe_token
from bot.privacy import optout
from bot.store.models import Candidate
from bot.wecom.messages import normalize_locale, render

bp = Blueprint("unsubscribe_page", __name__)
ONE_CLICK = ("List-Unsubscribe", "One-Click")  # RFC 8058's form body


@bp.route("/u/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """Ask to confirm (GET), or opt the candidate out (the page's POST, or a mail client's one-click POST)."""
    settings = current_app.extensions["settings"]
    company = settings.company_name
    one_click = request.method == "POST" and request.form.get(ONE_CLICK[0]) == ONE_CLICK[1]
    try:
        candidate_id = read_unsubscribe_token(settings.secret_key, token)
    except InvalidLink:
        if one_click:
            return _text(render("unsubscribe_bad_body", None), 404)
        return _page("zh-CN", company, "unsubscribe_bad_title", "unsubscribe_bad_body"), 404
    # only what the page needs: none of the sealed personal data is read
    candidate = (Candidate.select(Candidate.id, Candidate.locale, Candidate.erased_at, Candidate.unsubscribed_at)
                 .where(Candidate.id == candidate_id).first())
    locale = normalize_locale(candidate.locale if candidate else None)
    gone = candidate is None or candidate.erased_at is not None
    if request.method == "POST":
        if not gone:
            optout.unsubscribe(candidate_id, "one_click" if one_click else "email_link")
        if one_click:
            return _text(render("unsubscribe_done_body", locale, company=company), 200)
    elif not gone and not optout.is_unsubscribed(candidate):
        return _page(locale, company, "unsubscribe_title", "unsubscribe_body", ask=True)
    return _page(locale, company, "unsubscribe_done_title", "unsubscribe_done_body")


def _page(locale: str, company: str, title: str, body: str, *, ask: bool = False) -> str:
    return render_template("unsubscribe.html", lang=locale, company=company, title=render(title, locale),
                           body=render(body, locale, company=company),
                           button=render("unsubscribe_button", locale) if ask else "")


def _text(body: str, status: int) -> Response:
    return Response(body + "\n", status=status, mimetype="text/plain")
