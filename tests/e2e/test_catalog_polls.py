"""The bundled catalog's resolved questions: imported twice into a server, each is there once,
resolved as history went, with no votes, no message and no close; /launch info shows them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from bot.db.engine import create_engine
from bot.db.models import Device, Launch, Poll, PollVote, Post
from tests.e2e.calendar_helpers import run
from tests.e2e.harness import RunningBot, Server
from tests.emulator import Emulator

XIAOMI_12 = "Will the Leica collaboration appear on the Xiaomi 12 / 12 Pro / 12X?"
ULTRA = "Will the Leica collaboration appear on the Xiaomi 12 Ultra / 12S Ultra?"
MATE_50 = "Will the Leica collaboration appear on the Huawei Mate 50?"
RESOLVED = {
    "Xiaomi 12": (XIAOMI_12, 0b10, datetime(2021, 12, 28, 11, 30, tzinfo=UTC), "gadgets360.com"),
    "Xiaomi 12S Ultra": (ULTRA, 0b01, datetime(2022, 7, 4, 11, tzinfo=UTC), "xda-developers.com"),
    "Huawei Mate 50": (MATE_50, 0b10, datetime(2022, 9, 6, 6, 30, tzinfo=UTC), "huaweicentral.com"),
}


async def _import(emu: Emulator, server: Server) -> str:
    handle = await emu.invoke_slash(
        server.guild, server.editor, "launch", subcommand="import-catalog"
    )
    await handle.wait_response()
    return str((await handle.wait_followup()).content)


async def _seeded(db_url: str) -> dict[str, Any]:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(Device.name, Poll, Launch.id.label("launch"))
                .join(Launch, Launch.id == Poll.launch_id)
                .join(Device, Device.id == Launch.device_id)
            )
            votes = await conn.scalar(select(func.count()).select_from(PollVote))
            closes = await conn.scalar(
                select(func.count()).select_from(Post).where(Post.subject.like("poll:%"))
            )
            return {"polls": list(rows), "votes": votes, "closes": closes}
    finally:
        await engine.dispose()


async def test_the_bundled_catalogs_questions_arrive_once_resolved_as_history_went(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    first = await _import(emu, server)
    assert "4 launches added" in first and "3 resolved questions added" in first
    again = await _import(emu, server)
    assert "0 launches added, 0 updated, 4 unchanged" in again and "question" not in again

    found = await _seeded(db_url)
    assert (found["votes"], found["closes"]) == (0, 0)
    by_device = {row.name: row for row in found["polls"]}
    assert sorted(by_device) == sorted(RESOLVED) and len(found["polls"]) == 3
    for device, (question, outcome, resolved, evidence) in RESOLVED.items():
        row = by_device[device]
        assert (row.question, list(row.answers), row.outcome) == (question, ["Yes", "No"], outcome)
        assert str(getattr(row.state, "value", row.state)) == "resolved"
        assert row.resolved_at.astimezone(UTC) == resolved
        assert row.closed_at.astimezone(UTC) == resolved
        assert evidence in row.evidence_url
        assert (row.native, row.channel_id, row.message_id, row.resolved_by) == (
            False, None, None, None,
        )  # fmt: skip
    assert not any(m.poll or _is_poll_card(m.embeds) for m in emu.messages)

    for device, shown in (("Xiaomi 12S Ultra", "→ **Yes**"), ("Huawei Mate 50", "→ **No**")):
        info = await run(
            emu, server.guild, server.member, "launch", "info", launch=str(by_device[device].launch)
        )
        polls = [f["value"] for f in info.embeds[0]["fields"] if f["name"] == "Polls"]
        assert len(polls) == 1 and shown in polls[0], polls
        assert f"#{by_device[device].id} " in polls[0]
        assert RESOLVED[device][3] in polls[0]
        assert f"<t:{int(RESOLVED[device][2].timestamp())}:D>" in polls[0]


def _is_poll_card(embeds: list[dict[str, Any]]) -> bool:
    return any(str(e.get("title", "")).startswith("📊 Poll") for e in embeds)
