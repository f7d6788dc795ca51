"""Buttons, selects and modals: clicks are routed by discord.py's view store to the right
callbacks, and type 6/7/9 responses update what the emulator shows."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands

from tests.emulator import CallbackType, Emulator, running_client

from .conftest import World, make_client


class LaunchModal(discord.ui.Modal, title="New launch"):
    phone = discord.ui.TextInput(label="Phone", custom_id="phone", max_length=40)
    notes = discord.ui.TextInput(
        label="Notes", custom_id="notes", style=discord.TextStyle.long, required=False
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"saved {self.phone.value} / {self.notes.value!r}", ephemeral=True
        )


class Panel(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Confirm", custom_id="confirm", style=discord.ButtonStyle.success)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:  # type: ignore[type-arg]
        button.disabled = True
        await interaction.response.edit_message(
            content=f"confirmed by {interaction.user.name}", view=self
        )

    @discord.ui.button(label="Quiet", custom_id="quiet")
    async def quiet(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:  # type: ignore[type-arg]
        await interaction.response.defer()

    @discord.ui.button(label="Add", custom_id="add")
    async def add(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:  # type: ignore[type-arg]
        await interaction.response.send_modal(LaunchModal())

    @discord.ui.select(
        custom_id="brand",
        options=[
            discord.SelectOption(label=b, value=b.lower()) for b in ("Apple", "Google", "Samsung")
        ],
        max_values=2,
    )
    async def brand(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:  # type: ignore[type-arg]
        await interaction.response.send_message(f"brands: {', '.join(select.values)}")

    @discord.ui.select(cls=discord.ui.UserSelect, custom_id="who")
    async def who(self, interaction: discord.Interaction, select: discord.ui.UserSelect) -> None:  # type: ignore[type-arg]
        await interaction.response.send_message(f"user: {select.values[0].name}")


@pytest.fixture
async def bot(emu: Emulator, world: World):  # type: ignore[no-untyped-def]
    client = make_client()
    tree = app_commands.CommandTree(client)

    @tree.command(name="panel", description="Show the panel")
    async def panel(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pick one", view=Panel())

    async with running_client(client, emu):
        await tree.sync()
        yield client


async def _panel(emu: Emulator, world: World):  # type: ignore[no-untyped-def]
    handle = await emu.invoke_slash(world.guild, world.alice, "panel")
    response = await handle.wait_response()
    assert response.message is not None and response.message.custom_ids() == [
        "confirm",
        "quiet",
        "add",
        "brand",
        "who",
    ]
    return response.message


async def test_button_update_message(emu: Emulator, world: World, bot: discord.Client) -> None:
    message = await _panel(emu, world)
    click = await emu.click_button(message, world.bob, "confirm")
    response = await click.wait_response()
    assert response.type == CallbackType.UPDATE_MESSAGE
    assert message.content == "confirmed by bob" and response.message is message
    assert message.find_component("confirm")["disabled"] is True  # type: ignore[index]
    with pytest.raises(ValueError, match="disabled"):
        await emu.click_button(message, world.bob, "confirm")
    quiet = await emu.click_button(message, world.bob, "quiet")
    assert (await quiet.wait_response()).type == CallbackType.DEFERRED_UPDATE_MESSAGE


async def test_selects(emu: Emulator, world: World, bot: discord.Client) -> None:
    message = await _panel(emu, world)
    pick = await emu.select(message, world.alice, "brand", ["apple", "samsung"])
    assert (await pick.wait_response()).content == "brands: apple, samsung"
    with pytest.raises(ValueError):
        await emu.select(message, world.alice, "brand", ["nokia"])
    user_pick = await emu.select(message, world.alice, "who", [world.bob])
    assert (await user_pick.wait_response()).content == "user: bob"


async def test_modal_round_trip(emu: Emulator, world: World, bot: discord.Client) -> None:
    message = await _panel(emu, world)
    opened = await emu.click_button(message, world.alice, "add")
    response = await opened.wait_response()
    assert response.type == CallbackType.MODAL and response.modal is not None
    assert response.modal["title"] == "New launch"
    with pytest.raises(ValueError, match="required"):
        await emu.submit_modal(opened, {"notes": "no phone"})
    submitted = await emu.submit_modal(opened, {"phone": "Pixel 10", "notes": "fall"})
    answer = await submitted.wait_response()
    assert answer.content == "saved Pixel 10 / 'fall'" and answer.ephemeral


async def test_view_on_a_channel_message(emu: Emulator, world: World, bot: discord.Client) -> None:
    channel = bot.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("panel", view=Panel())
    record = emu.channel_messages(world.general)[-1]
    assert record.id == sent.id
    click = await emu.click_button(record, world.alice, "confirm")
    await click.wait_response()
    assert record.content == "confirmed by alice"
