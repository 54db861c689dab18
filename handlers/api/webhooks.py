"""Open API: a token's webhooks (subscribe, list, unsubscribe); bot/integrations/webhooks.py delivers them."""
from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response

from bot.integrations.destinations import DestinationRefused, check
from bot.integrations.webhooks import iso
from bot.store.models import Webhook
from handlers.api.core import ApiError, audit, body, gone, idempotent, not_found, replayable, respond, settings, token

bp = Blueprint("api_webhooks", __name__)

MAX_PER_TOKEN = 20


def _out(hook: Webhook) -> dict:
    return {"id": hook.id, "url": hook.url, "events": hook.events, "created_at": iso(hook.created_at)}


def _live():
    return Webhook.select().where((Webhook.token == token().id) & Webhook.active).order_by(Webhook.id)


@bp.get("/webhooks")
def list_webhooks() -> Response:
    """This token's webhooks, without their secrets."""
    return respond({"items": [_out(h) for h in _live()]})


def _created(recipe: dict[str, Any]) -> dict[str, Any]:
    """The webhook with its secret (the answer to its creation, and to a replay while it is subscribed)."""
    hook = Webhook.get_or_none((Webhook.id == recipe["id"]) & Webhook.active)
    if hook is None:
        raise gone("webhook")
    return {**_out(hook), "secret": hook.secret}


@bp.post("/webhooks")
@idempotent(_created)
def create_webhook() -> Response:
    """Subscribe a URL to events (a full token only); the secret that signs deliveries is shown in this answer."""
    data = body()
    try:  # checked again before every delivery: a name may point elsewhere later
        check(data["url"], settings().webhook_allowed_private)
    except DestinationRefused as exc:
        raise ApiError(422, "webhook_destination", str(exc), path="/url") from None
    same = _live().where(Webhook.url == data["url"]).first()
    if same is not None:  # a replayed request must not subscribe the URL twice (every event would go twice)
        raise ApiError(409, "webhook_exists", f"this URL is subscribed already (webhook {same.id}); delete it to "
                                              "change its events", current=_out(same))
    if _live().count() >= MAX_PER_TOKEN:
        raise ApiError(409, "too_many_webhooks", f"a token may have {MAX_PER_TOKEN} webhooks; delete one first")
    hook = Webhook.create(url=data["url"], events=list(data["events"]), secret=secrets.token_hex(32),
                          token=token().id)
    audit("webhook.create", "webhook", hook.id, events=hook.events)
    return replayable(_created, {"id": hook.id}, 201)


@bp.delete("/webhooks/<int:webhook_id>")
def delete_webhook(webhook_id: int) -> Response:
    """Unsubscribe; the row stays (inactive) with its delivery history."""
    changed = (Webhook.update(active=False)
               .where((Webhook.id == webhook_id) & (Webhook.token == token().id) & Webhook.active).execute())
    if not changed:
        raise not_found("webhook")
    audit("webhook.delete", "webhook", webhook_id)
    return Response(status=204)
