"""The `launchbot` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import aiohttp
import discord
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot import __version__
from bot.app.pacing import GLOBAL_PER_SECOND, share_of_budget
from bot.app.runner import BotApp, StartupError
from bot.cli import db_tools, listing, listing_output, posts_output
from bot.cli.errors import EXIT_ERROR, EXIT_SCHEMA, EXIT_USAGE, CliError
from bot.cli.export_format import FORMATS, UnknownExtension, export_format, mismatch_note
from bot.config import ConfigError, Settings, load_settings, log_format_hint
from bot.db import migrate
from bot.db.sqlite_file import sqlite_path
from bot.domain.catalog import bundled_catalog_path, load_catalog
from bot.domain.catalog_writer import dump_catalog
from bot.domain.errors import DomainError
from bot.domain.records import Actor
from bot.domain.vocabulary import PostState
from bot.logs import json_mode, log_what_escapes, setup_logging, tell
from bot.runtime import DatabaseUnavailable, Runtime, SchemaOutOfDate
from bot.services.catalog_export import export_catalog
from bot.services.catalog_import import import_catalog

TOKEN_HELP = """\
launchbot: DISCORD_TOKEN is not set, so the bot cannot log in to Discord.
  1. Open https://discord.com/developers/applications, choose "New Application", then "Bot".
  2. Under "Bot", choose "Reset Token" and copy the token (keep it secret).
  3. Invite the bot: "OAuth2" > "URL Generator", scopes "bot" and "applications.commands".
  4. Start it with the token in the environment:  DISCORD_TOKEN=... make run
"""


def _guild_id(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 2**63:
        raise argparse.ArgumentTypeError(f"{text!r} is not a server id (a positive whole number)")
    return int(text)


def _count_argument(least: int, most: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not (text.isascii() and text.isdigit()) or not least <= int(text) <= most:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a whole number from {least} to {most:,}"
            )
        return int(text)

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="launchbot",
        description="A Discord bot for a server's calendar of smartphone launches.",
    )
    parser.add_argument("--version", action="version", version=f"launchbot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", help="start the bot",
        description="Start the bot. SIGTERM or Ctrl-C stop it gracefully (exit code 0). "
        "With --shard-count, this process runs shards of the bot (all of them, or --shards A-B): "
        "several processes, each a range of shards, share one PostgreSQL database.",
    )  # fmt: skip
    run.add_argument(
        "--shard-count", metavar="N", help="the bot's number of shards (LAUNCHBOT_SHARD_COUNT)"
    )
    run.add_argument(
        "--shards", metavar="A-B", help="the shards this process runs, from 0 (LAUNCHBOT_SHARDS)"
    )
    sync = commands.add_parser(
        "sync", help="sync slash commands to Discord now",
        description="Sync the slash commands (to LAUNCHBOT_DEV_GUILD_ID when set, else globally). "
        "`launchbot run` already syncs when the commands changed; --force syncs regardless.",
    )  # fmt: skip
    sync.add_argument("--force", action="store_true", required=True, help="sync even if unchanged")
    commands.add_parser(
        "check-config",
        help="load and validate the settings, then show them",
        description="Load config.toml and the environment, validate every setting, show them.",
    )

    db = commands.add_parser(
        "db", help="database schema, backups and moves",
        description="Database schema, backups and moves.",
    )  # fmt: skip
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser(
        "upgrade", help="bring the database to the latest schema",
        description="Create or migrate the database to the latest schema (safe to repeat).",
    )  # fmt: skip
    db_commands.add_parser("current", help="show the schema revision of the database")
    db_tools.add_parsers(db_commands)

    launches = commands.add_parser("launches", help="list, import and export launches")
    launch_commands = launches.add_subparsers(
        dest="launch_command", required=True, metavar="ACTION"
    )
    listed = launch_commands.add_parser(
        "list", help="show a server's launches as a table",
        description="Show a server's upcoming launches (or all of them with --all), "
        f"{listing.DEFAULT_LIMIT} at a time: --offset shows the next ones.",
    )  # fmt: skip
    listed.add_argument("--guild", type=_guild_id, required=True, help="Discord server id")
    listed.add_argument("--all", action="store_true", help="include past, launched and cancelled")
    listed.add_argument(
        "--limit", type=_count_argument(1, listing.MAX_LIMIT), default=listing.DEFAULT_LIMIT,
        help=f"show at most this many (default {listing.DEFAULT_LIMIT})",
    )  # fmt: skip
    listed.add_argument(
        "--offset", type=_count_argument(0, 2**31 - 1), default=0,
        help="skip this many first (default 0)",
    )  # fmt: skip
    listed.add_argument("--json", action="store_true", help="print JSON for scripts")

    importing = launch_commands.add_parser(
        "import", help="import a catalog file into a server",
        description="Import a TOML or JSON catalog into a server. Re-importing is harmless, and "
        "a file with any error changes nothing. FILE may be 'bundled' for the shipped catalog.",
    )  # fmt: skip
    importing.add_argument(
        "file", metavar="FILE", help="path of a .toml or .json file, or 'bundled'"
    )
    importing.add_argument("--guild", type=_guild_id, required=True, help="Discord server id")

    exporting = launch_commands.add_parser(
        "export", help="write a server's launches as a catalog",
        description="Write a server's launches and claims in the catalog format: TOML or JSON "
        "as the output file's extension says (TOML on standard output), unless --format says.",
    )  # fmt: skip
    exporting.add_argument("--guild", type=_guild_id, required=True, help="Discord server id")
    exporting.add_argument(
        "--format", choices=FORMATS, help="toml or json (default: from the file's extension)"
    )
    exporting.add_argument("--output", "-o", help="file to write (default: standard output)")

    posts = commands.add_parser("posts", help="a server's scheduled posts")
    post_commands = posts.add_subparsers(dest="post_command", required=True, metavar="ACTION")
    posts_listed = post_commands.add_parser(
        "list", help="show a server's scheduled posts and what became of them",
        description="Show a server's scheduled posts (reminders, launch posts, change notices): "
        "those still to go soonest first, then the rest latest first, with why a post failed "
        "or was skipped, and the count in each state.",
    )  # fmt: skip
    posts_listed.add_argument("--guild", type=_guild_id, required=True, help="Discord server id")
    posts_listed.add_argument(
        "--state", choices=[s.value for s in PostState],
        help="only posts in this state (pending, sent, failed, skipped; or sending, cancelled)",
    )  # fmt: skip
    posts_listed.add_argument(
        "--limit", type=_count_argument(1, listing.MAX_LIMIT), default=listing.DEFAULT_LIMIT,
        help=f"show at most this many (default {listing.DEFAULT_LIMIT})",
    )  # fmt: skip
    posts_listed.add_argument("--json", action="store_true", help="print JSON for scripts")
    return parser


async def _with_runtime(
    settings: Settings,
    work: Callable[[Runtime], Awaitable[int]],
    *,
    check_schema: bool = True,
    create: bool = False,
) -> int:
    """Only ``db upgrade`` creates the database (``create``); every other command leaves a
    missing file and folder missing."""
    runtime = Runtime.create(settings, create_database=create)
    try:
        if check_schema:
            await runtime.require_current_schema()
        return await work(runtime)
    except SchemaOutOfDate as exc:
        raise CliError(str(exc), EXIT_SCHEMA) from None
    except DatabaseUnavailable as exc:
        raise CliError(_database_problem(settings, _cause(exc))) from None
    except (DBAPIError, SQLAlchemyError, OSError) as exc:
        raise CliError(_database_problem(settings, exc)) from None
    finally:
        await runtime.close()


async def _db_upgrade(runtime: Runtime) -> int:
    before, after = await migrate.upgrade(runtime.engine)
    if before == after:
        print(f"database is up to date (revision {after})")
    else:
        print(f"database upgraded from {before or 'empty'} to {after}")
    return 0


async def _db_current(runtime: Runtime) -> int:
    head = migrate.head_revision()
    path = sqlite_path(runtime.settings.database_url)
    if path is not None and not path.exists():
        print(f"database revision: empty, no file at {path} (latest: {head})")
        return 0
    current = await migrate.current_revision(runtime.engine)
    print(f"database revision: {current or 'empty'} (latest: {head})")
    return 0


def _list(args: argparse.Namespace) -> Callable[[Runtime], Awaitable[int]]:
    asked = listing.ListRequest(args.guild, args.all, args.offset, args.limit)
    show = listing_output.as_json if args.json else listing_output.as_text

    async def work(runtime: Runtime) -> int:
        print(show(await listing.list_launches(runtime.calendar, runtime.clock(), asked)))
        return 0

    return work


def _posts(args: argparse.Namespace) -> Callable[[Runtime], Awaitable[int]]:
    state = PostState(args.state) if args.state else None
    show = posts_output.as_json if args.json else posts_output.as_text

    async def work(runtime: Runtime) -> int:
        print(show(await runtime.deliveries.listing(args.guild, state, args.limit)))
        return 0

    return work


def _import(file: str, guild: int) -> Callable[[Runtime], Awaitable[int]]:
    path = bundled_catalog_path() if file == "bundled" else Path(file)
    entries = load_catalog(path)

    async def work(runtime: Runtime) -> int:
        step = max(1, len(entries) // 10)

        def progress(done: int, total: int) -> None:
            if total >= 50 and (done % step == 0 or done == total):
                tell(f"importing: {done}/{total} launches", logging.INFO, prefixed=False)

        result = await import_catalog(runtime.calendar, guild, Actor.cli(), entries, progress)
        print(f"imported {path.name} into server {guild}: {result.summary()}")
        return 0

    return work


def _export(guild: int, requested: str | None, output: str | None, settings: Settings) -> int:
    try:
        fmt = export_format(requested, output)
    except UnknownExtension as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    exported: list[str] = []

    async def work(runtime: Runtime) -> int:
        catalog = await export_catalog(runtime.calendar, runtime.polls, guild)
        exported.append(dump_catalog(catalog, fmt))
        return 0

    asyncio.run(_with_runtime(settings, work))
    if output:
        try:
            Path(output).write_text(exported[0], encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {output}: {exc.strerror}") from None
        tell(f"wrote {output}", logging.INFO, prefixed=False)
        note = mismatch_note(fmt, output)
        if note:
            tell(note, logging.WARNING)
    else:
        sys.stdout.write(exported[0])
    return 0


def _check_config(settings: Settings) -> int:
    url = make_url(settings.database_url).render_as_string(hide_password=True)
    print(f"config file:      {settings.config_path or '(none, built-in defaults)'}")
    print(f"database:         {url} ({settings.backend})")
    print(f"discord api:      {settings.api_base}")
    print(f"discord gateway:  {settings.gateway_url}")
    print(f"dev server:       {settings.dev_guild_id or '(none: commands sync globally)'}")
    print(f"shards:           {settings.shards or 'not sharded (one connection)'}")
    pace = settings.requests_per_second
    share = share_of_budget(None, settings.shards.share if settings.shards else 1.0)
    shown = f"auto: {share:.4g}/s (its shards' share of {GLOBAL_PER_SECOND:g}/s)"
    print(f"request budget:   {shown if pace is None else f'{pace:g}/s'}")
    print(f"log:              {settings.log_level}, {settings.log_format}")
    print(f"http:             {_listen_shown(settings)}")
    print(f"server defaults:  zone {settings.default_timezone}, reminders "
          f"{settings.default_reminder_offsets}, digest {settings.default_digest_day} "
          f"{settings.default_digest_time}")  # fmt: skip
    print(f"token:            {'set' if settings.token else 'not set (DISCORD_TOKEN)'}")
    print(f"database state:   {asyncio.run(_database_state(settings))}")
    print("configuration is valid")
    return 0


def _listen_shown(settings: Settings) -> str:
    if settings.http_listen is None:
        return "off (/healthz and /metrics not served)"
    host, port = settings.http_listen
    return f"/healthz and /metrics on {f'[{host}]' if ':' in host else host}:{port}"


async def _database_state(settings: Settings) -> str:
    """Whether the database is reachable and at the latest schema; creates nothing."""
    runtime = Runtime.create(settings)
    try:
        await runtime.require_current_schema()
    except SchemaOutOfDate as exc:
        return f"not ready: {exc}"
    except DatabaseUnavailable as exc:
        return "unreachable: " + _database_problem(settings, _cause(exc))
    finally:
        await runtime.close()
    return f"reachable, at the latest schema ({migrate.head_revision()})"


def _serve(settings: Settings, *, sync_only: bool = False) -> int:
    async def main() -> int:
        app = BotApp(settings, force_sync=sync_only)
        if sync_only:
            await app.sync_only()
            print("slash commands synced")
            return 0
        app.install_signal_handlers()
        app.freeze_heap_once_ready()
        await app.run()
        return 0

    try:
        return asyncio.run(main())
    except StartupError as exc:
        raise CliError(str(exc)) from None
    except DatabaseUnavailable as exc:
        raise CliError(_database_problem(settings, _cause(exc))) from None
    except SchemaOutOfDate as exc:
        raise CliError(str(exc), EXIT_SCHEMA) from None
    except (DBAPIError, SQLAlchemyError) as exc:
        raise CliError(_database_problem(settings, exc)) from None
    except (discord.HTTPException, aiohttp.ClientError) as exc:
        raise CliError(f"cannot talk to Discord at {settings.api_base}: {exc}") from None
    except OSError as exc:
        raise CliError(f"cannot reach a service the bot needs: {exc}") from None


def _cause(exc: DatabaseUnavailable) -> Exception:
    return exc.__cause__ if isinstance(exc.__cause__, Exception) else exc


def _database_problem(settings: Settings, exc: Exception) -> str:
    url = make_url(settings.database_url).render_as_string(hide_password=True)
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return f"cannot use the database {url}: {reason}"


def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "check-config":
        return _check_config(settings)
    if args.command in ("run", "sync"):
        if settings.token is None:
            tell(TOKEN_HELP.removeprefix("launchbot: ").rstrip("\n"))
            return EXIT_USAGE
        return _serve(settings, sync_only=args.command == "sync")
    if args.command == "db" and args.db_command in db_tools.COMMANDS:
        return db_tools.dispatch(args, settings)
    if args.command == "db":
        upgrade = args.db_command == "upgrade"
        action = _db_upgrade if upgrade else _db_current
        return asyncio.run(_with_runtime(settings, action, check_schema=False, create=upgrade))
    if args.command == "posts":
        return asyncio.run(_with_runtime(settings, _posts(args)))
    if args.launch_command == "list":
        return asyncio.run(_with_runtime(settings, _list(args)))
    if args.launch_command == "import":
        return asyncio.run(_with_runtime(settings, _import(args.file, args.guild)))
    return _export(args.guild, args.format, args.output, settings)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """argparse writes its usage errors to standard error itself: in JSON mode, as one line."""
    parser = build_parser()
    if not json_mode():
        return parser.parse_args(argv)
    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said):
            return parser.parse_args(argv)
    except SystemExit:
        if said.getvalue().strip():
            tell(said.getvalue().strip())
        raise


def _overrides(args: argparse.Namespace) -> dict[str, tuple[str, str]]:
    """Settings given on the command line, above the environment and config.toml."""
    given = {
        "shards.count": ("--shard-count", getattr(args, "shard_count", None)),
        "shards.range": ("--shards", getattr(args, "shards", None)),
    }
    return {key: (flag, value) for key, (flag, value) in given.items() if value is not None}


def main(argv: Sequence[str] | None = None) -> int:
    if log_format_hint() == "json":  # what goes wrong before the settings are read, as JSON too
        setup_logging("INFO", "json")
        log_what_escapes()
    args = _parse_args(argv)
    try:
        settings = load_settings(None, _overrides(args))
        secrets = [settings.token.reveal()] if settings.token else []
        setup_logging(settings.log_level, settings.log_format, secrets)
        if settings.log_format == "json":
            log_what_escapes()
        return dispatch(args, settings)
    except ConfigError as exc:
        tell(f"config error: {exc}")
        return EXIT_USAGE
    except CliError as exc:
        tell(str(exc))
        return exc.code
    except DomainError as exc:
        tell(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one line for the operator; the trace only in the DEBUG log
        logging.getLogger("launchbot.cli").debug("unexpected error", exc_info=True)
        tell(
            f"unexpected error: {type(exc).__name__}: {exc} "
            "(LAUNCHBOT_LOG_LEVEL=DEBUG shows the trace)"
        )
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
