"""`db copy` as a function: every table of the models moved to the other backend (SQLite to
PostgreSQL and back), value for value, with the counters past every id ever handed out, and all
or nothing: a failure on the way leaves the target as it was."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.db import migrate
from bot.db.database_copy import CopyDone, CopyFailed, CopyRefused, copy_database, shapes
from bot.db.engine import create_engine
from bot.db.models import AuditEntry, Base, Claim, Launch, Post
from bot.db.table_checksums import TableSum
from bot.db.table_transfer import read_rows
from tests.db.copy_seed import GUILD, REMOVED_LAUNCH, T, every_row, schema_tables, seed_every_table


async def _copy(source_url: str, target_url: str, *, replace: bool = False) -> CopyDone:
    """Batches of 2 rows, so that every table goes in several."""
    return await copy_database(source_url, target_url, batch=2, replace=replace)


async def _null_counts(url: str) -> tuple[int, int, int]:
    """Audit rows whose ``before`` is SQL NULL, whose ``after`` is SQL NULL, posts without a
    payload: JSON null is not SQL NULL and must stay what it was."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            counts = [
                await conn.scalar(select(func.count()).where(condition))
                for condition in (
                    AuditEntry.before.is_(None),
                    AuditEntry.after.is_(None),
                    Post.payload.is_(None),
                )
            ]
            return counts[0] or 0, counts[1] or 0, counts[2] or 0
    finally:
        await engine.dispose()


async def _tables_without_statistics(conn: AsyncConnection) -> list[str]:
    """The models' tables PostgreSQL has never ANALYZEd (``reltuples`` is -1 until then)."""
    found = await conn.execute(
        text("SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples < 0 "
             "AND relname = ANY(:names) ORDER BY relname"),
        {"names": list(Base.metadata.tables)},
    )  # fmt: skip
    return list(found.scalars())


@pytest.mark.parametrize("pg_copy", [True, False], ids=["copy", "executemany"])
async def test_every_table_is_copied_value_for_value_and_ids_are_never_reused(
    db_url: str, other_db_url: str, pg_copy: bool
) -> None:
    """``executemany``: the benchmark's comparison writes into PostgreSQL without COPY; it must
    copy as faithfully (on SQLite both are the same executemany)."""
    await seed_every_table(db_url)
    source_rows = await every_row(db_url)
    assert all(source_rows[t.name] for t in Base.metadata.sorted_tables), (
        "every table of the models needs rows in copy_seed.ROWS, so that its copy is proven"
    )
    done = await copy_database(db_url, other_db_url, batch=2, pg_copy=pg_copy)

    tables = done.tables
    assert [t.name for t in tables] == [t.name for t in Base.metadata.sorted_tables]
    assert all(t.matches and t.source_rows == len(source_rows[t.name]) for t in tables)
    assert done.revision == migrate.head_revision()
    assert await every_row(other_db_url) == source_rows
    assert await _null_counts(other_db_url) == await _null_counts(db_url) == (1, 0, 1)

    target = create_engine(other_db_url)
    try:
        assert await migrate.current_revision(target) == migrate.head_revision()
        async with target.connect() as conn:
            assert await conn.run_sync(schema_tables) == set(Base.metadata.tables)
            if conn.dialect.name == "postgresql":
                assert await _tables_without_statistics(conn) == []
        async with target.begin() as conn:
            new_launch = await conn.scalar(
                insert(Launch)
                .values(guild_id=GUILD, device_id=1, region="EU", region_key="eu",
                        kind="announcement", status="rumored", timezone="UTC",
                        created_at=T, updated_at=T)
                .returning(Launch.id)
            )  # fmt: skip
            new_claim = await conn.scalar(
                insert(Claim)
                .values(guild_id=GUILD, launch_id=1, subject="feature", feature="x",
                        present="no", source_kind="media", seen_at=T, created_at=T)
                .returning(Claim.id)
            )  # fmt: skip
    finally:
        await target.dispose()
    assert new_launch == REMOVED_LAUNCH + 1  # the removed launch's id is not handed out again
    assert new_claim == 4


async def test_the_database_holds_no_table_the_models_lack(db_url: str) -> None:
    """`db copy` copies the models' tables: a table made by a migration alone would be left
    behind, so there must be none."""
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(schema_tables) == set(Base.metadata.tables)
    finally:
        await engine.dispose()


async def test_a_target_with_data_is_refused_and_replace_empties_it_first(
    db_url: str, other_db_url: str
) -> None:
    await seed_every_table(db_url)
    await _copy(db_url, other_db_url)
    before = await every_row(other_db_url)
    with pytest.raises(CopyRefused, match=r"already holds data \(\d+ rows in .*--replace") as info:
        await _copy(db_url, other_db_url)
    assert info.value.reason == "not-empty"
    assert await every_row(other_db_url) == before

    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM poll_votes WHERE user_id = 43"))
    finally:
        await engine.dispose()
    done = await _copy(db_url, other_db_url, replace=True)
    assert done.replaced_rows == sum(len(rows) for rows in before.values())
    assert await every_row(other_db_url) == await every_row(db_url)


async def _make_inserts_fail(url: str, table: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                await conn.exec_driver_sql(
                    f"CREATE TRIGGER boom BEFORE INSERT ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'boom: refused by a trigger'); END"
                )
            else:
                await conn.exec_driver_sql(
                    "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'boom: refused by a trigger'; END $$"
                )
                await conn.exec_driver_sql(
                    f"CREATE TRIGGER boom BEFORE INSERT ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION boom()"
                )
    finally:
        await engine.dispose()


@pytest.mark.parametrize("replace", [False, True])
async def test_a_failure_on_the_way_leaves_the_target_as_it_was(
    db_url: str, other_db_url: str, replace: bool
) -> None:
    """The last table's rows are refused (by a trigger on the target): every table copied
    before it is rolled back too, leaving an empty target empty and a full one untouched."""
    await seed_every_table(db_url)
    if replace:
        await _copy(db_url, other_db_url)
    else:
        target = create_engine(other_db_url)
        try:
            await migrate.upgrade(target)
        finally:
            await target.dispose()
    before = await every_row(other_db_url)
    last = Base.metadata.sorted_tables[-1].name
    await _make_inserts_fail(other_db_url, last)
    with pytest.raises(CopyFailed, match=f"copying the table {last} failed.*boom: refused"):
        await _copy(db_url, other_db_url, replace=replace)
    assert await every_row(other_db_url) == before
    assert any(before.values()) is replace


async def test_the_source_must_be_at_the_latest_schema(db_url: str, other_db_url: str) -> None:
    source = create_engine(db_url)
    try:
        await migrate.downgrade(source, "0008")
        with pytest.raises(CopyRefused, match="at revision 0008 but this version copies") as info:
            await copy_database(db_url, other_db_url)
        assert info.value.reason == "source-schema"
    finally:
        await migrate.upgrade(source)
        await source.dispose()


async def test_the_same_database_is_refused_however_its_url_is_spelt(db_url: str) -> None:
    spelt = db_url.replace("127.0.0.1", "localhost") if "127.0.0.1" in db_url else db_url
    with pytest.raises(CopyRefused, match="is the configured database itself") as info:
        await copy_database(db_url, spelt)
    assert info.value.reason == "same"


async def test_checksums_see_a_changed_value(db_url: str, other_db_url: str) -> None:
    """The same copy summed again after one value changed on the target: that table's checksum
    differs, the others' do not (the sums are not blind)."""
    await seed_every_table(db_url)
    await _copy(db_url, other_db_url)

    async def sums(url: str) -> dict[str, str]:
        engine: AsyncEngine = create_engine(url)
        try:
            async with engine.connect() as conn:
                found = {}
                for shape in shapes():
                    summed = TableSum(shape.json)
                    async for rows in read_rows(conn, shape, 100):
                        summed.add(rows)
                    found[shape.name] = summed.digest
                return found
        finally:
            await engine.dispose()

    assert await sums(db_url) == await sums(other_db_url)
    engine = create_engine(other_db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE posts SET late = NOT late WHERE id = 2"))
    finally:
        await engine.dispose()
    source, target = await sums(db_url), await sums(other_db_url)
    assert {name for name in source if source[name] != target[name]} == {"posts"}
