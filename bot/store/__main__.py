"""`python -m bot.store upgrade|seed|status|new NAME`: migrations and the position seed."""
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
