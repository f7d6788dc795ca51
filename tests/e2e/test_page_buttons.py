"""The calendar's page buttons carry their listing in their custom_id: they work after a restart,
for whoever clicks, with their filters, and a forged one is answered."""

from __future__ import annotations

import pytest

from bot.ui.paginator import STALE
from tests.e2e.calendar_helpers import button_id, run, seed_launches
from tests.e2e.conftest import StartBot
from tests.e2e.harness import RunningBot, Server
from tests.emulator import Emulator


def _footer(reply: object) -> str:
    return str(reply.embeds[0]["footer"]["text"])  # type: ignore[attr-defined]


async def test_page_buttons_work_after_a_restart(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    first = await launch_bot()
    await seed_launches(db_url, server.guild.id, 25)
    listing = await run(emu, server.guild, server.member, "launch", "upcoming")
    assert listing.message is not None
    message = listing.message
    await first.stop()
    await launch_bot()
    nxt = await (
        await emu.click_button(message, server.member, button_id(message, "Next"))
    ).wait_response()
    assert _footer(nxt).startswith("Page 2 of 3 · 25 launches")
    assert "Phone 0010" in nxt.embeds[0]["description"]
    last = await (
        await emu.click_button(message, server.member, button_id(message, "Last"))
    ).wait_response()
    assert _footer(last).startswith("Page 3 of 3")
    assert "Phone 0024" in last.embeds[0]["description"]


async def test_someone_elses_click_opens_a_copy_only_they_see(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    await seed_launches(db_url, server.guild.id, 25)
    listing = await run(emu, server.guild, server.member, "launch", "upcoming")
    assert listing.message is not None
    message = listing.message
    theirs = await (
        await emu.click_button(message, server.editor, button_id(message, "Next"))
    ).wait_response()
    assert theirs.ephemeral and _footer(theirs).startswith("Page 2 of 3")
    assert _footer(listing).startswith("Page 1 of 3")
    assert theirs.message is not None
    again = await (
        await emu.click_button(theirs.message, server.editor, button_id(theirs.message, "Next"))
    ).wait_response()
    assert _footer(again).startswith("Page 3 of 3")
    assert theirs.message.embeds[0]["footer"]["text"].startswith("Page 3 of 3")
    assert _footer(listing).startswith("Page 1 of 3")


async def test_filters_ride_along_even_when_too_long_to_spell_out(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    brand = "Brand " + "x" * 90
    region = "Region: " + "y" * 50 + " 100%"
    await seed_launches(db_url, server.guild.id, 15, brand=brand, region=region, device="Wanted")
    await seed_launches(db_url, server.guild.id, 15, brand="Other", region=region, device="Other")
    await seed_launches(db_url, server.guild.id, 15, brand=brand, device="Elsewhere")
    listing = await run(
        emu, server.guild, server.member, "launch", "upcoming", brand=brand, region=region
    )
    assert listing.message is not None
    message = listing.message
    assert _footer(listing).startswith("Page 1 of 2 · 15 launches")
    next_id = button_id(message, "Next")
    assert len(next_id) <= 100 and ":h" in next_id
    nxt = await (await emu.click_button(message, server.member, next_id)).wait_response()
    assert _footer(nxt).startswith("Page 2 of 2 · 15 launches")
    description = nxt.embeds[0]["description"]
    assert "Wanted 0014" in description
    assert "Other" not in description and "Elsewhere" not in description


async def test_short_filters_are_spelled_out_and_kept(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    await seed_launches(db_url, server.guild.id, 15, brand="Xiaomi", region="China")
    await seed_launches(db_url, server.guild.id, 15, brand="Huawei", region="China", device="Mate")
    listing = await run(emu, server.guild, server.member, "launch", "upcoming", brand="xiaomi")
    assert listing.message is not None
    message = listing.message
    assert ":kxiaomi:" in button_id(message, "Next")
    last = await (
        await emu.click_button(message, server.member, button_id(message, "Last"))
    ).wait_response()
    assert _footer(last).startswith("Page 2 of 2 · 15 launches")
    assert "Mate" not in last.embeds[0]["description"]


@pytest.mark.parametrize(
    "custom_id",
    [
        "lb:pg:",
        "lb:pg:n4-:zz:p=:1:::",  # Next without a key
        "lb:pg:f4-:1:p=:::h12:",
        "lb:pg:f4-:1:p=:::hffffffffff:",
    ],
)
async def test_forged_page_buttons_are_answered(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str, custom_id: str
) -> None:
    await seed_launches(db_url, server.guild.id, 25)
    listing = await run(emu, server.guild, server.member, "launch", "upcoming")
    assert listing.message is not None
    next_button = listing.message.find_component(button_id(listing.message, "Next"))
    assert next_button is not None
    next_button["custom_id"] = custom_id  # as a modified client would send it
    reply = await (
        await emu.click_button(listing.message, server.member, custom_id)
    ).wait_response()
    assert reply.ephemeral and reply.content == STALE
    assert _footer(listing).startswith("Page 1 of 3")
