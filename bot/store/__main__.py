"""`python -m bot.store upgrade|seed|status|new NAME|token …`: migrations, the position seed, open-API tokens."""
from __future__ import annotations

import argparse
import logging
import sys

from bot.store import schema
from bot.store.db import init_database
from bot.store.positions import PositionFileError, sync_positions
from config.settings import SettingsError, get_settings


def main(argv: list[str] | None = None) -> int:
    """Run one database maintenance command."""
    parser = argparse.ArgumentParser(prog="python -m bot.store")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("upgrade", help="apply pending migrations in place")
    sub.add_parser("seed", help="load config/positions/*.yaml (insert or update)")
    sub.add_parser("status", help="list pending migrations")
    new = sub.add_parser("new", help="write a migration from the difference between models and schema")
    new.add_argument("name")
    token = sub.add_parser("token", help="open-API tokens: create NAME --role full|masked, list, revoke NAME")
    token_sub = token.add_subparsers(dest="action", required=True)
    create = token_sub.add_parser("create", help="create a token and print it (once: only its hash is kept)")
    create.add_argument("name", help="who uses it; an HR userid lets it invite and decide as that member")
    create.add_argument("--role", choices=("full", "masked"), required=True,
                        help="full: sees personal data and may write; masked: reads masked data only")
    token_sub.add_parser("list", help="list tokens (never the tokens themselves)")
    revoke = token_sub.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("name")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    db = init_database(settings.database_url)
    if args.command == "upgrade":
        applied = schema.upgrade(db)
        print(f"migrations applied: {', '.join(applied) or 'none (up to date)'}")
    elif args.command == "status":
        print("\n".join(schema.pending(db)) or "up to date")
    elif args.command == "seed":
        try:
            changed = sync_positions()
        except PositionFileError as exc:
            print(f"position file error: {exc}", file=sys.stderr)
            return 2
        print(f"positions updated: {', '.join(changed) or 'none (unchanged)'}")
    elif args.command == "new":
        from bot.store import models

        schema.router(db).create(args.name, auto=models.ALL_MODELS)
    elif args.command == "token":
        return _token(args)
    return 0


def _token(args: argparse.Namespace) -> int:
    """Create, list or revoke open-API tokens."""
    from handlers.api_auth import TokenError, create_token, list_tokens, revoke_token

    if args.action == "create":
        try:
            row, value = create_token(args.name, args.role, created_by="cli")
        except TokenError as exc:
            print(f"token error: {exc}", file=sys.stderr)
            return 2
        print(f"token {row.name} ({row.role}); shown this once, keep it secret:\n{value}")
    elif args.action == "list":
        for row in list_tokens():
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "live"
            used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
            print(f"{row.name}\t{row.role}\t{state}\tcreated {row.created_at:%Y-%m-%d %H:%M}\tlast used {used}")
    elif not revoke_token(args.name):
        print(f"token error: no live token named {args.name}", file=sys.stderr)
        return 2
    else:
        print(f"token {args.name} revoked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
