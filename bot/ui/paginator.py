"""Previous/next buttons over a calendar query; only the person who asked can turn the pages.

A listing keeps only its position in memory (two keys and a count), for PAGE_TIMEOUT seconds.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.domain.calendar_query import PagePosition, PageRequest, Turn
from bot.domain.records import Page
from bot.render.lists import upcoming_page
from bot.ui.context import NO_PINGS
from bot.ui.safe import guarded

Fetch = Callable[[PageRequest], Awaitable[Page]]
PAGE_TIMEOUT = 180.0


class CalendarPaginator(discord.ui.View):
    def __init__(self, owner_id: int, fetch: Fetch, first: Page, title: str) -> None:
        super().__init__(timeout=PAGE_TIMEOUT)
        self.origin: discord.Interaction | None = None
        self.owner_id = owner_id
        self.fetch = fetch
        self.position = PagePosition.of(first)
        self.title = title
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.first.disabled = self.previous.disabled = not self.position.has_previous
        self.next.disabled = self.last.disabled = not self.position.has_next

    async def on_timeout(self) -> None:
        """Removes the buttons once they stop working, so nobody clicks into silence."""
        if self.origin is None:
            return
        with contextlib.suppress(discord.HTTPException):
            await self.origin.edit_original_response(view=None)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "These buttons belong to whoever ran the command. Run /launch upcoming yourself.",
            ephemeral=True,
        )
        return False

    async def _turn(self, interaction: discord.Interaction, turn: Turn) -> None:
        page = await self.fetch(self.position.request(turn))
        self.position = PagePosition.of(page)
        self._sync_buttons()
        await interaction.response.edit_message(
            embed=upcoming_page(page, self.title), view=self, allowed_mentions=NO_PINGS
        )

    @discord.ui.button(label="First", style=discord.ButtonStyle.secondary)
    async def first(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        await guarded(interaction, self._turn(interaction, Turn.FIRST))

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        await guarded(interaction, self._turn(interaction, Turn.PREVIOUS))

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        await guarded(interaction, self._turn(interaction, Turn.NEXT))

    @discord.ui.button(label="Last", style=discord.ButtonStyle.secondary)
    async def last(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        await guarded(interaction, self._turn(interaction, Turn.LAST))
