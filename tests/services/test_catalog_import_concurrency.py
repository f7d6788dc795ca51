"""The catalog importer while the bot keeps writing, on a real database, once per backend.

On SQLite the import works its rows out and stages them without the write lock, then checks
under the lock whether its own server changed meanwhile. These tests put a bot write exactly
there (just before the import takes the lock) and look at what the import did.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import builtin_guild_defaults
from bot.db import catalog_rows
from bot.db.engine import create_session_factory
from bot.db.models import AuditEntry, Claim, Launch, Post
from bot.db.settings_rows import load_guild_settings
from bot.domain.inputs import NewClaim, NewLaunch
from bot.domain.records import Actor
from bot.domain.vocabulary import ClaimSubject, SourceKind
from bot.services import catalog_import
from bot.services.calendar import CalendarService
from bot.services.catalog_import import UNLOCKED_TRIES, import_catalog
from bot.services.post_planning import replan_server
from tests.services.test_catalog_import_bulk import _catalog, _launches

GUILD, OTHER = 1, 2
IMPORTER = Actor(None, "command line")
BOT = Actor(1001, "editor")


def _count_plans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the import is worked out."""
    plans: list[int] = []

    class Counted(catalog_import.Planner):
        def plan_launches(self, server_zone: str) -> None:
            plans.append(1)
            super().plan_launches(server_zone)

    monkeypatch.setattr(catalog_import, "Planner", Counted)
    return plans


def _before_each_lock(monkeypatch: pytest.MonkeyPatch, write: Any, times: int) -> None:
    """Runs ``write`` (a bot write) just before the import takes the write lock, ``times``
    times."""
    real_lock = catalog_rows.write_lock
    done: list[int] = []

    async def write_first(*args: Any) -> bool:
        if len(done) < times:
            done.append(1)
            await write(len(done))
        return await real_lock(*args)

    monkeypatch.setattr(catalog_rows, "write_lock", write_first)


async def _claim_added(calendar: CalendarService, guild: int, n: int) -> None:
    """A bot write that adds a brand, a device, a launch, a claim and audit rows."""
    claim = NewClaim(ClaimSubject.DATE, SourceKind.MEDIA, date="Q3 2030", author="GSMArena")
    await calendar.add(guild, BOT, NewLaunch(f"Other {n}", f"Other Brand {n}"), claim)


async def _imported_rows_hold_together(engine: AsyncEngine, guild: int) -> None:
    """Every imported claim belongs to a launch of the server, points only at a claim of the
    same launch, and its audit row names the claim and its launch."""
    async with engine.connect() as conn:
        launches = set(await conn.scalars(select(Launch.id).where(Launch.guild_id == guild)))
        claims = {
            c.id: c
            for c in await conn.execute(
                select(Claim.id, Claim.launch_id, Claim.superseded_by_id).where(
                    Claim.guild_id == guild
                )
            )
        }
        audits = list(
            await conn.execute(
                select(AuditEntry.entity_id, AuditEntry.after).where(
                    AuditEntry.guild_id == guild, AuditEntry.entity == "claim"
                )
            )
        )
    assert claims and all(c.launch_id in launches for c in claims.values())
    assert all(
        claims[c.superseded_by_id].launch_id == c.launch_id
        for c in claims.values()
        if c.superseded_by_id is not None
    )
    assert sorted(a.entity_id for a in audits) == sorted(claims)
    assert all(a.after["launch_id"] == claims[a.entity_id].launch_id for a in audits)


async def test_a_write_to_another_server_leaves_the_plan_standing(
    calendar: CalendarService, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other server's rows take the ids the import counted on (SQLite): the import's rows
    move past them, references and audit snapshots with them, without working it out again."""
    plans = _count_plans(monkeypatch)
    _before_each_lock(monkeypatch, lambda n: _claim_added(calendar, OTHER, n), times=1)

    result = await import_catalog(calendar, GUILD, IMPORTER, _catalog(_launches(30)))

    assert (result.created, len(plans)) == (30, 1)
    await _imported_rows_hold_together(engine, GUILD)
    await _imported_rows_hold_together(engine, OTHER)
    assert await calendar.count(OTHER) == 1
    again = await import_catalog(calendar, GUILD, IMPORTER, _catalog(_launches(30)))
    assert again.summary() == "0 launches added, 0 updated, 30 unchanged, 0 claims added"


async def _pending_posts(engine: AsyncEngine, guild: int) -> set[tuple[int | None, str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(Post.launch_id, Post.subject, Post.key).where(
                Post.guild_id == guild, Post.state == "pending"
            )
        )
        return {(launch_id, subject, key) for launch_id, subject, key in rows}


async def test_the_added_launches_posts_move_with_their_launches(
    calendar: CalendarService, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another server's write takes the launch ids the import counted on (SQLite): the posts
    planned for the added launches (staged with them) name the launches' ids as written, and
    are what planning the whole server again makes of it."""
    _before_each_lock(monkeypatch, lambda n: _claim_added(calendar, OTHER, n), times=1)
    launches = [
        {"device": f"Phone {n}", "brand": "Brand", "date": f"{n + 1} March 2022",
         "timezone": "UTC", "claim": []}
        for n in range(20)
    ]  # fmt: skip

    result = await import_catalog(calendar, GUILD, IMPORTER, _catalog(launches))

    assert result.created == 20
    ids = {launch.device: launch.id for launch in await calendar.search(GUILD, "phone")}
    posts = await _pending_posts(engine, GUILD)
    assert {launch_id for launch_id, _, _ in posts} == set(ids.values())
    assert all(subject == f"launch:{launch_id}" for launch_id, subject, _ in posts)
    assert "launch:0@20220301T0900" in {key for _, _, key in posts}
    async with create_session_factory(engine)() as session, session.begin():
        settings = await load_guild_settings(session, GUILD, builtin_guild_defaults())
        await replan_server(session, settings, calendar.clock())
    assert await _pending_posts(engine, GUILD) == posts


async def test_a_write_to_the_same_server_has_the_import_worked_out_again(
    calendar: CalendarService, engine: AsyncEngine, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: what the import read may be stale, so it is worked out again (without the lock).
    PostgreSQL: the rows it read are locked and it is worked out once."""
    plans = _count_plans(monkeypatch)
    _before_each_lock(monkeypatch, lambda n: _claim_added(calendar, GUILD, n), times=1)

    result = await import_catalog(calendar, GUILD, IMPORTER, _catalog(_launches(30)))

    assert result.created == 30 and await calendar.count(GUILD) == 31
    assert len(plans) == (2 if db_url.startswith("sqlite") else 1)
    await _imported_rows_hold_together(engine, GUILD)


async def test_a_server_that_keeps_changing_is_worked_out_under_the_lock_at_last(
    calendar: CalendarService, engine: AsyncEngine, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    plans = _count_plans(monkeypatch)
    writes = UNLOCKED_TRIES + 5
    _before_each_lock(monkeypatch, lambda n: _claim_added(calendar, GUILD, n), times=writes)

    result = await import_catalog(calendar, GUILD, IMPORTER, _catalog(_launches(30)))

    sqlite = db_url.startswith("sqlite")
    # SQLite: UNLOCKED_TRIES attempts without the lock, each spoilt by a write, then one under
    # the lock (a write can come before it takes the lock, not after)
    assert len(plans) == (UNLOCKED_TRIES + 1 if sqlite else 1)
    bot_writes = UNLOCKED_TRIES + 1 if sqlite else 1
    assert result.created == 30 and await calendar.count(GUILD) == 30 + bot_writes
    await _imported_rows_hold_together(engine, GUILD)


async def test_sqlite_rows_are_staged_without_the_write_lock(
    calendar: CalendarService, db_url: str
) -> None:
    """While the import reports progress (its rows being built and staged), another connection
    can take SQLite's write lock at once."""
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL has no lock over the whole database")
    path = make_url(db_url).database
    assert path is not None
    free: list[bool] = []

    def try_the_lock(done: int, total: int) -> None:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            free.append(True)
        except sqlite3.OperationalError:  # database is locked
            free.append(False)
        finally:
            other.close()

    await import_catalog(calendar, GUILD, IMPORTER, _catalog(_launches(30)), try_the_lock)

    assert free == [True] * 30
