"""Rumours, adopting a claimed date, suggestions, the bundled catalog, and turning notices off."""

from __future__ import annotations

from tests.e2e.calendar_helpers import launch_id_of, run, table_counts
from tests.e2e.harness import RunningBot, Server
from tests.emulator import Emulator


async def _mate50(emu: Emulator, server: Server) -> str:
    added = await run(
        emu,
        server.guild,
        server.editor,
        "launch",
        "add",
        device="Huawei Mate 50",
        brand="Huawei",
        date="2027",
        region="China",
    )
    return launch_id_of(added)


async def test_members_record_rumours_and_editors_adopt_a_date(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    launch_id = await _mate50(emu, server)
    leica = await run(
        emu,
        server.guild,
        server.member,
        "rumor",
        "add",
        launch=launch_id,
        about="feature",
        feature="Leica cameras",
        present="unclear",
        source_kind="media",
        author="Android Authority",
        source_url="https://www.androidauthority.com/huawei-leica",
    )
    assert not leica.ephemeral
    assert "Leica cameras: unclear · Android Authority (media)" in (leica.content or "")
    assert "the launch itself is unchanged" in (leica.content or "")
    dated = await run(
        emu,
        server.guild,
        server.member,
        "rumor",
        "add",
        launch=launch_id,
        about="date",
        date="6 September 2027",
        source_kind="leaker",
        author="Digital Chat Station",
        confidence=70,
    )
    claim_id = (dated.content or "").split("#")[1].split()[0]
    info = await run(emu, server.guild, server.member, "launch", "info", launch=launch_id)
    fields = {f["name"]: f["value"] for f in info.embeds[0]["fields"]}
    assert fields["Date"] == "2027 (approximate)"

    refused = await run(
        emu, server.guild, server.member, "rumor", "adopt", launch=launch_id, claim=claim_id
    )
    assert refused.ephemeral and "Manage Events" in (refused.content or "")
    handle = await emu.invoke_autocomplete(
        server.guild,
        server.editor,
        "rumor",
        subcommand="adopt",
        focused="claim",
        options={"launch": launch_id, "claim": ""},
    )
    suggested = (await handle.wait_response()).choices
    assert [c["value"] for c in suggested] == [claim_id]
    adopted = await run(
        emu, server.guild, server.editor, "rumor", "adopt", launch=launch_id, claim=claim_id
    )
    assert adopted.content == f"**Huawei Mate 50 (China)** now uses claim #{claim_id}'s date."
    info = await run(emu, server.guild, server.member, "launch", "info", launch=launch_id)
    fields = {f["name"]: f["value"] for f in info.embeds[0]["fields"]}
    assert fields["Date"] == "6 September 2027 (approximate)" and fields["Status"] == "Rumored"
    forged = await run(
        emu,
        server.other,
        server.outsider,
        "rumor",
        "add",
        launch=launch_id,
        about="date",
        date="Q1 2028",
        source_kind="media",
    )
    assert forged.ephemeral and "no launch" in (forged.content or "")
    assert (await table_counts(db_url))["claims"] == 2


async def test_add_suggests_known_devices_and_brands(
    emu: Emulator, server: Server, bot: RunningBot
) -> None:
    await run(emu, server.guild, server.editor, "launch", "add", device="Xiaomi 12", brand="Xiaomi")
    handle = await emu.invoke_autocomplete(
        server.guild,
        server.editor,
        "launch",
        subcommand="add",
        focused="device",
        options={"device": "xiaomi"},
    )
    names = [c["value"] for c in (await handle.wait_response()).choices]
    assert names == ["xiaomi", "Xiaomi 12"]
    handle = await emu.invoke_autocomplete(
        server.guild,
        server.editor,
        "launch",
        subcommand="add",
        focused="brand",
        options={"device": "x", "brand": "XIA"},
    )
    assert [c["value"] for c in (await handle.wait_response()).choices] == ["XIA", "Xiaomi"]
    elsewhere = await emu.invoke_autocomplete(
        server.other,
        server.outsider,
        "launch",
        subcommand="add",
        focused="device",
        options={"device": "Xiaomi 12"},
    )
    assert [c["value"] for c in (await elsewhere.wait_response()).choices] == ["Xiaomi 12"]


async def test_editors_import_the_bundled_catalog_once(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    handle = await emu.invoke_slash(
        server.guild, server.editor, "launch", subcommand="import-catalog"
    )
    response = await handle.wait_response()
    assert response.deferred and response.ephemeral
    done = await handle.wait_followup()
    assert "4 launches added" in done.content and "14 claims added" in done.content
    again = await emu.invoke_slash(
        server.guild, server.editor, "launch", subcommand="import-catalog"
    )
    await again.wait_response()
    assert "0 launches added, 0 updated, 4 unchanged" in (await again.wait_followup()).content
    calendar = await run(emu, server.guild, server.member, "launch", "upcoming")
    assert "Nothing in the calendar" in calendar.embeds[0]["description"]
    assert (await table_counts(db_url))["launches"] == 4


async def test_change_notices_can_be_switched_off(
    emu: Emulator, server: Server, bot: RunningBot
) -> None:
    await run(
        emu,
        server.guild,
        server.manager,
        "settings",
        "set",
        announce_channel=server.announcements,
        change_notices=False,
    )
    launch_id = await _mate50(emu, server)
    await run(emu, server.guild, server.editor, "launch", "postpone", launch=launch_id, date="2028")
    await run(emu, server.guild, server.manager, "settings", "set", change_notices=True)
    await run(emu, server.guild, server.editor, "launch", "cancel", launch=launch_id)
    notice = await emu.wait_for_message(channel=server.announcements)
    assert notice.content.startswith("**Huawei Mate 50**: 2028 (postponed) → 2028 (cancelled)")
    assert len(emu.channel_messages(server.announcements)) == 1
