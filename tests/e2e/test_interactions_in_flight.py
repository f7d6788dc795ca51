"""Interactions in flight: a shutdown waits for every kind of work, turns new work away in the way
Discord accepts for each kind, unknown buttons get an answer, and slow writes are deferred."""

from __future__ import annotations

import asyncio

from bot.app.launch_bot import RESTARTING
from bot.app.unknown_buttons import NO_LONGER_WORKS
from tests.e2e.calendar_helpers import button_id, launch_id_of, run, table_counts
from tests.e2e.harness import RunningBot, Server
from tests.emulator import Emulator, MessageRecord
from tests.support.write_lock import database_locked

CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
EVENT = "/guilds/{guild_id}/scheduled-events/{event_id}"


async def _remove_prompt(emu: Emulator, server: Server, launch_id: str) -> MessageRecord:
    prompt = await run(emu, server.guild, server.editor, "launch", "remove", launch=launch_id)
    assert prompt.message is not None
    return prompt.message


async def _add(
    emu: Emulator, server: Server, date: str = "Q4 2027", device: str = "Xiaomi 12"
) -> str:
    added = await run(
        emu, server.guild, server.editor, "launch", "add", device=device, brand="Xiaomi",
        date=date,
    )  # fmt: skip
    return launch_id_of(added)


async def test_stop_waits_for_a_button_click_in_flight(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    launch_id = await _add(emu, server)
    await run(
        emu, server.guild, server.editor, "launch", "confirm", launch=launch_id,
        date="2027-12-28 19:30 UTC",
    )  # fmt: skip
    await emu.wait_for_request("POST", "/guilds/{guild_id}/scheduled-events")
    assert len(server.guild.scheduled_events) == 1
    prompt = await _remove_prompt(emu, server, launch_id)
    emu.faults.slow("POST", CALLBACK, 1.0, count=1)
    cursor = emu.request_cursor()
    click = await emu.click_button(prompt, server.editor, button_id(prompt, "Remove it"))
    await emu.wait_for_request("POST", CALLBACK, since=cursor)

    await bot.stop()

    # The click's answer went out, and so did its last step (removing the Discord event),
    # before the gateway and the database were closed.
    assert (await click.wait_response()).content == "Removed Xiaomi 12."
    assert emu.requests_matching("DELETE", EVENT, since=cursor, status=204)
    assert server.guild.scheduled_events == {}
    assert (await table_counts(db_url))["launches"] == 0


async def test_while_stopping_new_work_is_turned_away_as_discord_accepts(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    launch_id = await _add(emu, server)
    prompt = await _remove_prompt(emu, server, launch_id)
    in_flight = bot.bot.in_flight
    async with in_flight.hold("a scheduled job"):
        bot.app.request_stop()
        await in_flight.stopping.wait()

        suggest = await emu.invoke_autocomplete(
            server.guild, server.member, "launch", subcommand="info", focused="launch",
            options={"launch": "Xia"},
        )  # fmt: skip
        suggested = await suggest.wait_response()
        assert suggested.type == 8 and suggested.choices == []

        command = await emu.invoke_slash(server.guild, server.member, "about")
        refused = await command.wait_response()
        assert refused.ephemeral and refused.content == RESTARTING

        click = await emu.click_button(prompt, server.editor, button_id(prompt, "Remove it"))
        refused_click = await click.wait_response()
        assert refused_click.ephemeral and refused_click.content == RESTARTING
        assert not bot.task.done(), "the drain waits for the job"

    await asyncio.wait_for(bot.task, 15)
    assert (await table_counts(db_url))["launches"] == 1
    assert all(not handle.errors for handle in emu.interactions)


async def test_a_click_on_an_unknown_button_is_answered(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    prompt = await _remove_prompt(emu, server, await _add(emu, server))
    button = prompt.components[0]["components"][0]
    for forged in ("lb:gone:12", "lb:rm:1:2", "no-such-button"):
        button["custom_id"] = forged
        click = await emu.click_button(prompt, server.editor, forged)
        answer = await click.wait_response()
        assert answer.ephemeral and answer.content == NO_LONGER_WORKS
    assert (await table_counts(db_url))["launches"] == 1


async def test_a_write_behind_a_busy_database_is_deferred_then_answered(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    async with database_locked(db_url):
        handle = await emu.invoke_slash(
            server.guild, server.editor, "launch", subcommand="add",
            options={"device": "Xiaomi 12", "brand": "Xiaomi", "date": "Q4 2027"},
        )  # fmt: skip
        deferred = await handle.wait_response()
        assert deferred.deferred and not deferred.ephemeral
    answer = await handle.wait_original()
    assert answer.content == "Added **Xiaomi 12**." and not answer.ephemeral
    assert answer.embeds and answer.embeds[0]["title"].startswith("Xiaomi 12")
    assert not handle.errors


async def test_buttons_that_write_behind_a_busy_database_are_deferred_then_answered(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    kept = await _add(emu, server)
    card = await run(emu, server.guild, server.member, "launch", "info", launch=kept)
    assert card.message is not None
    prompt = await _remove_prompt(emu, server, await _add(emu, server, "Q1 2028", "Xiaomi 13"))
    async with database_locked(db_url):
        remind = await emu.click_button(
            card.message, server.member, button_id(card.message, "Remind me")
        )
        remove = await emu.click_button(prompt, server.editor, button_id(prompt, "Remove it"))
        thinking = await remind.wait_response()
        assert thinking.deferred and thinking.ephemeral
        assert (await remove.wait_response()).type == 6  # "the message will be edited"
    reminded = await remind.wait_original()
    assert reminded.ephemeral
    assert reminded.content == "🔔 You'll get reminders for **Xiaomi 12** by DM."
    removed = await remove.wait_original(lambda m: m.content == "Removed Xiaomi 13.")
    assert removed.id == prompt.id and not removed.components
    assert (await table_counts(db_url))["launches"] == 1

    async with database_locked(db_url):
        stop = await emu.click_button(
            reminded, server.member, button_id(reminded, "Stop reminding me")
        )
        assert (await stop.wait_response()).type == 6
    stopped = await stop.wait_original(lambda m: not m.components)
    assert stopped.content is not None and "Xiaomi 12" in stopped.content
    listed = await run(emu, server.guild, server.member, "subscriptions")
    assert "Xiaomi 12" not in str(listed.content) + str(listed.embeds)
    assert not remind.errors and not remove.errors and not stop.errors


async def test_a_deferred_private_answer_stays_private(
    emu: Emulator, server: Server, bot: RunningBot
) -> None:
    async with database_locked(db_url=bot.app.settings.database_url):
        settings = await emu.invoke_slash(
            server.guild, server.manager, "settings", subcommand="set",
            options={"timezone": "Europe/Berlin"},
        )  # fmt: skip
        refused = await emu.invoke_slash(
            server.guild, server.member, "launch", subcommand="add",
            options={"device": "Xiaomi 12", "brand": "Xiaomi"},
        )  # fmt: skip
        deferred_settings = await settings.wait_response()
        deferred_refusal = await refused.wait_response()
        assert deferred_settings.deferred and deferred_settings.ephemeral
        assert deferred_refusal.deferred and not deferred_refusal.ephemeral

    saved = await settings.wait_original()
    assert saved.ephemeral and saved.content == "Settings saved."
    # A refusal after a public "thinking..." message: that message goes, the reason is private.
    reason = await refused.wait_followup()
    assert reason.ephemeral and "permission" in (reason.content or "").lower()
    assert refused.original is not None and refused.original.deleted
    assert not settings.errors and not refused.errors


async def test_the_tests_command_helper_waits_out_a_deferral(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    """``run`` answers with what replaced "thinking...", so tests that use it hold on a machine
    loaded enough for the bot to defer its writes."""
    cursor = emu.request_cursor()
    async with database_locked(db_url):
        added = asyncio.create_task(
            run(emu, server.guild, server.editor, "launch", "add", device="Xiaomi 12",
                brand="Xiaomi", date="Q4 2027")
        )  # fmt: skip
        refused = asyncio.create_task(
            run(emu, server.guild, server.member, "launch", "add", device="Pixel 9",
                brand="Google")
        )  # fmt: skip
        await emu.wait_for_request("POST", CALLBACK, since=cursor, count=2)  # both deferred
    answer = await added
    assert answer.content == "Added **Xiaomi 12**." and not answer.ephemeral
    assert launch_id_of(answer) == "1"
    reason = await refused
    assert reason.ephemeral and "permission" in (reason.content or "").lower()
