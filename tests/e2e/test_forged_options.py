"""Option values are user input. A modified client (or a stale command schema) can send any
value for any option: outside the choices, outside min/max, of another type, an id with no
resolved data. Each one gets a clear ephemeral sentence, never an error id, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.calendar_helpers import launch_id_of, run, table_counts
from tests.e2e.harness import RunningBot, Server
from tests.emulator import Emulator

DAY = "28 December 2027"
RUMOR = {"launch": "{launch}", "about": "date", "source_kind": "leaker", "date": DAY}
# (command, subcommand, options, forged options); options in braces are filled in by the test
CASES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    ("launch", "add", {"device": "P", "brand": "B"}, {"status": "hacked"}),
    ("launch", "add", {"device": "P", "brand": "B"}, {"kind": "keynote"}),
    ("launch", "add", {"device": "P", "brand": "B", "date": DAY}, {"source_kind": "oracle"}),
    ("launch", "add", {"device": "P", "brand": "B"}, {"confidence": 1000}),
    ("launch", "add", {"device": "P", "brand": "B"}, {"confidence": -1}),
    ("launch", "add", {"device": "P", "brand": "B"}, {"confidence": "50"}),
    ("launch", "add", {"device": "P", "brand": "B"}, {"confidence": 50.5}),
    ("launch", "add", {"device": "P", "brand": "B"}, {"confidence": True}),
    ("launch", "add", {"device": "P", "brand": "B"}, {"device": ""}),
    ("launch", "add", {"device": "P", "brand": "B"}, {"device": "P" * 101}),
    ("launch", "add", {"device": "P", "brand": "B"}, {"brand": 7}),
    ("launch", "add", {"device": "P", "brand": "B"}, {"region": ["Global"]}),
    ("launch", "edit", {"launch": "{launch}", "note": "Livestream"}, {"clear": "guild"}),
    ("launch", "edit", {"launch": "{launch}"}, {"kind": "keynote"}),
    ("launch", "edit", {"launch": "{launch}"}, {"confidence": 10**20}),
    ("launch", "edit", {"launch": "{launch}"}, {"note": None}),
    ("launch", "confirm", {"launch": "{launch}", "date": DAY}, {"date": 20271228}),
    ("launch", "postpone", {"launch": "{launch}", "date": DAY}, {"source_kind": "oracle"}),
    ("launch", "cancel", {"launch": "{launch}"}, {"launch": 1}),
    ("launch", "launched", {"launch": "{launch}"}, {"date": {"year": 2027}}),
    ("launch", "remove", {"launch": "{launch}"}, {"launch": "\uff11"}),
    ("launch", "info", {"launch": "{launch}"}, {"launch": 99999999999999999999}),
    ("launch", "history", {"launch": "{launch}"}, {"launch": False}),
    ("launch", "upcoming", {}, {"within": "99999999999d"}),
    ("launch", "upcoming", {}, {"within": "-5d"}),
    ("launch", "upcoming", {}, {"status": "hacked"}),
    ("launch", "upcoming", {}, {"brand": 3}),
    ("rumor", "add", RUMOR, {"about": "price"}),
    ("rumor", "add", RUMOR, {"source_kind": "oracle"}),
    ("rumor", "add", RUMOR | {"about": "feature", "feature": "Leica"}, {"present": "maybe"}),
    ("rumor", "add", RUMOR, {"confidence": 101}),
    ("rumor", "adopt", {"launch": "{launch}", "claim": "1"}, {"claim": 1.5}),
    ("poll", "create", {"launch": "{launch}", "closes": DAY}, {"question": "Q" * 301}),
    ("poll", "create", {"launch": "{launch}", "closes": DAY}, {"multiple": "yes"}),
    ("poll", "create", {"launch": "{launch}", "closes": DAY}, {"answers": 5}),
    ("poll", "create", {"launch": "{launch}"}, {"closes": "C" * 201}),
    ("poll", "close", {"poll": "1"}, {"poll": 1.5}),
    ("settings", "set", {"timezone": "Asia/Kolkata"}, {"clear": "guild"}),
    ("settings", "set", {}, {"digest_day": "someday"}),
    ("settings", "set", {}, {"change_notices": "yes"}),
    ("settings", "set", {}, {"scheduled_events": 1}),
    ("settings", "set", {}, {"timezone": 0}),
    ("settings", "set", {}, {"announce_channel": "123456789012345678"}),
    ("settings", "set", {}, {"ping_role": "123456789012345678"}),
    ("settings", "set", {"editor_role": "{other server's role}"}, {}),
    ("settings", "set", {"announce_channel": "{other server's channel}"}, {}),
]


def _label(case: tuple[str, str, dict[str, Any], dict[str, Any]]) -> str:
    command, sub, options, forged = case
    shown = forged or options
    return f"/{command} {sub} {' '.join(f'{k}:{v!r}' for k, v in shown.items())}"[:80]


@pytest.fixture
async def launch_id(emu: Emulator, server: Server, bot: RunningBot) -> str:
    added = await run(emu, server.guild, server.editor, "launch", "add", device="X", brand="Y")
    return launch_id_of(added)


@pytest.mark.parametrize("case", CASES, ids=_label)
async def test_a_forged_option_value_gets_a_sentence_and_changes_nothing(
    emu: Emulator,
    server: Server,
    db_url: str,
    launch_id: str,
    case: tuple[str, str, dict[str, Any], dict[str, Any]],
) -> None:
    command, sub, options, forged = case
    stand_ins: dict[str, Any] = {
        "{launch}": launch_id,
        "{other server's role}": server.other.role_named("Mods"),
        "{other server's channel}": server.other.channel_named("general"),
    }
    options = {k: stand_ins.get(v, v) if isinstance(v, str) else v for k, v in options.items()}
    who = server.manager if command == "settings" else server.editor
    before = await table_counts(db_url)
    handle = await emu.invoke_forged_slash(
        server.guild, who, command, subcommand=sub, options=options, forged=forged
    )
    reply = await handle.wait_response()
    assert reply.ephemeral, reply.content
    assert reply.content and "went wrong" not in reply.content, reply.content
    assert await table_counts(db_url) == before
