"""What happens in the server after a launch changes: the dispatcher is woken for the posts the
change planned (its change notice among them), the messages of polls whose close moved with it
are refreshed (and those of its open polls when it recorded a claim: their cards show its
claims), and the Guild Scheduled Event is mirrored.
Failures here never undo the change; the editor is told."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from bot.app import limits
from bot.domain.change_notice import wanted_notice
from bot.domain.clock import Clock
from bot.domain.dates import Precision
from bot.domain.records import LaunchChange, LaunchRecord
from bot.domain.vocabulary import LaunchStatus
from bot.render.user_text import escape_user_text
from bot.ui.context import NO_PINGS

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("launchbot.announce")
EVENT_LENGTH = timedelta(hours=2)


def wants_event(launch: LaunchRecord, now: datetime) -> bool:
    """Discord lists only future events, so a past launch keeps or gets none."""
    return (
        launch.status is LaunchStatus.CONFIRMED
        and launch.window is not None
        and launch.window.precision is Precision.EXACT
        and launch.window.start > now
    )


class Announcer:
    def __init__(
        self,
        runtime: Runtime,
        clock: Clock,
        posts_planned: Callable[[datetime | None], None] = lambda _: None,
        poll_changed: Callable[[int, int], None] = lambda _guild, _poll: None,
    ) -> None:
        self.runtime = runtime
        self.clock = clock
        self._posts_planned = posts_planned
        self._poll_changed = poll_changed
        self._locks: weakref.WeakValueDictionary[tuple[int, int], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def after_change(self, interaction: discord.Interaction, change: LaunchChange) -> None:
        """Everything here comes from the change itself; only the event mirror touches the
        database again, and only when a Discord event is involved."""
        self._posts_planned(change.next_post_at)
        # their messages show when they close, and the launch's latest claims
        for poll_id in dict.fromkeys((*change.moved_polls, *change.claim_polls)):
            self._poll_changed(change.settings.guild_id, poll_id)
        guild = interaction.guild
        if guild is None or not change.changed:
            return
        warnings = [self._notice_warning(guild, change), await self._mirror(guild, change)]
        text = "\n".join(w for w in warnings if w)
        if text:
            try:
                await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
            except discord.HTTPException as exc:
                log.warning("could not tell the editor: %s", exc)

    def _notice_warning(self, guild: discord.Guild, change: LaunchChange) -> str | None:
        """The change planned a notice, which the dispatcher sends (and retries); the editor is
        told now if the announce channel is plainly gone or closed to the bot."""
        if wanted_notice(change) is None:
            return None
        assert change.settings.announce_channel_id is not None
        channel = guild.get_channel(change.settings.announce_channel_id)
        if not isinstance(channel, discord.TextChannel):
            return "The announce channel is gone; set a new one with /settings set."
        perms = channel.permissions_for(guild.me)
        if not (perms.view_channel and perms.send_messages):
            return f"I can't post the change notice in {channel.mention}: I lack permission there."
        return None

    async def _mirror(self, guild: discord.Guild, change: LaunchChange) -> str | None:
        """Brings the launch's Discord event in line with the launch as it is now.

        It reads the current state rather than trusting the change, under a per-launch lock, so
        quick successive edits cannot leave a stale or duplicate event behind. A change that no
        event was ever part of (before or after) has nothing to mirror.
        """
        snapshot = change.after or change.before
        if not change.settings.scheduled_events or snapshot is None:
            return None
        now = self.clock()
        states = [s for s in (change.before, change.after) if s is not None]
        if not any(wants_event(s, now) or s.event_id is not None for s in states):
            return None
        async with (
            self._locks.setdefault((guild.id, snapshot.id), asyncio.Lock()),
            self.runtime.calendar.event_mirror(guild.id) as stored,
        ):
            current = await stored.current(snapshot.id)
            event_id = current.event_id if current is not None else snapshot.event_id
            try:
                if current is not None and wants_event(current, now):
                    new_id = await self._upsert_event(guild, current, event_id)
                    if new_id != event_id:
                        await stored.set_event_id(current.id, new_id)
                elif event_id is not None:
                    await self._drop_event(guild, event_id)
                    if current is not None:
                        await stored.set_event_id(current.id, None)
            except discord.Forbidden:
                if await stored.warn_once_about_events():
                    return (
                        "I can't mirror confirmed launches to the server's Events tab: give me "
                        "the Create Events (or Manage Events) permission, or turn this off with "
                        "/settings set. (Shown once; everything else keeps working.)"
                    )
            except discord.HTTPException as exc:
                log.warning("scheduled event update failed in guild %s: %s", guild.id, exc)
        return None

    async def _upsert_event(
        self, guild: discord.Guild, launch: LaunchRecord, event_id: int | None
    ) -> int:
        assert launch.window is not None
        name = limits.clip(launch.title, limits.EVENT_NAME)  # shown as plain text, never markdown
        start = launch.window.start
        location = limits.clip(
            launch.livestream_url or f"{launch.brand} launch", limits.EVENT_LOCATION
        )
        description = limits.clip(
            f"{escape_user_text(launch.brand)} · {escape_user_text(launch.region)} · "
            f"launch #{launch.id}",
            limits.EVENT_DESCRIPTION,
        )
        if event_id is not None:
            try:
                event = await guild.fetch_scheduled_event(event_id)
                await event.edit(
                    name=name,
                    start_time=start,
                    end_time=start + EVENT_LENGTH,
                    location=location,
                    description=description,
                )
                return event.id
            except discord.NotFound:
                pass
        created = await guild.create_scheduled_event(
            name=name,
            start_time=start,
            end_time=start + EVENT_LENGTH,
            entity_type=discord.EntityType.external,
            privacy_level=discord.PrivacyLevel.guild_only,
            location=location,
            description=description,
        )
        return created.id

    async def _drop_event(self, guild: discord.Guild, event_id: int) -> None:
        try:
            event = await guild.fetch_scheduled_event(event_id)
            await event.delete()
        except discord.NotFound:
            pass
