"""The catalog importer in bulk, on a real database, once per backend."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import builtin_guild_defaults
from bot.db import catalog_rows
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import AuditEntry, Brand, Claim, Device, DeviceAlias, Launch, Post
from bot.db.settings_rows import load_guild_settings
from bot.domain.catalog import CatalogEntry, parse_catalog
from bot.domain.errors import CatalogError, InvalidInput
from bot.domain.inputs import NewLaunch
from bot.domain.records import Actor
from bot.services.calendar import CONFLICT, CalendarService
from bot.services.catalog_import import import_catalog
from bot.services.post_planning import replan_server
from tests.support.clock import FakeClock

GUILD = 1
IMPORTER = Actor(None, "command line")
BOT = Actor(1001, "editor")
LAUNCHBOT = Path(sys.executable).with_name("launchbot")
MODELS = (Brand, Device, DeviceAlias, Launch, Claim, AuditEntry)


def _launches(count: int, *, start: int = 0, seen: datetime | None = None) -> list[dict[str, Any]]:
    """Launches like the bundled catalog's: aliases, notes, 2-4 claims on the date and on a
    feature, several of them about the same subject."""
    seen = seen or datetime(2021, 6, 1, tzinfo=UTC)
    launches = []
    for n in range(start, start + count):
        claims: list[dict[str, Any]] = [
            {"about": "date", "date": f"Q{n % 4 + 1} 2022", "source_kind": "media",
             "author": "MyDrivers", "seen_at": (seen + timedelta(hours=n)).isoformat()},
            {"about": "date", "date": f"{n % 28 + 1} March 2022", "source_kind": "leaker",
             "author": "Digital Chat Station", "source_url": f"https://weibo.example/{n}",
             "seen_at": (seen + timedelta(hours=n, minutes=30)).isoformat()},
        ]  # fmt: skip
        if n % 2:
            claims.append({"about": "feature", "feature": "Leica cameras", "present": "yes",
                           "source_kind": "media",
                           "seen_at": (seen + timedelta(days=1)).isoformat()})  # fmt: skip
        if n % 3 == 0:
            claims.append({"about": "date", "date": "2022-03-15 19:30 Asia/Shanghai",
                           "source_kind": "official", "author": "Xiaomi",
                           "seen_at": (seen + timedelta(days=2)).isoformat()})  # fmt: skip
        launches.append(
            {"device": f"Phone {n}", "brand": f"Brand {n % 7}", "series": n % 5 == 0,
             "aliases": [f"Phone {n} Pro", f"P{n}"][: n % 3], "region": ["Global", "China"][n % 2],
             "status": ["rumored", "teased", "confirmed"][n % 3], "date": f"Q{n % 4 + 1} 2022",
             "timezone": "Asia/Shanghai", "note": f"note {n}", "claim": claims}
        )  # fmt: skip
    return launches


def _catalog(launches: list[dict[str, Any]]) -> list[CatalogEntry]:
    return parse_catalog({"format": 1, "launch": launches})


async def _dump(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    async with engine.connect() as conn:
        return {
            m.__tablename__: [
                tuple(r) for r in await conn.execute(select(m.__table__).order_by(m.__table__.c.id))
            ]
            for m in MODELS
        }


async def test_a_large_catalog_imports_and_reimports_idempotently(
    calendar: CalendarService, engine: AsyncEngine
) -> None:
    entries = _catalog(_launches(300))
    claims = sum(len(e.claims) for e in entries)
    progress: list[tuple[int, int]] = []

    result = await import_catalog(calendar, GUILD, IMPORTER, entries, lambda *p: progress.append(p))

    assert (result.created, result.updated, result.unchanged) == (300, 0, 0)
    assert result.claims_added == claims
    assert progress == [(n, 300) for n in range(1, 301)]
    rows = await _dump(engine)
    assert [len(rows[m.__tablename__]) for m in MODELS] == [7, 300, 300, 300, claims, 300 + claims]
    again = await import_catalog(calendar, GUILD, IMPORTER, entries)
    assert again.summary() == "0 launches added, 0 updated, 300 unchanged, 0 claims added"
    assert await _dump(engine) == rows

    phone = await calendar.get(GUILD, (await calendar.search(GUILD, "phone 13 pro"))[0].id)
    assert (phone.device, phone.aliases, phone.is_series) == ("Phone 13", ("Phone 13 Pro",), False)
    phone = (await calendar.search(GUILD, "phone 12"))[0]
    history = await calendar.history(GUILD, phone.id)
    dates = [c for c in history.claims if c.window is not None]
    newest = max(dates, key=lambda c: (c.seen_at, c.id))
    assert newest.author == "Xiaomi" and newest.superseded_by_id is None
    assert all(c.superseded_by_id == newest.id for c in dates if c is not newest)
    assert [(a.action, a.before) for a in history.audit] == [("add", None)]


async def test_changes_on_reimport_update_launches_and_supersede_stored_claims(
    calendar: CalendarService, engine: AsyncEngine, clock: FakeClock
) -> None:
    launches = _launches(40)
    await import_catalog(calendar, GUILD, IMPORTER, _catalog(launches))
    launches[4] |= {"status": "launched", "date": "10 March 2022"}
    launches[5]["claim"].append({"about": "date", "date": "2023", "source_kind": "official",
                                 "seen_at": "2021-10-01T00:00:00Z"})  # fmt: skip
    clock.advance(timedelta(days=1))

    result = await import_catalog(calendar, GUILD, IMPORTER, _catalog(launches))

    assert result.summary() == "0 launches added, 1 updated, 39 unchanged, 1 claims added"
    phone4 = (await calendar.search(GUILD, "phone 4"))[0]
    history = await calendar.history(GUILD, phone4.id)
    assert phone4.status.value == "launched" and phone4.updated_at == clock.now
    assert [a.action for a in history.audit] == ["add", "import", "import"]
    assert history.audit[-1].before is not None and history.audit[-1].after is not None
    assert (history.audit[-1].before["status"], history.audit[-1].after["status"]) == (
        "teased", "launched"
    )  # fmt: skip
    claims = (await calendar.history(GUILD, (await calendar.search(GUILD, "phone 5"))[0].id)).claims
    newest = next(c for c in claims if c.source_kind.value == "official")
    assert all(c.superseded_by_id == newest.id for c in claims if c.window and c is not newest)


@pytest.mark.parametrize("fault", ["brand", "seen_at"])
async def test_an_error_in_the_last_entry_leaves_the_database_untouched(
    calendar: CalendarService, engine: AsyncEngine, fault: str
) -> None:
    await import_catalog(calendar, GUILD, IMPORTER, _catalog(_launches(20)))
    before = await _dump(engine)
    launches = _launches(300, start=10)
    if fault == "brand":  # found only against the database: Phone 12 is Brand 5's
        launches[-1] |= {"device": "Phone 12", "brand": "Another", "region": "Mars"}
    else:
        del launches[-1]["claim"][0]["seen_at"]

    with pytest.raises(CatalogError) as caught:
        await import_catalog(calendar, GUILD, IMPORTER, _catalog(launches))

    assert str(caught.value).startswith("launch #300 (Phone ")
    assert await _dump(engine) == before


async def test_the_number_of_statements_does_not_grow_with_the_catalog(
    calendar: CalendarService, engine: AsyncEngine
) -> None:
    statements: list[str] = []
    event.listen(
        engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2])
    )

    async def count(guild: int, launches: list[dict[str, Any]]) -> int:
        statements.clear()
        await import_catalog(calendar, guild, IMPORTER, _catalog(launches))
        return len(statements)

    small, large = await count(10, _launches(50)), await count(11, _launches(500))
    small_again, large_again = await count(10, _launches(50)), await count(11, _launches(500))

    # Ten times the launches (about 5,000 rows to write) cost not one statement more: each read
    # takes its keys as one list parameter. (The new rows themselves go in on the driver's
    # connection, which these events do not see: PostgreSQL's COPY and SQLite's staging, one
    # per table and chunk; SQLite's move is one INSERT ... SELECT per table.)
    assert small <= 20 and large == small
    assert small_again <= 10 and large_again == small_again


@pytest.mark.parametrize("related", [True, False])
async def test_a_write_between_the_reads_and_the_writes(
    calendar: CalendarService, db_url: str, monkeypatch: pytest.MonkeyPatch, related: bool
) -> None:
    """SQLite: the import reads without the write lock, so when another write commits before it
    takes the lock, it reads again under the lock (and works out again what changed). PostgreSQL:
    the rows it reads stay locked, and a new row that collides with one it adds makes it fail as
    any concurrent change does."""
    real_lock = catalog_rows.write_lock
    device = NewLaunch("Phone 3", "Brand 3") if related else NewLaunch("Other", "Other Brand")
    interfered = []

    async def write_first(*args: Any) -> bool:
        if not interfered:
            interfered.append(await calendar.add(GUILD, BOT, device))
        return await real_lock(*args)

    monkeypatch.setattr(catalog_rows, "write_lock", write_first)
    entries = _catalog(_launches(10))
    if related and db_url.startswith("postgresql"):
        with pytest.raises(InvalidInput, match=CONFLICT):
            await import_catalog(calendar, GUILD, IMPORTER, entries)
        assert await calendar.count(GUILD) == 1
        return
    result = await import_catalog(calendar, GUILD, IMPORTER, entries)
    assert result.created == 10 and await calendar.count(GUILD) == 11
    phones = await calendar.search(GUILD, "phone 3" if related else "o")
    assert len({p.id for p in phones}) == len(phones)
    if related:
        assert [p.region for p in phones] == ["Global", "China"]  # the bot's device, reused
        assert phones[0].device_id == phones[1].device_id
    again = await import_catalog(calendar, GUILD, IMPORTER, entries)
    assert again.summary() == "0 launches added, 0 updated, 10 unchanged, 0 claims added"


async def test_a_bot_write_during_a_command_line_import_succeeds(
    cli_env: dict[str, str], db_url: str, tmp_path: Path
) -> None:
    count = 5000
    big = tmp_path / "big.json"
    seen = datetime.now(UTC) - timedelta(days=400)
    big.write_text(json.dumps({"format": 1, "launch": _launches(count, seen=seen)}))
    engine = create_engine(db_url)
    calendar = CalendarService(
        create_session_factory(engine), FakeClock(), builtin_guild_defaults()
    )
    process = await asyncio.create_subprocess_exec(
        str(LAUNCHBOT), "launches", "import", str(big), "--guild", str(GUILD),
        env=cli_env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        first = await asyncio.wait_for(process.stderr.readline(), timeout=120)
        # the import is writing (progress comes between its INSERTs, before it commits)
        assert first.decode().startswith("importing: ")
        added = await calendar.add(GUILD, BOT, NewLaunch("Bot Phone", "Bot Brand"))
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await engine.dispose()

    assert process.returncode == 0, stderr.decode()
    assert f"{count} launches added" in stdout.decode()
    assert added.after is not None
    assert await calendar.count(GUILD) == count + 1
    assert (await calendar.get(GUILD, added.after.id)).device == "Bot Phone"


async def _posts(engine: AsyncEngine) -> dict[tuple[str, str], str]:
    """Every post of the server: (subject, key) -> state."""
    async with engine.connect() as conn:
        rows = await conn.execute(select(Post.subject, Post.key, Post.state))
        return {(subject, key): str(getattr(s, "value", s)) for subject, key, s in rows}


async def test_an_import_plans_the_posts_of_the_launches_it_adds_or_changes(
    calendar: CalendarService, engine: AsyncEngine, clock: FakeClock
) -> None:
    launches = [
        {"device": f"Phone {n}", "brand": "Brand", "date": f"{n + 1} March 2022",
         "timezone": "UTC", "claim": []}
        for n in range(6)
    ]  # fmt: skip
    await import_catalog(calendar, GUILD, IMPORTER, _catalog(launches))
    first = await _posts(engine)
    by_launch = {subject for subject, _ in first}
    assert len(by_launch) == 6 and all(state == "pending" for state in first.values())

    launches[0]["date"] = "20 March 2022"  # moved
    launches[1]["date"] = "Q2 2022"  # no longer to the day: no posts
    launches[2]["status"] = "launched"  # finished: no posts
    launches.append({"device": "Phone 6", "brand": "Brand", "date": "2022-04-01 10:00",
                     "timezone": "UTC", "claim": []})  # fmt: skip
    clock.advance(timedelta(hours=1))
    result = await import_catalog(calendar, GUILD, IMPORTER, _catalog(launches))
    assert (result.created, result.updated, result.unchanged) == (1, 3, 3)

    second = await _posts(engine)
    ids = {launch.device: launch.id for launch in await calendar.search(GUILD, "phone")}
    pending = {s for (s, _), state in second.items() if state == "pending"}
    assert pending == {f"launch:{ids[f'Phone {n}']}" for n in (0, 3, 4, 5, 6)}
    for n in (1, 2):
        subject = f"launch:{ids[f'Phone {n}']}"
        assert {state for (s, _), state in second.items() if s == subject} == {"cancelled"}
    moved = f"launch:{ids['Phone 0']}"
    now_pending = {k for (s, k), state in second.items() if s == moved and state == "pending"}
    assert "launch:0@20220320T0900" in now_pending
    assert {k for (s, k) in first if s == moved} & now_pending == set()
    untouched = {
        k: v for k, v in first.items() if k[0] in {f"launch:{ids[f'Phone {n}']}" for n in (3, 4, 5)}
    }
    assert {k: second[k] for k in untouched} == untouched

    # what re-planning the whole server would make of it: the same pending posts
    async with create_session_factory(engine)() as session, session.begin():
        settings = await load_guild_settings(session, GUILD, builtin_guild_defaults())
        await replan_server(session, settings, clock.now)
    replanned = await _posts(engine)
    assert {k for k, v in replanned.items() if v == "pending"} == {
        k for k, v in second.items() if v == "pending"
    }


async def _post_rows(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    """Every post, every column but its id, in a fixed order."""
    columns = [c for c in Post.__table__.columns if c.name != "id"]
    async with engine.connect() as conn:
        rows = await conn.execute(select(*columns).order_by(Post.subject, Post.key))
        return [tuple(r) for r in rows]


async def test_the_added_launches_posts_are_the_rows_planning_them_writes(
    calendar: CalendarService, engine: AsyncEngine, clock: FakeClock
) -> None:
    """The posts the import writes with its new launches (staged on SQLite, copied on
    PostgreSQL) are, column for column, those that planning the server's posts writes."""
    launches = [
        {"device": f"Phone {n}", "brand": "Brand", "date": f"{n % 28 + 1} March 2022",
         "timezone": ["UTC", "Asia/Shanghai"][n % 2], "claim": []}
        for n in range(40)
    ]  # fmt: skip
    await import_catalog(calendar, GUILD, IMPORTER, _catalog(launches))
    imported = await _post_rows(engine)
    assert len({row[1] for row in imported}) == 40  # every launch has posts

    async with create_session_factory(engine)() as session, session.begin():
        await session.execute(Post.__table__.delete())
        settings = await load_guild_settings(session, GUILD, builtin_guild_defaults())
        await replan_server(session, settings, clock.now)
    assert await _post_rows(engine) == imported
