"""Hostile text through every user-text field, then every message the bot sent, read back.

Each hostile value (a masked link, mentions, headings, emphasis, code, quotes, spoilers, lists)
goes into every field a command accepts, one launch per value, rotated so that each field
carries each value once, and into a member's nickname and a catalog's aliases. The launches then
go through every command that shows them, and every message, edit and embed the emulator
recorded, and every scheduled event sent, is checked: no live masked link, mention or markdown
anywhere, every message sent with no pings allowed, and every value visible as it was typed.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.domain.catalog import parse_catalog
from bot.domain.records import Actor
from bot.services.catalog_import import import_catalog
from tests.e2e.calendar_helpers import button_id, launch_id_of, run
from tests.e2e.harness import TOKEN, RunningBot, Server
from tests.emulator import CallbackRecord, Emulator
from tests.support.discord_text import live, live_syntax, message_texts, visible

EVENTS = "/guilds/{guild_id}/scheduled-events"
NICK = "**[Nitro](https://evil.example)**"
FIELDS = (
    "device",
    "brand",
    "region",
    "partner",
    "note",
    "add_author",
    "feature",
    "rumor_author",
    "statement",
    "date_author",
    "confirm_author",
    "postpone_author",
)


def hostile_values(server: Server) -> list[str]:
    return [
        "[Free Nitro](https://evil.example/gift)",
        "[a](https://x.example) [b](https://y.example)",
        "@everyone",
        "<@123>",
        "<@&456>",
        f"<@{server.member.user.id}>",
        f"<@&{server.pings.id}>",
        "# Heading",
        "**bold**",
        "`code`",
        "> quote",
        "||spoiler||",
        "-# small",
        "1. listed",
    ]


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """Discord's pace for channel messages would make the many change notices slow, not wrong."""
    async with Emulator(TOKEN, message_rate_limit=(1000, 1.0)) as emulator:
        yield emulator


@contextlib.asynccontextmanager
async def _notice_posted(emu: Emulator, server: Server) -> AsyncIterator[None]:
    """Waits for the change notice the command inside posts (after its reply)."""
    since = len(emu.messages)
    yield
    await emu.wait_for_message(channel=server.announcements, since=since)


def _texts(reply: CallbackRecord) -> list[str]:
    return [text for _, text in message_texts(reply.content, reply.embeds)]


async def _walk_one_launch(
    emu: Emulator, server: Server, values: dict[str, str], day: int
) -> tuple[str, list[str]]:
    """Every command that writes or shows the launch; returns its id and the replies' texts."""
    guild, editor, member = server.guild, server.editor, server.member
    nick = server.guild.member_named("nick")
    added = await run(
        emu, guild, editor, "launch", "add",
        device=values["device"], brand=values["brand"], region=values["region"],
        date="Q4 2027", source_url="https://leaks.example/a", author=values["add_author"],
        partner=values["partner"],
    )  # fmt: skip
    launch = launch_id_of(added)
    await run(emu, guild, nick, "launch", "edit", launch=launch, note=values["note"])
    await run(
        emu, guild, member, "rumor", "add",
        launch=launch, about="feature", feature=values["feature"], source_kind="media",
        author=values["rumor_author"], statement=values["statement"],
        source_url="https://leaks.example/b",
    )  # fmt: skip
    dated = await run(
        emu, guild, member, "rumor", "add",
        launch=launch, about="date", date="Q3 2027", source_kind="leaker",
        author=values["date_author"],
    )  # fmt: skip
    claim = (dated.content or "").split("#")[1].split()[0]
    events = emu.request_cursor()
    async with _notice_posted(emu, server):
        await run(
            emu, guild, nick, "launch", "confirm",
            launch=launch, date=f"2027-12-{day:02d} 19:30 UTC", author=values["confirm_author"],
            source_url="https://brand.example/launch",
        )  # fmt: skip
    await emu.wait_for_request("POST", EVENTS, since=events)
    async with _notice_posted(emu, server):
        await run(
            emu, guild, editor, "launch", "postpone",
            launch=launch, date="Q1 2028", author=values["postpone_author"],
            source_url="https://leaks.example/c",
        )  # fmt: skip
    async with _notice_posted(emu, server):
        await run(emu, guild, editor, "rumor", "adopt", launch=launch, claim=claim)
    same = {"device": values["device"], "brand": values["brand"], "region": values["region"]}
    shown = [
        await run(emu, guild, member, "launch", "info", launch=launch),
        await run(emu, guild, member, "launch", "history", launch=launch),
        await run(emu, guild, member, "launch", "upcoming", brand=values["brand"]),
        # refusals that quote stored names: the same launch again, the device under another brand
        await run(emu, guild, editor, "launch", "add", **same),
        await run(emu, guild, editor, "launch", "add", device=values["device"], brand="Other"),
    ]
    return launch, [text for reply in shown for text in _texts(reply)]


async def _aliases_shown(emu: Emulator, server: Server, bot: RunningBot, hostile: list[str]) -> str:
    """Aliases come only from a catalog file (the command line's import): one with them all
    (each value made distinct from the device names it would otherwise clash with)."""
    aliases = [f"{value} aka" for value in hostile]
    entry = {"device": "Alias Phone", "brand": "Alias", "aliases": aliases, "date": "Q2 2027"}
    entries = parse_catalog({"format": 1, "launch": [entry]})
    calendar = bot.bot.runtime.calendar
    await import_catalog(calendar, server.guild.id, Actor.cli(), entries)
    (found,) = await calendar.search(server.guild.id, "Alias Phone", limit=1)
    info = await run(emu, server.guild, server.member, "launch", "info", launch=str(found.id))
    assert all(alias in visible("\n".join(_texts(info))) for alias in aliases)
    return str(found.id)


async def _remove(emu: Emulator, server: Server, launch: str) -> None:
    prompt = await run(emu, server.guild, server.editor, "launch", "remove", launch=launch)
    assert prompt.message is not None
    click = await emu.click_button(
        prompt.message, server.editor, button_id(prompt.message, "Remove it")
    )
    assert (await click.wait_response()).content


def _everything_sent(emu: Emulator) -> list[tuple[str, str]]:
    """(where, text) for every text the bot put in a message, an edit or a scheduled event."""
    found: list[tuple[str, str]] = []
    for message in emu.messages:
        versions: list[dict[str, Any]] = [
            *message.history,
            {"content": message.content, "embeds": message.embeds},
        ]
        for n, version in enumerate(versions):
            for part, text in message_texts(version.get("content"), version.get("embeds") or []):
                found.append((f"message {message.id} version {n} {part}", text))
    for request in emu.requests:
        if request.route.startswith(EVENTS) and request.json:
            for key in ("description", "name"):
                if request.json.get(key):
                    found.append((f"{request.method} event {key}", request.json[key]))
    return found


async def test_hostile_text_in_every_field_shows_as_typed_and_nothing_live(
    emu: Emulator, server: Server, bot: RunningBot
) -> None:
    emu.state.add_member(server.guild, "nick", roles=[server.editors], nick=NICK)
    await run(
        emu, server.guild, server.manager, "settings", "set", announce_channel=server.announcements
    )
    hostile = hostile_values(server)
    launches: list[str] = []
    for i in range(len(hostile)):
        values = {field: hostile[(i + n) % len(hostile)] for n, field in enumerate(FIELDS)}
        earlier = len(emu.channel_messages(server.announcements))
        launch, texts = await _walk_one_launch(emu, server, values, day=10 + i)
        notices = [m.content for m in emu.channel_messages(server.announcements)[earlier:]]
        assert len(notices) == 3  # confirmed, postponed, a claimed date adopted
        seen = visible("\n".join([*texts, *notices]))
        missing = [f for f in FIELDS if values[f] not in seen and f != "statement"]
        assert missing == [], f"launch {i}: not shown as typed: {missing}"
        assert NICK in seen
        launches.append(launch)
    launches.append(await _aliases_shown(emu, server, bot, hostile))
    await run(emu, server.guild, server.member, "launch", "upcoming")
    await run(emu, server.guild, server.manager, "settings", "show")
    await run(emu, server.guild, server.member, "about")
    for launch in launches:
        await _remove(emu, server, launch)

    sent = _everything_sent(emu)
    event_names = [text for where, text in sent if where.endswith("event name")]
    assert len(event_names) >= len(hostile)
    assert not any("\\" in name for name in event_names)  # plain text there: never escaped
    bot_made = frozenset({f"<#{server.announcements.id}>"})
    problems = [
        (where, text, payload)
        for where, text in sent
        if not where.endswith("event name")
        for payload in (*hostile, NICK)
        if live(text, payload)
    ]
    problems += [
        (where, text, found)
        for where, text in sent
        if not where.endswith("event name")
        for found in live_syntax(text, bot_made)
    ]
    assert problems == []
    for message in emu.messages:
        assert message.allowed_mentions == {"parse": []}, message.id
        assert message.pings.nobody, message.id
