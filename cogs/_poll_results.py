"""/poll resolve, /poll leaderboard and /poll stats: the /poll subcommands about outcomes and
scores. They are mixed into the /poll group (``cogs/polls.py``), so they share its option
checks; the leading underscore keeps this module from being loaded as an extension of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import limits
from bot.app.replies import DEFERS_PRIVATE, DEFERS_PUBLIC, reply
from bot.domain.errors import DomainError
from bot.domain.poll_resolution import Change, PollPick, outcome_text
from bot.domain.poll_rules import ANSWERS_TEXT_MAX, QUESTION_MAX
from bot.domain.text import URL_MAX, name_key
from bot.domain.vocabulary import PollState
from bot.render.poll_outcome import resolved_reply
from bot.render.poll_scores import leaderboard_embed, member_stats_embed
from bot.ui.context import NO_PINGS, actor_of, bot_of, guild_id_of, launch_id_from


def _pick_name(pick: PollPick) -> str:
    if pick.state is PollState.RESOLVED and pick.outcome is not None:
        state = "resolved: " + outcome_text(pick.answers, pick.outcome)
    elif pick.state is PollState.OPEN:
        state = "open (resolving it closes it)"
    else:
        state = "closed"
    tail = " · " + limits.clip(state, 50)
    head = f"#{pick.id} " + " ".join(pick.question.split())
    return limits.clip(head, limits.CHOICE_NAME - len(tail)) + tail


async def resolvable_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """The server's polls: closed ones first, then open ones, then resolved ones."""
    if interaction.guild_id is None:
        return []
    found = await bot_of(interaction).runtime.poll_results.resolvable(
        interaction.guild_id, current.strip()[:QUESTION_MAX], limits.CHOICES
    )
    return [app_commands.Choice(name=_pick_name(p), value=str(p.id)) for p in found]


def answer_choices(answers: tuple[str, ...], multiple: bool, current: str) -> list[str]:
    """The poll's answers matching what is typed; on a poll with several answers, what is typed
    before the last ``|`` is kept and each other answer offered after it ("Leica | Z...")."""
    parts = current.split("|") if multiple else [current]
    typed, last = [p.strip() for p in parts[:-1]], parts[-1].strip().casefold()
    by_key = {name_key(a): a for a in answers}
    kept = [by_key[name_key(t)] for t in typed if t and name_key(t) in by_key]
    offered = [a for a in answers if a not in kept and last in a.casefold()]
    values = [" | ".join([*kept, a]) for a in offered]
    if kept and not last:
        values.insert(0, " | ".join(kept))
    return [v for v in values if len(v) <= limits.CHOICE_VALUE][: limits.CHOICES]


async def answer_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    raw = getattr(interaction.namespace, "poll", None)
    if interaction.guild_id is None or not raw:
        return []
    try:
        poll_id = launch_id_from(str(raw), "poll")
        facts = await bot_of(interaction).runtime.polls.facts(interaction.guild_id, poll_id)
    except DomainError:
        return []
    values = answer_choices(facts.answers, facts.multiple, current[:ANSWERS_TEXT_MAX])
    return [app_commands.Choice(name=v, value=v) for v in values]


def _reach(interaction: discord.Interaction, channel_id: int) -> str | None:
    """Why the outcome cannot be posted in the channel, when that is plain now."""
    guild = interaction.guild
    if guild is None:
        return None
    channel = guild.get_channel_or_thread(channel_id)
    if channel is None or isinstance(channel, discord.CategoryChannel | discord.ForumChannel):
        return f"the poll's channel (<#{channel_id}>) is gone"
    perms = channel.permissions_for(guild.me)
    if not (perms.view_channel and perms.send_messages):
        return f"I lack permission to post in {channel.mention}"
    return None


if TYPE_CHECKING:
    _Mixin = commands.Cog
else:
    _Mixin = object  # only the cog it is mixed into is a cog


class PollResultCommands(_Mixin):
    """Mixed into the /poll group cog."""

    @app_commands.command(
        name="resolve", description="Say which answer came true, with a link as evidence",
        extras=DEFERS_PRIVATE,
    )  # fmt: skip
    @app_commands.describe(
        poll="Pick a poll: closed ones first (resolving an open poll closes it)",
        answer="The answer that came true; on a poll with several answers, e.g. Leica | Zeiss",
        evidence="A link to what shows it (http:// or https://)",
    )
    @app_commands.autocomplete(poll=resolvable_autocomplete, answer=answer_autocomplete)
    async def resolve(
        self,
        interaction: discord.Interaction,
        poll: str,
        answer: app_commands.Range[str, 1, ANSWERS_TEXT_MAX],
        evidence: app_commands.Range[str, 1, URL_MAX],
    ) -> None:
        guild_id = guild_id_of(interaction)
        poll_id = launch_id_from(poll, "poll")
        bot = bot_of(interaction)
        result = await bot.runtime.poll_results.resolve(
            guild_id, actor_of(interaction), poll_id, answer, evidence
        )
        if result.next_post_at is not None:
            bot.dispatcher.wake_at(result.next_post_at)
        if result.change is not Change.NONE and not result.poll.native:
            bot.poll_messages.changed(guild_id, poll_id)  # shows the poll as it is by then
        notice = result.notice
        problem = _reach(interaction, notice.channel_id) if notice is not None else None
        text = resolved_reply(result, problem)
        await reply(interaction, text, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(
        name="leaderboard", description="Who predicts launches best in this server",
        extras=DEFERS_PUBLIC,
    )  # fmt: skip
    async def leaderboard(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        board = await bot_of(interaction).runtime.poll_standings.leaderboard(guild_id)
        await reply(interaction, embed=leaderboard_embed(board), allowed_mentions=NO_PINGS)

    @app_commands.command(
        name="stats", description="A member's record on resolved polls (shown only to you)",
        extras=DEFERS_PRIVATE,
    )  # fmt: skip
    @app_commands.describe(member="Whose record (default: yours)")
    async def stats(
        self, interaction: discord.Interaction, member: discord.User | None = None
    ) -> None:
        guild_id = guild_id_of(interaction)
        who = (member or interaction.user).id
        stats = await bot_of(interaction).runtime.poll_standings.stats(guild_id, who)
        await reply(
            interaction, embed=member_stats_embed(stats), ephemeral=True,
            allowed_mentions=NO_PINGS,
        )  # fmt: skip
