"""The Xiaomi 12 story (moved into the future: Discord only schedules events ahead), run by a
server's editor and read by its members, through Discord."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.e2e.calendar_helpers import choices, run, table_counts
from tests.e2e.harness import RunningBot, Server
from tests.emulator import Emulator

MYDRIVERS = "https://www.mydrivers.com/xiaomi-12"
OFFICIAL = "https://weibo.com/xiaomi/12-launch"


async def test_rumour_then_official_date_with_notice_and_event(
    emu: Emulator, server: Server, bot: RunningBot
) -> None:
    guild, editor, member = server.guild, server.editor, server.member
    saved = await run(
        emu,
        guild,
        server.manager,
        "settings",
        "set",
        announce_channel=server.announcements,
        timezone="Asia/Shanghai",
    )
    assert saved.ephemeral and saved.content == "Settings saved."

    added = await run(
        emu,
        guild,
        editor,
        "launch",
        "add",
        device="Xiaomi 12",
        brand="Xiaomi",
        date="12 December 2027",
        region="China",
        source_url=MYDRIVERS,
        source_kind="media",
        author="MyDrivers",
    )
    assert not added.ephemeral and added.content == "Added **Xiaomi 12 (China)**."
    card = added.embeds[0]
    fields = {f["name"]: f["value"] for f in card["fields"]}
    assert card["title"] == "Xiaomi 12" and fields["Status"] == "Rumored"
    assert fields["Date"] == "12 December 2027 (approximate)"
    assert MYDRIVERS in fields["Latest claims"]

    suggestions = await choices(emu, guild, member, "info", "launch", launch="xiao")
    assert len(suggestions) == 1 and suggestions[0]["name"].startswith("#")
    launch_id = suggestions[0]["value"]

    read = await run(emu, guild, member, "launch", "info", launch=launch_id)
    assert read.embeds[0]["title"] == "Xiaomi 12" and not read.ephemeral

    confirmed = await run(
        emu,
        guild,
        editor,
        "launch",
        "confirm",
        launch=launch_id,
        date="2027-12-28 19:30",
        source_url=OFFICIAL,
    )
    fields = {f["name"]: f["value"] for f in confirmed.embeds[0]["fields"]}
    stamp = int(datetime(2027, 12, 28, 11, 30, tzinfo=UTC).timestamp())
    assert fields["Status"] == "Confirmed"
    assert fields["Date"] == f"<t:{stamp}:F> (<t:{stamp}:R>)"

    notice = await emu.wait_for_message(channel=server.announcements)
    assert notice.content == (
        "**Xiaomi 12**: 12 Dec 2027 (rumored, MyDrivers) → 28 Dec 2027 19:30 (UTC+08:00) "
        f"(confirmed, Xiaomi)\nSource: <{OFFICIAL}>"
    )
    assert notice.pings.nobody

    request = await emu.wait_for_request("POST", "/guilds/{guild_id}/scheduled-events")
    assert request.json["name"] == "Xiaomi 12 (China)"
    assert request.json["entity_type"] == 3
    assert request.json["scheduled_start_time"].startswith("2027-12-28T11:30:00")
    events = list(guild.scheduled_events.values())
    assert len(events) == 1

    history = await run(emu, guild, member, "launch", "history", launch=launch_id)
    timeline = {f["name"]: f["value"] for f in history.embeds[0]["fields"]}
    assert "~~" in timeline["Date claims"] and "Xiaomi (official)" in timeline["Date claims"]
    assert "confirmed" in timeline["Changes"]

    counts = await table_counts(bot.app.settings.database_url)
    assert counts["launches"] == 1 and counts["claims"] == 2
