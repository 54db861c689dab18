"""Open API: a token's webhooks (subscribe, list, unsubscribe); bot/integrations/webhooks.py delivers them."""
from __future__ import annotations

import secrets

from flask import Blueprint, Response

from bot.integrations.webhooks import iso
from bot.store.models import Webhook
from handlers.api.core import ApiError, audit, body, idempotent, not_found, respond, token

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


@bp.post("/webhooks")
@idempotent
def create_webhook() -> Response:
    """Subscribe a URL to events; the secret that signs deliveries is shown in this answer only."""
    data = body()
    same = _live().where(Webhook.url == data["url"]).first()
    if same is not None:  # a replayed request must not subscribe the URL twice (every event would go twice)
        raise ApiError(409, "webhook_exists", f"this URL is subscribed already (webhook {same.id}); delete it to "
                                              "change its events", current=_out(same))
    if _live().count() >= MAX_PER_TOKEN:
        raise ApiError(409, "too_many_webhooks", f"a token may have {MAX_PER_TOKEN} webhooks; delete one first")
    hook = Webhook.create(url=data["url"], events=list(data["events"]), secret=secrets.token_hex(32),
                          token=token().id)
    audit("webhook.create", "webhook", hook.id, events=hook.events)
    return respond({**_out(hook), "secret": hook.secret}, 201)


@bp.delete("/webhooks/<int:webhook_id>")
def delete_webhook(webhook_id: int) -> Response:
    """Unsubscribe; the row stays (inactive) with its delivery history."""
    changed = (Webhook.update(active=False)
               .where((Webhook.id == webhook_id) & (Webhook.token == token().id) & Webhook.active).execute())
    if not changed:
        raise not_found("webhook")
    audit("webhook.delete", "webhook", webhook_id)
    return Response(status=204)
