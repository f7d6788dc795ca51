"""Discord's conventions for who sees what: the permissions and contexts the commands are synced
with, which replies the channel sees, zone options on every date, and the teased status."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.engine import create_engine
from bot.db.models import AuditEntry, Claim, Launch
from bot.domain.vocabulary import LaunchStatus, SourceKind
from tests.e2e.calendar_helpers import button_id, launch_id_of, run
from tests.e2e.harness import RunningBot, Server
from tests.emulator import Emulator, Perm

GUILD_ONLY, GUILD_OR_BOT_DM, GUILD_INSTALL = [0], [0, 1], [0]


def _synced(emu: Emulator) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in emu.commands()}


def _subcommands(command: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {o["name"]: o.get("options", []) for o in command.get("options", []) if o["type"] == 1}


async def _rows(db_url: str, statement: Any) -> list[Any]:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(statement)).all())
    finally:
        await engine.dispose()


async def test_commands_are_synced_with_who_may_see_them_and_where(
    emu: Emulator, server: Server, bot: RunningBot
) -> None:
    synced = _synced(emu)
    for name in ("launch", "rumor", "settings"):
        assert synced[name]["contexts"] == GUILD_ONLY, name
        assert synced[name]["integration_types"] == GUILD_INSTALL, name
    assert synced["settings"]["default_member_permissions"] == str(int(Perm.MANAGE_GUILD))
    # Readers' and editors' subcommands share /launch, so every member sees it.
    assert synced["launch"]["default_member_permissions"] is None
    assert synced["rumor"]["default_member_permissions"] is None
    assert synced["about"]["contexts"] == GUILD_OR_BOT_DM
    assert synced["about"]["integration_types"] == GUILD_INSTALL

    # What members' Discord clients offer follows from that.
    with pytest.raises(PermissionError):
        await emu.invoke_slash(server.guild, server.member, "settings", subcommand="show")
    with pytest.raises(PermissionError):
        await emu.invoke_slash(None, server.member.user, "launch", subcommand="upcoming")
    with pytest.raises(PermissionError):
        await emu.invoke_slash(None, server.member.user, "rumor", subcommand="adopt",
                               options={"launch": "1", "claim": "1"})  # fmt: skip
    shown = await run(emu, server.guild, server.manager, "settings", "show")
    assert shown.ephemeral and shown.embeds[0]["title"] == "Server settings"
    in_dm = await (await emu.invoke_slash(None, server.member.user, "about")).wait_response()
    assert in_dm.ephemeral and in_dm.embeds[0]["title"] == "launchbot"


async def test_every_date_option_has_a_timezone_option_with_suggestions(
    emu: Emulator, server: Server, bot: RunningBot
) -> None:
    synced = _synced(emu)
    with_dates = []
    for command in ("launch", "rumor"):
        for sub, options in _subcommands(synced[command]).items():
            by_name = {o["name"]: o for o in options}
            if "date" in by_name:
                with_dates.append(f"{command} {sub}")
                assert by_name.get("timezone", {}).get("autocomplete") is True, (command, sub)
    assert sorted(with_dates) == [
        "launch add", "launch confirm", "launch edit", "launch launched", "launch postpone",
        "launch tease", "rumor add",
    ]  # fmt: skip
    settings = {o["name"]: o for o in _subcommands(synced["settings"])["set"]}
    assert settings["timezone"]["autocomplete"] is True


async def _zone_choices(
    emu: Emulator, server: Server, typed: str, command: str = "launch", sub: str = "add"
) -> list[dict[str, Any]]:
    options: dict[str, Any] = {"timezone": typed}
    handle = await emu.invoke_autocomplete(
        server.guild, server.editor, command, subcommand=sub, focused="timezone", options=options
    )
    return (await handle.wait_response()).choices


async def test_zone_suggestions_find_cities_countries_and_common_names_with_offsets(
    emu: Emulator, server: Server, bot: RunningBot
) -> None:
    expected = {
        "Beijing": ("Asia/Shanghai", {"UTC+08:00"}),
        "Shenzhen": ("Asia/Shanghai", {"UTC+08:00"}),
        "India": ("Asia/Kolkata", {"UTC+05:30"}),
        "mumbai": ("Asia/Kolkata", {"UTC+05:30"}),
        "New York": ("America/New_York", {"UTC-05:00", "UTC-04:00"}),
        "Pacific Time": ("America/Los_Angeles", {"UTC-08:00", "UTC-07:00"}),
        "utc+8": ("UTC+08:00", {"UTC+08:00"}),
    }
    for typed, (zone, offsets) in expected.items():
        choices = await _zone_choices(emu, server, typed)
        assert choices, typed
        first = choices[0]
        assert first["value"] == zone, (typed, choices[:3])
        assert any(offset in first["name"] for offset in offsets), first
    shenzhen = (await _zone_choices(emu, server, "Shenzhen"))[0]["name"]
    assert "China" in shenzhen and "Shenzhen" in shenzhen

    # Before anything is typed: the zones most servers need, within Discord's limits.
    popular = await _zone_choices(emu, server, "")
    assert len(popular) == 25 and popular[0]["value"] == "UTC"
    assert {"Asia/Shanghai", "Asia/Kolkata"} <= {c["value"] for c in popular}
    many = await _zone_choices(emu, server, "a")
    assert len(many) == 25 and all(len(c["name"]) <= 100 for c in many)
    # The same suggestions on the commands that lacked the option.
    for command, sub in (("launch", "postpone"), ("launch", "launched"), ("rumor", "add")):
        options = {"timezone": "Beijing"}
        if command == "rumor":
            options.update(launch="1")
        handle = await emu.invoke_autocomplete(
            server.guild, server.editor, command, subcommand=sub, focused="timezone",
            options=options,
        )  # fmt: skip
        assert (await handle.wait_response()).choices[0]["value"] == "Asia/Shanghai", sub


async def test_postpone_launched_and_rumours_read_their_date_in_the_timezone_option(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    guild, editor = server.guild, server.editor
    first = launch_id_of(
        await run(emu, guild, editor, "launch", "add", device="Xiaomi 12", brand="Xiaomi")
    )
    second = launch_id_of(
        await run(emu, guild, editor, "launch", "add", device="Mate 50", brand="Huawei")
    )
    rumour = await run(
        emu, guild, server.member, "rumor", "add", launch=first, about="date",
        source_kind="leaker", date="2027-12-28 19:30", timezone="Asia/Kolkata",
    )  # fmt: skip
    assert not rumour.ephemeral, rumour.content
    postponed = await run(
        emu, guild, editor, "launch", "postpone", launch=first, date="2028-01-15 20:00",
        timezone="Asia/Shanghai",
    )  # fmt: skip
    assert not postponed.ephemeral, postponed.content
    launched = await run(
        emu, guild, editor, "launch", "launched", launch=second, date="2021-12-28 19:30",
        timezone="Asia/Shanghai",
    )  # fmt: skip
    assert not launched.ephemeral, launched.content

    starts = dict(await _rows(db_url, select(Launch.id, Launch.window_start)))
    assert starts[int(first)] == datetime(2028, 1, 15, 12, 0, tzinfo=UTC)
    assert starts[int(second)] == datetime(2021, 12, 28, 11, 30, tzinfo=UTC)
    claims = await _rows(db_url, select(Claim.source_kind, Claim.window_start))
    assert (SourceKind.LEAKER, datetime(2027, 12, 28, 14, 0, tzinfo=UTC)) in claims


async def test_tease_sets_the_teased_status_with_notice_audit_and_official_claim(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    guild, editor = server.guild, server.editor
    await run(emu, guild, server.manager, "settings", "set", announce_channel=server.announcements)
    added = await run(
        emu, guild, editor, "launch", "add", device="Xiaomi 12", brand="Xiaomi", date="Q4 2027"
    )
    launch = launch_id_of(added)
    refused = await run(emu, guild, server.member, "launch", "tease", launch=launch)
    assert refused.ephemeral and "Manage Events" in (refused.content or "")

    teased = await run(
        emu, guild, editor, "launch", "tease", launch=launch, date="28 December 2027",
        timezone="Asia/Shanghai", source_url="https://weibo.com/xiaomi/teaser",
    )  # fmt: skip
    assert not teased.ephemeral and teased.content == "Teased: **Xiaomi 12**."
    assert "Teased" in str(teased.embeds[0])
    notice = await emu.wait_for_message(channel=server.announcements)
    assert notice.content.startswith(
        "**Xiaomi 12**: Q4 2027 (rumored) → 28 Dec 2027 (teased, Xiaomi)"
    ), notice.content

    (status,) = (await _rows(db_url, select(Launch.status)))[0]
    assert status is LaunchStatus.TEASED
    actions = [a for (a,) in await _rows(db_url, select(AuditEntry.action))]
    assert "teased" in actions
    claims = await _rows(db_url, select(Claim.source_kind, Claim.author, Claim.timezone))
    assert (SourceKind.OFFICIAL, "Xiaomi", "Asia/Shanghai") in claims

    # TRANSITIONS: a confirmed launch is not teased again.
    await run(emu, guild, editor, "launch", "confirm", launch=launch, date="2027-12-28 19:30")
    again = await run(emu, guild, editor, "launch", "tease", launch=launch)
    assert again.ephemeral and "cannot become teased" in (again.content or "")


async def test_calendar_changes_are_public_and_personal_replies_ephemeral(
    emu: Emulator, server: Server, bot: RunningBot
) -> None:
    guild, editor, member = server.guild, server.editor, server.member
    added = await run(emu, guild, editor, "launch", "add", device="Pixel 9", brand="Google")
    assert not added.ephemeral
    launch = launch_id_of(added)
    for sub, options in [
        ("edit", {"partner": "Leica"}),
        ("tease", {}),
        ("confirm", {"date": "2027-12-28 19:30 UTC"}),
        ("postpone", {"date": "2028"}),
        ("cancel", {}),
    ]:
        reply = await run(emu, guild, editor, "launch", sub, launch=launch, **options)
        assert not reply.ephemeral, (sub, reply.content)
    rumour = await run(
        emu, guild, member, "rumor", "add", launch=launch, about="date", source_kind="leaker",
        date="Q3 2028",
    )  # fmt: skip
    assert not rumour.ephemeral
    error = await run(emu, guild, editor, "launch", "confirm", launch=launch, date="31 Feb 2028")
    assert error.ephemeral

    # Removing: the question is the editor's alone, the outcome the channel's.
    prompt = await run(emu, guild, editor, "launch", "remove", launch=launch)
    assert prompt.ephemeral and prompt.message is not None
    click = await emu.click_button(prompt.message, editor, button_id(prompt.message, "Remove it"))
    done = await click.wait_response()
    assert done.content == "Removed Pixel 9."
    public = await click.wait_followup()
    assert not public.ephemeral
    expected = "editor removed **Pixel 9** and its claims from the calendar."
    assert public.content == expected
    assert public.pings.users == set()

    # Importing the bundled catalog: progress and errors for the editor, the outcome public.
    handle = await emu.invoke_slash(guild, editor, "launch", subcommand="import-catalog")
    assert (await handle.wait_response()).ephemeral
    mine = await handle.wait_followup()
    assert mine.ephemeral and mine.content.startswith("Imported the bundled catalog: 4 launches")
    announced = await handle.wait_followup(count=2)
    assert not announced.ephemeral
    assert announced.content.startswith("editor imported the bundled catalog: 4")
