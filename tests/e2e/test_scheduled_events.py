"""Confirmed launches with an exact time mirrored as Guild Scheduled Events."""

from __future__ import annotations

from tests.e2e.calendar_helpers import (
    answer_of,
    further_followups,
    launch_id_of,
    run,
    wait_further_followup,
)
from tests.e2e.harness import RunningBot, Server
from tests.emulator import Emulator, InteractionHandle, Perm

EVENTS = "/guilds/{guild_id}/scheduled-events"
EVENT = "/guilds/{guild_id}/scheduled-events/{event_id}"


async def _confirmed(emu: Emulator, server: Server, device: str) -> tuple[str, InteractionHandle]:
    added = await run(
        emu,
        server.guild,
        server.editor,
        "launch",
        "add",
        device=device,
        brand="Xiaomi",
        date="Q4 2027",
    )
    launch_id = launch_id_of(added)
    options = {"launch": launch_id, "date": "2027-12-28 19:30 UTC"}
    handle = await emu.invoke_slash(
        server.guild, server.editor, "launch", subcommand="confirm", options=options
    )
    await answer_of(handle)
    return launch_id, handle


async def test_edits_and_cancellation_are_mirrored(
    emu: Emulator, server: Server, bot: RunningBot
) -> None:
    launch_id, _ = await _confirmed(emu, server, "Xiaomi 12")
    created = await emu.wait_for_request("POST", EVENTS)
    assert created.json["name"] == "Xiaomi 12" and created.json["entity_type"] == 3
    await run(
        emu,
        server.guild,
        server.editor,
        "launch",
        "edit",
        launch=launch_id,
        date="2027-12-29 20:00 UTC",
        livestream_url="https://live.example/x12",
    )
    edited = await emu.wait_for_request("PATCH", EVENT)
    assert edited.json["scheduled_start_time"].startswith("2027-12-29T20:00:00")
    assert edited.json["entity_metadata"] == {"location": "https://live.example/x12"}
    await run(emu, server.guild, server.editor, "launch", "cancel", launch=launch_id)
    await emu.wait_for_request("DELETE", EVENT)
    assert server.guild.scheduled_events == {}


async def test_switched_off_per_server(emu: Emulator, server: Server, bot: RunningBot) -> None:
    await run(emu, server.guild, server.manager, "settings", "set", scheduled_events=False)
    await _confirmed(emu, server, "Xiaomi 12")
    assert emu.requests_matching("POST", EVENTS) == []


async def test_missing_permission_is_said_once_and_work_goes_on(
    emu: Emulator, server: Server, bot: RunningBot
) -> None:
    bot_member = emu.state.bot_member(server.guild)
    for role_id in bot_member.roles:
        role = server.guild.roles[role_id]
        role.permissions &= ~int(Perm.MANAGE_EVENTS | Perm.CREATE_EVENTS)
    _, first = await _confirmed(emu, server, "Xiaomi 12")
    warning = await wait_further_followup(first)
    assert warning.flags & 64 and "Create Events" in warning.content
    launch_id, second = await _confirmed(emu, server, "Xiaomi 13")
    assert further_followups(second) == []
    info = await run(emu, server.guild, server.member, "launch", "info", launch=launch_id)
    status = {f["name"]: f["value"] for f in info.embeds[0]["fields"]}["Status"]
    assert status == "Confirmed"
