"""The operators' one command line: `python -m jobs.cli upgrade|seed|status|new NAME|token …|recordings rotate|check|
rekey|retention|erase ID|sessions list|end USERID|positions templates|from-template SLUG|org sync|show|backup DIR|
restore DIR|models setup|check`: migrations, the position seed and templates, organisation units, open-API tokens,
re-sealing and checking recordings, re-sealing the personal data in the database, retention and erasure, HR members'
sign-in sessions, backups and restores, and the offline models."""
from __future__ import annotations

import argparse
import logging
import sys

from bot.errors import WeComError
from bot.org import units as org_units
from bot.org import wecom as org_wecom
from bot.positions.catalog import PositionFileError, sync_positions
from bot.store import schema
from bot.store.db import db_session, init_database
from bot.wecom.delivery import wecom
from config.settings import SettingsError, get_settings
from scoring import models as offline_models


def main(argv: list[str] | None = None) -> int:
    """Run one database maintenance command."""
    parser = argparse.ArgumentParser(prog="python -m jobs.cli")
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
    create.add_argument("--unit", default="", help="an organisation unit's code: the token sees that unit and the "
                        "units under it (default: everything)")
    token_sub.add_parser("list", help="list tokens (never the tokens themselves)")
    revoke = token_sub.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("name")
    recordings = sub.add_parser("recordings", help="sealed recordings: rotate (re-seal under the newest key), check")
    recordings_sub = recordings.add_subparsers(dest="action", required=True)
    recordings_sub.add_parser("rotate", help="re-seal every recording not under RECORDING_KEYS' first key")
    recordings_sub.add_parser("check", help="open every recording and compare its sha256; exit 1 on any problem")
    sub.add_parser("rekey", help="re-seal the personal data in the database (names, contacts, answers, reports…) "
                   "under RECORDING_KEYS' first key and refresh the lookup indexes")
    sub.add_parser("retention", help="delete now what is past its retention period (what the daily job does)")
    erase = sub.add_parser("erase", help="delete one candidate's personal data (tells them and HR; printed: counts)")
    erase.add_argument("candidate_id", type=int)
    hr_sessions = sub.add_parser("sessions", help="HR members' sign-in sessions: list, end USERID (everywhere)")
    sessions_sub = hr_sessions.add_subparsers(dest="action", required=True)
    sessions_sub.add_parser("list", help="members signed in, with their live sessions")
    end = sessions_sub.add_parser("end", help="sign a member out of every browser at once")
    end.add_argument("userid")
    backup_cmd = sub.add_parser("backup", help="copy the database (online) and every stored object, still sealed, "
                                "into a new or empty folder with a manifest (the keys are not included)")
    backup_cmd.add_argument("dir")
    restore_cmd = sub.add_parser("restore", help="check a backup folder against its manifest, then restore it into the "
                                 "configured database and storage (refused when they hold data, unless --force)")
    restore_cmd.add_argument("dir")
    restore_cmd.add_argument("--force", action="store_true", help="replace the data the target already holds")
    positions_cmd = sub.add_parser("positions", help="the shipped bank position templates: templates (list), "
                                   "from-template SLUG [--slug S --title T] (create a live position from one)")
    positions_sub = positions_cmd.add_subparsers(dest="action", required=True)
    positions_sub.add_parser("templates", help="list the templates: slug, title, questions, competencies, draw")
    from_template = positions_sub.add_parser("from-template", help="create a live position from a template (never "
                                             "overwrites: a slug or title in use is refused)")
    from_template.add_argument("template")
    from_template.add_argument("--slug", help="the new position's slug (default: the template's)")
    from_template.add_argument("--title", help="the new position's title (default: the template's)")
    org_cmd = sub.add_parser("org", help="organisation units: sync (ORGANISATION_FILE, or WeCom's departments when "
                             "ORGANISATION_SOURCE=wecom), show (the tree and who holds which role)")
    org_cmd.add_argument("action", choices=("sync", "show"))
    models_cmd = sub.add_parser("models", help="the offline models: setup (idempotent), check (exit 1 naming what is "
                                "missing)")
    models_cmd.add_argument("action", choices=("setup", "check"))
    args = parser.parse_args(argv)
    if args.command == "models":  # no database needed
        return offline_models.main([args.action])
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command in ("backup", "restore"):  # they reach the database with its own tools
        return _backup(args, settings)
    db = init_database(settings.database_url)
    if args.command == "upgrade":
        applied = schema.upgrade(db)
        print(f"migrations applied: {', '.join(applied) or 'none (up to date)'}")
    elif args.command == "status":
        print("\n".join(schema.pending(db)) or "up to date")
    elif args.command == "seed":
        if _org("sync", settings):
            return 2
        try:
            changed = sync_positions()
        except PositionFileError as exc:
            print(f"position file error: {exc}", file=sys.stderr)
            return 2
        print(f"positions updated: {', '.join(changed) or 'none (unchanged)'}")
    elif args.command == "org":
        return _org(args.action, settings)
    elif args.command == "new":
        from bot.store import models

        schema.router(db).create(args.name, auto=models.ALL_MODELS)
    elif args.command == "token":
        return _token(args)
    elif args.command == "recordings":
        return _recordings(args, settings)
    elif args.command == "rekey":
        return _rekey(db, settings)
    elif args.command in ("retention", "erase"):
        return _rights(args)
    elif args.command == "sessions":
        return _sessions(args, settings)
    elif args.command == "positions":
        return _positions(args)
    return 0


def _org(action: str, settings) -> int:
    """Load the organisation file into the units tables, or print the tree with each unit's members."""
    with db_session():
        if action == "show":
            rows = org_units.tree_rows()
            print("(root) company: HR_USERIDS, HR_LEADS, HR_VIEWERS" + ("" if rows else "; no units"))
            for row in rows:
                members = "; ".join(f"{role}: {', '.join(ids)}" for role, ids in sorted(row["members"].items()))
                print(f"{'  ' * (row['depth'] + 1)}{row['unit'].code}\t{row['unit'].name}\t{members}")
            return 0
        try:
            counts = (org_wecom.sync(wecom(), settings) if settings.organisation_source == "wecom"
                      else org_units.sync_file(settings.organisation_path))
        except org_units.OrganisationError as exc:
            print(f"organisation error: {exc}", file=sys.stderr)
            return 2
        except WeComError as exc:
            print(f"organisation: WeCom's directory could not be read ({exc})", file=sys.stderr)
            return 2
    if counts is None:
        print("organisation: no ORGANISATION_FILE (every position at the root)")
    elif settings.organisation_source == "wecom":
        print("organisation from WeCom: {added} added, {changed} changed, {removed} removed; {members} role(s)"
              .format(**counts))
    else:
        print("organisation: {added} added, {changed} changed, {removed} removed; {members} role(s)".format(**counts))
    return 0


def _positions(args: argparse.Namespace) -> int:
    """List the shipped position templates, or create a live position from one (audited as the operator's)."""
    from bot.positions.templates import TemplateError, create_from_template, list_templates

    try:
        if args.action == "templates":
            for t in list_templates():
                competencies = sorted({q.get("competency", "") for q in t["questions"]} - {""})
                draw = ", ".join(f"{c} {n}" for c, n in t["rubric"]["draw"].items()) or "all, in order"
                print(f"{t['slug']}\t{t['title']}\t{len(t['questions'])} questions\t"
                      f"{len(competencies)} competencies\tdraw: {draw}")
            return 0
        with db_session():
            position = create_from_template(args.template, args.slug, args.title)
    except (TemplateError, PositionFileError) as exc:
        print(f"positions {args.action}: {exc}", file=sys.stderr)
        return 2
    print(f"position {position.slug} ({position.title}) created from template {args.template}")
    return 0


def _token(args: argparse.Namespace) -> int:
    """Create, list or revoke open-API tokens."""
    from bot.integrations.tokens import TokenError, create_token, list_tokens, revoke_token

    if args.action == "create":
        try:
            with db_session():
                row, value = create_token(args.name, args.role, created_by="cli", unit=args.unit)
        except TokenError as exc:
            print(f"token error: {exc}", file=sys.stderr)
            return 2
        scope = f", unit {args.unit}" if args.unit else ""
        print(f"token {row.name} ({row.role}{scope}); shown this once, keep it secret:\n{value}")
    elif args.action == "list":
        with db_session():
            rows = list_tokens()
            units = {row.id: row.unit.code for row in rows if row.unit_id}
        for row in rows:
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "live"
            used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
            unit = units.get(row.id, "*")
            print(f"{row.name}\t{row.role}\tunit {unit}\t{state}\tcreated {row.created_at:%Y-%m-%d %H:%M}\t"
                  f"last used {used}")
    elif not revoke_token(args.name):
        print(f"token error: no live token named {args.name}", file=sys.stderr)
        return 2
    else:
        print(f"token {args.name} revoked")
    return 0


def _recordings(args: argparse.Namespace, settings) -> int:
    """Re-seal recordings under the newest key, or check that every one opens and matches its hash."""
    from bot.store import storage
    from bot.store.sealing import SealError

    try:
        counts = storage.rotate(settings) if args.action == "rotate" else storage.check(settings)
    except (storage.StorageError, SealError) as exc:
        print(f"recordings {args.action}: {exc}", file=sys.stderr)
        return 2
    print(", ".join(f"{name}: {n}" for name, n in sorted(counts.items()))
          or ("nothing to re-seal" if args.action == "rotate" else "no recordings"))
    if args.action == "check":
        return 1 if counts["problems"] else 0
    from bot.bulk.id_numbers import reseal_id_numbers

    try:  # the ID numbers from bulk sheets are sealed under the same keys: they move to the newest one too
        print(f"ID numbers re-sealed: {reseal_id_numbers()}")
    except SealError as exc:
        print(f"ID numbers: {exc}", file=sys.stderr)
        return 2
    newest = settings.recording_keys[0][0]
    if counts["failed"]:
        print(f"not every recording is under {newest}: keep the older keys until the problems above are solved")
        return 1
    older = ", ".join(key_id for key_id, _ in settings.recording_keys[1:])
    print(f"every stored recording and ID number is sealed with {newest}"
          + (f"; {older} may be dropped from RECORDING_KEYS" if older else ""))
    if counts["missing"]:
        print(f"{counts['missing']} recording(s) have no stored object: see `recordings check`")
        return 1
    return 0


def _rekey(db, settings) -> int:
    """Re-seal every sealed column under the newest recording key (resumable, idempotent); print what moved."""
    from bot.store import models, sealed
    from bot.store.sealing import SealError

    try:
        counts = sealed.reseal_all(db, models.ALL_MODELS, rekey=True)
    except SealError as exc:
        print(f"rekey: {exc}", file=sys.stderr)
        return 2
    print(", ".join(f"{table}: {n}" for table, n in sorted(counts.items()) if n) or "nothing to re-seal")
    newest, older = settings.recording_keys[0][0], [key_id for key_id, _ in settings.recording_keys[1:]]
    print(f"the personal data in the database is sealed and indexed with {newest}"
          + (f"; once `recordings rotate` says so too, {', '.join(older)} may be dropped" if older else ""))
    return 0


def _backup(args: argparse.Namespace, settings) -> int:
    """Back up into a folder, or restore from one (docs/operations.md#backups)."""
    from pathlib import Path

    from bot.ops.backup import BackupError, backup, restore
    from bot.store.storage import StorageError

    try:
        if args.command == "backup":
            manifest = backup(settings, Path(args.dir))
            print(f"backed up into {args.dir}; the keys (RECORDING_KEYS, SECRET_KEY) are not in it: keep them "
                  f"elsewhere — objects need {', '.join(manifest['objects']['key_ids']) or 'no key'}")
        else:
            restore(settings, Path(args.dir), force=args.force)
    except (BackupError, StorageError, OSError) as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 2
    return 0


def _rights(args: argparse.Namespace) -> int:
    """Run the retention job now, or erase one candidate (as an admin asked: source hr)."""
    from bot.privacy import retention, rights
    from bot.privacy.erasure import ErasureError, open_request

    if args.command == "retention":
        counts = retention.apply_retention()
        print(", ".join(f"{name}: {n}" for name, n in counts.items()) or "nothing past its retention period")
        return 0
    try:
        request = open_request(args.candidate_id, "hr", "cli", f"cli:{args.candidate_id}")
    except ErasureError as exc:
        print(f"erase: {exc}", file=sys.stderr)
        return 2
    rights.erase_job(request.id)
    request = type(request).get_by_id(request.id)
    print(f"candidate {args.candidate_id} erased (request {request.id}, {request.source}): "
          + (", ".join(f"{name}: {n}" for name, n in request.summary.items()) or "nothing was left"))
    return 0



def _sessions(args: argparse.Namespace, settings) -> int:
    """List the signed-in HR members, or end every session of one (audited as the operator's)."""
    from bot.privacy import sessions
    from bot.store.kv import get_redis
    from bot.store.models import AuditLog

    client = get_redis(settings)
    if args.action == "list":
        for userid, live, _ in sessions.signed_in(client):
            print(f"{userid}: {live} session(s)")
        return 0
    ended = sessions.end_all(client, args.userid)
    with db_session():
        AuditLog.create(actor="cli", action="sessions_ended", target_type="hr_member", target_id=args.userid[:64],
                        detail={"sessions": ended})
    print(f"{args.userid}: {ended} session(s) ended")
    return 0

if __name__ == "__main__":
    sys.exit(main())
