"""Who may change what, server isolation, mention safety, paging, and bad input."""

from __future__ import annotations

import pytest

from tests.e2e.calendar_helpers import button_id, launch_id_of, run, seed_launches, table_counts
from tests.e2e.conftest import StartBot
from tests.e2e.harness import RunningBot, Server
from tests.emulator import Emulator, Perm


async def _add(emu: Emulator, server: Server, device: str = "Xiaomi 12", **extra: str) -> str:
    reply = await run(
        emu,
        server.guild,
        server.editor,
        "launch",
        "add",
        device=device,
        brand="Xiaomi",
        date="Q4 2027",
        **extra,
    )
    assert not reply.ephemeral, reply.content
    return launch_id_of(reply)


async def test_member_without_rights_is_refused_and_nothing_changes(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    launch_id = await _add(emu, server)
    before = await table_counts(db_url)
    for sub, options in [
        ("add", {"device": "Pixel 9", "brand": "Google"}),
        ("confirm", {"launch": launch_id, "date": "2027-12-28 19:30 UTC"}),
        ("cancel", {"launch": launch_id}),
        ("remove", {"launch": launch_id}),
        ("import-catalog", {}),
    ]:
        reply = await run(emu, server.guild, server.member, "launch", sub, **options)
        assert reply.ephemeral, sub
        assert reply.content == "Changing launches needs the Manage Events permission.", sub
    # Discord hides /settings from the editor; forced, as if an admin had opened it to them in
    # Server Settings > Integrations, the bot still refuses.
    handle = await emu.invoke_slash(
        server.guild, server.editor, "settings", subcommand="set", options={"timezone": "UTC"},
        force=True,
    )  # fmt: skip
    settings = await handle.wait_response()
    assert settings.ephemeral and "Manage Server" in (settings.content or "")
    assert await table_counts(db_url) == before


async def test_editor_role_grants_editing(emu: Emulator, server: Server, bot: RunningBot) -> None:
    helpers = emu.state.add_role(server.guild, "Helpers")
    helper = emu.state.add_member(server.guild, "helper", roles=[helpers])
    refused = await run(
        emu, server.guild, helper, "launch", "add", device="Pixel 9", brand="Google"
    )
    assert refused.ephemeral
    saved = await run(emu, server.guild, server.manager, "settings", "set", editor_role=helpers)
    assert saved.content == "Settings saved."
    added = await run(emu, server.guild, helper, "launch", "add", device="Pixel 9", brand="Google")
    assert not added.ephemeral and added.embeds[0]["title"] == "Pixel 9"


async def test_forged_ids_from_another_server_are_refused(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    launch_id = await _add(emu, server)
    before = await table_counts(db_url)
    for sub in ("info", "history", "confirm", "cancel", "remove"):
        options = {"launch": launch_id}
        if sub == "confirm":
            options["date"] = "2027-12-28 19:30 UTC"
        reply = await run(emu, server.other, server.outsider, "launch", sub, **options)
        assert (
            reply.ephemeral and reply.content == f"There is no launch #{launch_id} in this server."
        )

    own = await run(
        emu, server.other, server.outsider, "launch", "add", device="Mate 50", brand="Huawei"
    )
    own_id = launch_id_of(own)
    prompt = await run(emu, server.other, server.outsider, "launch", "remove", launch=own_id)
    assert prompt.message is not None
    real_id = button_id(prompt.message, "Remove it")
    forged = f"lb:rm:{server.guild.id}:{launch_id}:{server.outsider.user.id}"
    prompt.message.components[0]["components"][0]["custom_id"] = forged
    click = await emu.click_button(prompt.message, server.outsider, forged)
    answer = await click.wait_response()
    assert answer.ephemeral and "someone else's request" in (answer.content or "")
    assert real_id != forged
    assert (await table_counts(db_url))["launches"] == before["launches"] + 1


async def test_remove_asks_first_and_only_the_asker_can_confirm(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    launch_id = await _add(emu, server)
    prompt = await run(emu, server.guild, server.editor, "launch", "remove", launch=launch_id)
    assert prompt.ephemeral and "cannot be undone" in (prompt.content or "")
    assert (await table_counts(db_url))["launches"] == 1
    assert prompt.message is not None
    custom_id = button_id(prompt.message, "Remove it")
    stranger = await emu.click_button(prompt.message, server.manager, custom_id)
    assert "someone else's request" in ((await stranger.wait_response()).content or "")
    click = await emu.click_button(prompt.message, server.editor, custom_id)
    done = await click.wait_response()
    assert done.content == "Removed Xiaomi 12."
    assert (await table_counts(db_url))["launches"] == 0


async def test_the_remove_prompt_works_after_a_restart(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    first = await launch_bot()
    launch_id = await _add(emu, server)
    prompt = await run(emu, server.guild, server.editor, "launch", "remove", launch=launch_id)
    assert prompt.message is not None and "cannot be undone" in (prompt.content or "")
    await first.stop()
    await launch_bot()
    custom_id = button_id(prompt.message, "Remove it")
    done = await (await emu.click_button(prompt.message, server.editor, custom_id)).wait_response()
    assert done.content == "Removed Xiaomi 12."
    assert (await table_counts(db_url))["launches"] == 0
    shown = [m.content for m in emu.channel_messages(server.general)]
    assert "editor removed **Xiaomi 12** and its claims from the calendar." in shown


async def test_mention_laden_names_never_ping(
    emu: Emulator, server: Server, bot: RunningBot
) -> None:
    await run(
        emu, server.guild, server.manager, "settings", "set", announce_channel=server.announcements
    )
    nasty = f"@everyone <@&{server.pings.id}> <@{server.member.user.id}> Phone"
    added = await run(
        emu,
        server.guild,
        server.editor,
        "launch",
        "add",
        device=nasty[:100],
        brand="@here Brand",
        date="Q4 2027",
    )
    assert added.message is not None and added.message.pings.nobody
    assert added.message.allowed_mentions == {"parse": []}
    launch_id = launch_id_of(added)
    confirmed = await run(
        emu,
        server.guild,
        server.editor,
        "launch",
        "confirm",
        launch=launch_id,
        date="2027-11-30 12:00 UTC",
    )
    assert confirmed.message is not None and confirmed.message.pings.nobody
    notice = await emu.wait_for_message(channel=server.announcements)
    assert notice.pings.nobody and notice.allowed_mentions == {"parse": []}
    # defence in depth: besides allowed_mentions, the name's mentions are defused in the text
    assert "@\u200beveryone" in notice.content
    assert f"<@&{server.pings.id}>" not in notice.content
    assert f"<@{server.member.user.id}>" not in notice.content
    info = await run(emu, server.guild, server.member, "launch", "info", launch=launch_id)
    assert info.message is not None and info.message.pings.nobody


async def test_upcoming_pages_through_2000_launches(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    await seed_launches(db_url, server.guild.id, 2000)
    first = await run(emu, server.guild, server.member, "launch", "upcoming")
    assert first.message is not None
    assert first.embeds[0]["footer"]["text"].startswith("Page 1 · more than 1,000 launches")
    assert "Phone 0000" in first.embeds[0]["description"]
    message = first.message
    nxt = await emu.click_button(message, server.member, button_id(message, "Next"))
    second = await nxt.wait_response()
    assert second.embeds[0]["footer"]["text"].startswith("Page 2 ·")
    assert "Phone 0010" in second.embeds[0]["description"]
    assert "Phone 0009" not in second.embeds[0]["description"]
    last = await emu.click_button(message, server.member, button_id(message, "Last"))
    final = await last.wait_response()
    assert final.embeds[0]["footer"]["text"].startswith("Last page · more than 1,000")
    assert "Phone 1999" in final.embeds[0]["description"]
    assert "Phone 1990" in final.embeds[0]["description"]
    back = await emu.click_button(message, server.member, button_id(message, "Previous"))
    before_last = (await back.wait_response()).embeds[0]
    assert "Phone 1989" in before_last["description"]
    assert "Phone 1990" not in before_last["description"]
    filtered = await run(emu, server.guild, server.member, "launch", "upcoming", within="7d")
    assert filtered.embeds[0]["footer"]["text"].startswith("Page 1 of 1 · 7 launches")


async def test_upcoming_pages_line_up_when_the_count_is_exact(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    await seed_launches(db_url, server.guild.id, 25)
    first = await run(emu, server.guild, server.member, "launch", "upcoming")
    assert first.message is not None
    message = first.message
    assert first.embeds[0]["footer"]["text"].startswith("Page 1 of 3 · 25 launches")
    last = await (
        await emu.click_button(message, server.member, button_id(message, "Last"))
    ).wait_response()
    assert last.embeds[0]["footer"]["text"].startswith("Page 3 of 3")
    assert last.embeds[0]["description"].count("`#") == 5
    assert "Phone 0020" in last.embeds[0]["description"]
    back = await (
        await emu.click_button(message, server.member, button_id(message, "Previous"))
    ).wait_response()
    assert back.embeds[0]["footer"]["text"].startswith("Page 2 of 3")
    assert "Phone 0010" in back.embeds[0]["description"]
    assert "Phone 0019" in back.embeds[0]["description"]
    start = await (
        await emu.click_button(message, server.member, button_id(message, "First"))
    ).wait_response()
    assert start.embeds[0]["footer"]["text"].startswith("Page 1 of 3")
    assert "Phone 0000" in start.embeds[0]["description"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"date": "31 February 2027"}, "February"),
        ({"date": "01/02/2027"}, "ambiguous"),
        ({"date": "sometime soon"}, "2021-12-28 19:30 Asia/Shanghai"),
        ({"date": "28 December 2027 19:30", "timezone": "CST"}, "IANA"),
        ({"date": "Q1 2027", "timezone": "Mars/Olympus"}, "zone"),
        ({"livestream_url": "javascript:alert(1)"}, "http:// or https://"),
        ({"source_url": "ftp://leaks.example/x", "date": "Q1 2027"}, "http:// or https://"),
        ({"device": "x" * 100, "partner": "p" * 101}, "limit is 100"),
        ({"source_url": "https://leaks.example/a"}, "give the date too"),
        ({"livestream_url": "http://[::1"}, "http:// or https://"),
    ],
)
async def test_bad_input_gets_a_clear_private_answer_and_changes_nothing(
    emu: Emulator,
    server: Server,
    bot: RunningBot,
    db_url: str,
    options: dict[str, str],
    expected: str,
) -> None:
    before = await table_counts(db_url)
    fields = {"device": "Pixel 9", "brand": "Google", **options}
    reply = await run(emu, server.guild, server.editor, "launch", "add", **fields)
    assert reply.ephemeral and expected in (reply.content or ""), reply.content
    assert "Traceback" not in (reply.content or "")
    assert await table_counts(db_url) == before


async def test_settings_refuse_bad_values_with_examples(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    hidden = emu.state.add_channel(
        server.guild,
        "mods-only",
        overwrites={emu.state.bot_member(server.guild): (0, Perm.SEND_MESSAGES)},
    )
    cases = [
        ({"timezone": "CEST"}, "Europe/Berlin"),
        ({"reminder_offsets": "7x"}, '"1w, 1d, 1h"'),
        ({"digest_time": "25:00"}, "HH:MM"),
        ({"announce_channel": hidden}, "Send Messages"),
        ({"ping_role": server.guild.everyone}, "everyone can't be the ping role"),
    ]
    for options, expected in cases:
        reply = await run(emu, server.guild, server.manager, "settings", "set", **options)
        assert reply.ephemeral and expected in (reply.content or ""), reply.content
    assert (await table_counts(db_url))["guild_settings"] == 0
    shown = await run(emu, server.guild, server.manager, "settings", "show")
    assert shown.ephemeral and shown.embeds[0]["title"] == "Server settings"


@pytest.mark.parametrize(
    "value", ["2147483648", "99999999999999999999", "-1", "abc", "\uff11\uff12", ""]
)
async def test_launch_values_that_cannot_be_ids_are_refused(
    emu: Emulator, server: Server, bot: RunningBot, value: str
) -> None:
    reply = await run(emu, server.guild, server.member, "launch", "info", launch=value)
    assert reply.ephemeral
    assert reply.content == "Pick a launch from the suggestions (or type its number, like 12)."
