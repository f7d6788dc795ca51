"""/rumor: record what a source claims, without changing the launch; editors may adopt a date."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import limits
from bot.app.replies import DEFERS_PUBLIC, reply
from bot.domain.dates import render_short
from bot.domain.errors import DomainError
from bot.domain.inputs import NewClaim
from bot.domain.text import CONFIDENCE_MAX
from bot.domain.vocabulary import ClaimSubject, FeaturePresence, SourceKind
from bot.render.launch_card import claim_line
from bot.render.user_text import escape_user_text
from bot.ui.context import (
    NO_PINGS,
    actor_of,
    bot_of,
    guild_id_of,
    launch_autocomplete,
    launch_id_from,
)
from bot.ui.option_checks import check_options
from bot.ui.zone_choices import zone_autocomplete

if TYPE_CHECKING:
    from bot.app.launch_bot import LaunchBot


async def claim_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    raw = getattr(interaction.namespace, "launch", None)
    if interaction.guild_id is None or not raw:
        return []
    calendar = bot_of(interaction).runtime.calendar
    try:
        history = await calendar.history(interaction.guild_id, launch_id_from(str(raw)))
    except DomainError:
        return []
    choices = []
    for claim in reversed(history.claims):
        if claim.window is None:
            continue
        name = (
            f"#{claim.id} {render_short(claim.window)} · {claim.author or claim.source_kind.value}"
        )
        if current.lower() in name.lower():
            choices.append(
                app_commands.Choice(name=limits.clip(name, limits.CHOICE_NAME), value=str(claim.id))
            )
    return choices[: limits.CHOICES]


@app_commands.guild_only()
@app_commands.guild_install()
class Rumors(commands.GroupCog, name="rumor", description="Claims about launches"):
    def __init__(self, bot: LaunchBot) -> None:
        self.bot = bot
        super().__init__()

    def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        check_options(interaction)  # before discord.py converts them: every value is user input
        return True

    @app_commands.command(
        name="add",
        description="Record a claim about a launch's date or a feature",
        extras=DEFERS_PUBLIC,
    )
    @app_commands.describe(
        launch="Pick a launch",
        about="Is this about the date or a feature?",
        date="The claimed date, e.g. 28 December 2021 or Q1 2022",
        timezone="IANA zone for the date, e.g. Asia/Shanghai (default: the launch's)",
        feature="The feature, e.g. Leica cameras",
        present="Does the source say the feature is there?",
        source_url="Link to the source",
        source_kind="Who said it",
        author="Outlet or person, e.g. Digital Chat Station",
        confidence="How much you trust it, 0-100",
        statement="What the source said, briefly",
    )
    @app_commands.autocomplete(launch=launch_autocomplete, timezone=zone_autocomplete)
    async def add(
        self,
        interaction: discord.Interaction,
        launch: str,
        about: ClaimSubject,
        source_kind: SourceKind,
        date: str | None = None,
        timezone: str | None = None,
        feature: str | None = None,
        present: FeaturePresence | None = None,
        source_url: str | None = None,
        author: str | None = None,
        confidence: app_commands.Range[int, 0, CONFIDENCE_MAX] | None = None,
        statement: str | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        if about is ClaimSubject.FEATURE and present is None:
            present = FeaturePresence.YES
        new = NewClaim(
            subject=about,
            source_kind=source_kind,
            date=date,
            timezone=timezone,
            feature=feature,
            present=present,
            statement=statement,
            source_url=source_url,
            author=author,
            confidence=confidence,
        )
        added = await self.bot.runtime.calendar.add_claim(
            guild_id, actor_of(interaction), launch_id_from(launch), new
        )
        title = escape_user_text(added.launch.title)
        await reply(
            interaction,
            f"Recorded claim #{added.claim.id} for **{title}** "
            f"(the launch itself is unchanged):\n{claim_line(added.claim)}",
            allowed_mentions=NO_PINGS,
        )
        for poll_id in added.claim_polls:  # their cards show the launch's latest claims
            self.bot.poll_messages.changed(guild_id, poll_id)

    @app_commands.command(
        name="adopt", description="Make a claimed date the launch's date", extras=DEFERS_PUBLIC
    )
    @app_commands.describe(launch="Pick a launch", claim="Pick one of its date claims")
    @app_commands.autocomplete(launch=launch_autocomplete, claim=claim_autocomplete)
    async def adopt(self, interaction: discord.Interaction, launch: str, claim: str) -> None:
        change = await self.bot.runtime.calendar.adopt_claim(
            guild_id_of(interaction),
            actor_of(interaction),
            launch_id_from(launch),
            launch_id_from(claim, "claim"),
        )
        assert change.after is not None and change.source is not None
        name = escape_user_text(change.after.title)
        await reply(
            interaction,
            f"**{name}** now uses claim #{change.source.id}'s date.",
            allowed_mentions=NO_PINGS,
        )
        await self.bot.announcer.after_change(interaction, change)


async def setup(bot: LaunchBot) -> None:
    await bot.add_cog(Rumors(bot))
