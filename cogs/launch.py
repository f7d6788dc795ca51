"""/launch: the calendar. Each command turns options into one domain call and renders the result."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import limits
from bot.app.replies import DEFERS_PUBLIC, reply
from bot.domain.catalog import bundled_catalog_path, load_catalog
from bot.domain.errors import InvalidInput
from bot.domain.inputs import UNSET, LaunchEdit, NewClaim, NewLaunch, Unset
from bot.domain.periods import WINDOWS
from bot.domain.records import LaunchChange
from bot.domain.text import CONFIDENCE_MAX, NAME_MAX, name_key, source_name_from
from bot.domain.vocabulary import ClaimSubject, LaunchKind, LaunchStatus, SourceKind
from bot.render.launch_card import launch_card
from bot.render.lists import history_embed
from bot.render.user_text import escape_user_text
from bot.services.catalog_import import import_catalog
from bot.ui.context import (
    NO_PINGS,
    actor_of,
    brand_autocomplete,
    device_autocomplete,
    ensure_editor,
    guild_id_of,
    launch_autocomplete,
    launch_id_from,
)
from bot.ui.option_checks import check_options
from bot.ui.page_ids import ListingFilters, TextFilter
from bot.ui.paginator import DEFAULT_TITLE, PageTurnButton, first_page
from bot.ui.remind_button import remind_me
from bot.ui.remove_button import RemoveLaunchButton, remove_prompt
from bot.ui.zone_choices import zone_autocomplete

if TYPE_CHECKING:
    from bot.app.launch_bot import LaunchBot

T = TypeVar("T")
CLEARABLE = ("date", "confidence", "livestream_url", "partner", "note")
LAUNCH = "Pick a launch (start typing its name)"
DATE = "e.g. 2021-12-28 19:30 Asia/Shanghai, 28 December 2021, late December 2021, Q1 2022"
ZONE = "IANA zone for the date, e.g. Asia/Shanghai (default: the server's)"


def _changed(name: str, value: T | None, clear: str | None) -> T | Unset | None:
    """An option's value; ``None`` when the ``clear`` option names it; UNSET when not given."""
    if clear == name:
        return None
    return UNSET if value is None else value


def _official(
    date: str, timezone: str | None, source_url: str | None, author: str | None
) -> NewClaim:
    """The brand's own word on the date (the author defaults to the brand)."""
    return NewClaim(
        subject=ClaimSubject.DATE,
        source_kind=SourceKind.OFFICIAL,
        date=date,
        timezone=timezone,
        source_url=source_url,
        author=author,
    )


def _source_needs_date(url: str | None, author: str | None, date: str | None) -> None:
    if (url or author) and not date:
        raise InvalidInput(
            "A source backs up a date: give the date too, or record the claim with /rumor add."
        )


def _source(
    url: str | None, kind: SourceKind, author: str | None, date: str | None, zone: str | None
) -> NewClaim | None:
    if not url and not author:
        return None
    if not author and url:
        author = source_name_from(url)
    return NewClaim(
        subject=ClaimSubject.DATE,
        source_kind=kind,
        date=date,
        timezone=zone,
        source_url=url,
        author=author,
    )


# Readers' and editors' subcommands share /launch so members find everything under one name;
# the bot's own permission checks decide who may change what (docs/server-admins.md).
@app_commands.guild_only()
@app_commands.guild_install()
class Launches(commands.GroupCog, name="launch", description="The launch calendar"):
    def __init__(self, bot: LaunchBot) -> None:
        self.bot = bot
        super().__init__()

    def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        check_options(interaction)  # before discord.py converts them: every value is user input
        return True

    async def _show_change(
        self, interaction: discord.Interaction, change: LaunchChange, verb: str
    ) -> None:
        assert change.after is not None
        await reply(
            interaction,
            f"{verb} **{escape_user_text(change.after.title)}**.",
            embed=launch_card(change.after, change.claims),
            view=remind_me(change.after.guild_id, change.after.id),
            allowed_mentions=NO_PINGS,
        )
        await self.bot.announcer.after_change(interaction, change)

    @app_commands.command(
        name="add", description="Add a launch to the calendar", extras=DEFERS_PUBLIC
    )
    @app_commands.describe(
        device="Device or series, e.g. Xiaomi 12",
        brand="Brand, e.g. Xiaomi",
        date=DATE,
        timezone=ZONE,
        region="Region, e.g. China or Global",
        source_url="Where this came from",
        source_kind="Who said it",
        author="Outlet or person behind the source, e.g. MyDrivers",
        confidence="How sure, 0-100",
        livestream_url="Livestream link",
    )
    @app_commands.autocomplete(
        device=device_autocomplete, brand=brand_autocomplete, timezone=zone_autocomplete
    )
    async def add(
        self,
        interaction: discord.Interaction,
        device: app_commands.Range[str, 1, NAME_MAX],
        brand: app_commands.Range[str, 1, NAME_MAX],
        date: str | None = None,
        timezone: str | None = None,
        status: LaunchStatus = LaunchStatus.RUMORED,
        region: str = "Global",
        kind: LaunchKind = LaunchKind.ANNOUNCEMENT,
        source_url: str | None = None,
        source_kind: SourceKind = SourceKind.MEDIA,
        author: str | None = None,
        confidence: app_commands.Range[int, 0, CONFIDENCE_MAX] | None = None,
        livestream_url: str | None = None,
        partner: str | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        _source_needs_date(source_url, author, date)
        new = NewLaunch(
            device=device,
            brand=brand,
            date=date,
            timezone=timezone,
            status=status,
            region=region,
            kind=kind,
            confidence=confidence,
            livestream_url=livestream_url,
            partner=partner,
        )
        source = _source(source_url, source_kind, author, date, timezone) if date else None
        change = await self.bot.runtime.calendar.add(guild_id, actor_of(interaction), new, source)
        await self._show_change(interaction, change, "Added")

    @app_commands.command(
        name="edit", description="Change details of a launch", extras=DEFERS_PUBLIC
    )
    @app_commands.describe(launch=LAUNCH, date=DATE, timezone=ZONE, clear="Remove one detail")
    @app_commands.autocomplete(launch=launch_autocomplete, timezone=zone_autocomplete)
    @app_commands.choices(clear=[app_commands.Choice(name=n, value=n) for n in CLEARABLE])
    async def edit(
        self,
        interaction: discord.Interaction,
        launch: str,
        date: str | None = None,
        timezone: str | None = None,
        region: str | None = None,
        kind: LaunchKind | None = None,
        confidence: app_commands.Range[int, 0, CONFIDENCE_MAX] | None = None,
        livestream_url: str | None = None,
        partner: str | None = None,
        note: str | None = None,
        clear: str | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        edit = LaunchEdit(
            date=_changed("date", date, clear),
            timezone=UNSET if timezone is None else timezone,
            region=UNSET if region is None else region,
            kind=UNSET if kind is None else kind,
            confidence=_changed("confidence", confidence, clear),
            livestream_url=_changed("livestream_url", livestream_url, clear),
            partner=_changed("partner", partner, clear),
            note=_changed("note", note, clear),
        )
        if edit == LaunchEdit():
            await reply(interaction, "Nothing to change: give at least one option.", ephemeral=True)
            return
        change = await self.bot.runtime.calendar.edit(
            guild_id, actor_of(interaction), launch_id_from(launch), edit
        )
        await self._show_change(interaction, change, "Updated")

    @app_commands.command(
        name="tease", description="Mark a launch as teased by its brand", extras=DEFERS_PUBLIC
    )
    @app_commands.describe(
        launch=LAUNCH,
        date="The teased date, if the teaser gives one",
        timezone=ZONE,
        source_url="The teaser",
        author="Who posted the teaser (default: the brand)",
    )
    @app_commands.autocomplete(launch=launch_autocomplete, timezone=zone_autocomplete)
    async def tease(
        self,
        interaction: discord.Interaction,
        launch: str,
        date: str | None = None,
        timezone: str | None = None,
        source_url: str | None = None,
        author: str | None = None,
    ) -> None:
        _source_needs_date(source_url, author, date)
        source = _official(date, timezone, source_url, author) if date else None
        change = await self.bot.runtime.calendar.tease(
            guild_id_of(interaction), actor_of(interaction), launch_id_from(launch), date, source,
            timezone,
        )  # fmt: skip
        await self._show_change(interaction, change, "Teased:")

    @app_commands.command(
        name="confirm", description="Record the official date", extras=DEFERS_PUBLIC
    )
    @app_commands.describe(
        launch=LAUNCH,
        date=DATE,
        timezone=ZONE,
        source_url="Official source",
        author="Who confirmed it (default: the brand)",
    )
    @app_commands.autocomplete(launch=launch_autocomplete, timezone=zone_autocomplete)
    async def confirm(
        self,
        interaction: discord.Interaction,
        launch: str,
        date: str,
        source_url: str | None = None,
        timezone: str | None = None,
        author: str | None = None,
    ) -> None:
        source = _official(date, timezone, source_url, author)
        change = await self.bot.runtime.calendar.confirm(
            guild_id_of(interaction), actor_of(interaction), launch_id_from(launch), date, source,
            timezone,
        )  # fmt: skip
        await self._show_change(interaction, change, "Confirmed")

    @app_commands.command(
        name="postpone", description="Mark a launch as postponed", extras=DEFERS_PUBLIC
    )
    @app_commands.describe(
        launch=LAUNCH, date="The new date, if known", timezone=ZONE, source_url="Source"
    )
    @app_commands.autocomplete(launch=launch_autocomplete, timezone=zone_autocomplete)
    async def postpone(
        self,
        interaction: discord.Interaction,
        launch: str,
        date: str | None = None,
        timezone: str | None = None,
        source_url: str | None = None,
        source_kind: SourceKind = SourceKind.MEDIA,
        author: str | None = None,
    ) -> None:
        _source_needs_date(source_url, author, date)
        source = _source(source_url, source_kind, author, date, timezone) if date else None
        change = await self.bot.runtime.calendar.postpone(
            guild_id_of(interaction), actor_of(interaction), launch_id_from(launch), date, source,
            timezone,
        )  # fmt: skip
        await self._show_change(interaction, change, "Postponed")

    @app_commands.command(
        name="cancel", description="Mark a launch as cancelled", extras=DEFERS_PUBLIC
    )
    @app_commands.describe(launch=LAUNCH)
    @app_commands.autocomplete(launch=launch_autocomplete)
    async def cancel(self, interaction: discord.Interaction, launch: str) -> None:
        change = await self.bot.runtime.calendar.cancel(
            guild_id_of(interaction), actor_of(interaction), launch_id_from(launch)
        )
        await self._show_change(interaction, change, "Cancelled")

    @app_commands.command(
        name="launched", description="Mark a launch as launched", extras=DEFERS_PUBLIC
    )
    @app_commands.describe(
        launch=LAUNCH, date="When it actually launched, if different", timezone=ZONE
    )
    @app_commands.autocomplete(launch=launch_autocomplete, timezone=zone_autocomplete)
    async def launched(
        self,
        interaction: discord.Interaction,
        launch: str,
        date: str | None = None,
        timezone: str | None = None,
    ) -> None:
        change = await self.bot.runtime.calendar.mark_launched(
            guild_id_of(interaction), actor_of(interaction), launch_id_from(launch), date, timezone
        )
        await self._show_change(interaction, change, "Launched:")

    @app_commands.command(name="remove", description="Delete a launch and its claims")
    @app_commands.describe(launch=LAUNCH)
    @app_commands.autocomplete(launch=launch_autocomplete)
    async def remove(self, interaction: discord.Interaction, launch: str) -> None:
        guild_id = await ensure_editor(interaction)
        view = await self.bot.runtime.calendar.get(guild_id, launch_id_from(launch))
        await interaction.response.send_message(
            f"Remove **{escape_user_text(view.title)}** and all its claims? This cannot be undone.",
            view=remove_prompt(guild_id, view.id, interaction.user.id),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(name="info", description="Show a launch card")
    @app_commands.describe(launch=LAUNCH)
    @app_commands.autocomplete(launch=launch_autocomplete)
    async def info(self, interaction: discord.Interaction, launch: str) -> None:
        guild_id = guild_id_of(interaction)
        card = await self.bot.runtime.calendar.card(guild_id, launch_id_from(launch))
        await interaction.response.send_message(
            embed=launch_card(card.launch, card.claims, card.next_post_at, card.polls),
            view=remind_me(guild_id, card.launch.id),
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(name="history", description="Who said which date, when and where")
    @app_commands.describe(launch=LAUNCH)
    @app_commands.autocomplete(launch=launch_autocomplete)
    async def history(self, interaction: discord.Interaction, launch: str) -> None:
        guild_id = guild_id_of(interaction)
        history = await self.bot.runtime.calendar.history(guild_id, launch_id_from(launch))
        await interaction.response.send_message(
            embed=history_embed(history), allowed_mentions=NO_PINGS
        )

    @app_commands.command(name="upcoming", description="The calendar, soonest first")
    @app_commands.describe(
        within="How far ahead to look",
        brand="Only this brand",
        status="Only this status",
        region="Only this region",
    )
    @app_commands.choices(
        within=[app_commands.Choice(name=label, value=key) for key, label in WINDOWS.items()]
    )
    async def upcoming(
        self,
        interaction: discord.Interaction,
        within: str = "all",
        brand: str | None = None,
        status: LaunchStatus | None = None,
        region: str | None = None,
    ) -> None:
        filters = ListingFilters(
            within,
            status,
            TextFilter(key=name_key(brand)) if brand else None,
            TextFilter(key=name_key(region)) if region else None,
        )
        title = limits.clip(
            DEFAULT_TITLE + (f" · {escape_user_text(brand)}" if brand else ""), limits.EMBED_TITLE
        )
        await first_page(interaction, filters, title)

    @app_commands.command(name="import-catalog", description="Import the bundled launch catalog")
    async def import_catalog(self, interaction: discord.Interaction) -> None:
        guild_id = await ensure_editor(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        entries = load_catalog(bundled_catalog_path())
        result = await import_catalog(
            self.bot.runtime.calendar, guild_id, actor_of(interaction), entries
        )
        for poll_id in result.polls_moved:  # their messages show when they close
            self.bot.poll_messages.changed(guild_id, poll_id)
        await interaction.followup.send(
            f"Imported the bundled catalog: {result.summary()}.", ephemeral=True
        )
        if result.created or result.updated or result.claims_added or result.polls_added:
            await interaction.followup.send(
                f"{escape_user_text(interaction.user.display_name)} imported the bundled "
                f"catalog: {result.summary()}.",
                allowed_mentions=NO_PINGS,
            )


async def setup(bot: LaunchBot) -> None:
    await bot.add_cog(Launches(bot))
    bot.add_dynamic_items(RemoveLaunchButton, PageTurnButton)
