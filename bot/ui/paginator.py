"""First / Previous / Next / Last buttons over the calendar. Each button's custom_id carries the
listing's filters and where its page starts (bot/ui/page_ids.py), so the buttons keep working
after a restart and nothing waits in memory for a click.

The person who ran the command turns the pages of their message; anyone else who clicks gets the
page they asked for in a message only they see, with buttons of their own.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.domain.calendar_query import PagePosition, PageRequest, Turn, UpcomingFilter
from bot.domain.errors import InvalidInput
from bot.domain.periods import window_bounds
from bot.domain.records import Page
from bot.render.lists import PAGE_SIZE, upcoming_page
from bot.ui import page_ids
from bot.ui.context import NO_PINGS, bot_of, guild_id_of
from bot.ui.page_ids import ListingFilters, PageButton, TextFilter
from bot.ui.safe import guarded

DEFAULT_TITLE = "Upcoming launches"
_LABELS = {Turn.FIRST: "First", Turn.PREVIOUS: "Previous", Turn.NEXT: "Next", Turn.LAST: "Last"}
STALE = "This button no longer works. Run /launch upcoming again."


class PageTurnButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=page_ids.TEMPLATE):
    def __init__(self, button: PageButton | None, *, disabled: bool = False) -> None:
        turn = button.request.turn if button else Turn.FIRST
        super().__init__(
            discord.ui.Button(
                label=_LABELS[turn],
                style=discord.ButtonStyle.secondary,
                custom_id=page_ids.write(button) if button else "lb:pg:stale",
                disabled=disabled,
            )
        )
        self.button = button

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PageTurnButton:
        return cls(page_ids.read(match.string, PAGE_SIZE))

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, self._turn(interaction))

    async def _turn(self, interaction: discord.Interaction) -> None:
        if self.button is None:
            raise InvalidInput(STALE)
        filters = await _resolved(interaction, self.button.filters)
        if filters is None:
            raise InvalidInput(STALE)
        page = await _fetch(interaction, filters, self.button.request)
        message = interaction.message
        title = (message.embeds[0].title if message and message.embeds else None) or DEFAULT_TITLE
        embed = upcoming_page(page, title)
        if interaction.user.id == self.button.owner_id:
            view = page_buttons(interaction.user.id, filters, page)
            await interaction.response.edit_message(
                embed=embed, view=view, allowed_mentions=NO_PINGS
            )
            return
        await interaction.response.send_message(
            embed=embed,
            view=page_buttons(interaction.user.id, filters, page),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )


async def first_page(
    interaction: discord.Interaction, filters: ListingFilters, title: str = DEFAULT_TITLE
) -> None:
    """Answers a command with the first page of ``filters`` and its buttons."""
    page = await _fetch(interaction, filters, PageRequest(limit=PAGE_SIZE))
    await interaction.response.send_message(
        embed=upcoming_page(page, title),
        view=page_buttons(interaction.user.id, filters, page),
        allowed_mentions=NO_PINGS,
    )


def page_buttons(owner_id: int, filters: ListingFilters, page: Page) -> discord.ui.View:
    """The four buttons under ``page``, or none when everything fits on it. The view holds
    only DynamicItems, so discord.py keeps nothing of it after sending."""
    view = discord.ui.View(timeout=None)
    position = PagePosition.of(page)
    if not (position.has_previous or position.has_next):
        return view
    for turn, usable in (
        (Turn.FIRST, position.has_previous),
        (Turn.PREVIOUS, position.has_previous),
        (Turn.NEXT, position.has_next),
        (Turn.LAST, position.has_next),
    ):
        button = PageButton(owner_id, filters, position.request(turn))
        view.add_item(PageTurnButton(button, disabled=not usable))
    return view


async def _fetch(
    interaction: discord.Interaction, filters: ListingFilters, request: PageRequest
) -> Page:
    bot = bot_of(interaction)
    start, end = window_bounds(filters.within, bot.clock())
    wanted = UpcomingFilter(
        start=start,
        end=end,
        brand=filters.brand.key if filters.brand else None,
        status=filters.status,
        region=filters.region.key if filters.region else None,
    )
    return await bot.runtime.calendar.upcoming(guild_id_of(interaction), wanted, request)


async def _resolved(
    interaction: discord.Interaction, filters: ListingFilters
) -> ListingFilters | None:
    """``filters`` with digests swapped for the keys they stand for; None if one matches nothing."""
    guild_id = guild_id_of(interaction)
    calendar = bot_of(interaction).runtime.calendar
    brand, region = filters.brand, filters.region
    if brand is not None and brand.key is None:
        brand = _match(brand, await calendar.brand_keys(guild_id))
        if brand is None:
            return None
    if region is not None and region.key is None:
        region = _match(region, await calendar.region_keys(guild_id))
        if region is None:
            return None
    return ListingFilters(filters.within, filters.status, brand, region)


def _match(wanted: TextFilter, keys: list[str]) -> TextFilter | None:
    return next((TextFilter(key=key) for key in keys if wanted.matches(key)), None)
