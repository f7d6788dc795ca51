"""What each kind of scheduled post says and where it goes, worked out when it is sent.

A composer reads what it needs (as it is now, not as it was planned) and answers ``Send`` or
``Drop``. The dispatcher looks composers up by the post's ``kind``; a new kind of post (a digest,
a change notice, a poll closing) adds a composer here and plans its rows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

import discord

from bot.domain.admin_note import NOTE_KIND, AdminNote
from bot.domain.change_notice import NOTICE_KIND, ChangeNotice
from bot.domain.digest import day_of_key, digest_on
from bot.domain.errors import PollNotFound
from bot.domain.poll_resolution import OUTCOME_KIND
from bot.domain.poll_rules import CLOSE_KIND, poll_of_subject
from bot.domain.post_plan import PostKind
from bot.domain.records import ClaimedPost
from bot.domain.subscriptions import user_of
from bot.domain.vocabulary import PostState
from bot.render.admin_notes import admin_note_message
from bot.render.digest import weekly_digest
from bot.render.notices import notice_message
from bot.render.scheduled_posts import OutgoingPost, launch_post
from bot.render.subscriptions import member_reminder
from bot.services.deliveries import DeliveryService
from bot.services.digests import KIND as DIGEST
from bot.services.digests import DigestService
from bot.services.polls import CloseMoved, PollService
from bot.services.post_planning import CHANNEL

if TYPE_CHECKING:
    from bot.app.poll_tally import PollMessages


@dataclass(frozen=True, slots=True)
class Send:
    out: OutgoingPost
    channel_id: int | None = None
    user_id: int | None = None
    """A direct message to this user (``channel_id`` is then None)."""
    about: str | None = None
    """The launch the post is about, named in the note to admins if Discord refuses it."""


@dataclass(frozen=True, slots=True)
class Drop:
    state: PostState
    reason: str


@dataclass(frozen=True, slots=True)
class Edit:
    """The post is an edit of a message the bot posted before (a poll's, when it closes):
    ``run`` makes it, raising ``discord.HTTPException`` as a send would."""

    channel_id: int
    message_id: int
    run: Callable[[], Awaitable[None]]


class Composer(Protocol):
    async def compose(self, post: ClaimedPost, *, late: bool) -> Send | Drop | Edit: ...


class LaunchPosts:
    """Reminders before a launch and the post at the launch, to the announce channel; and their
    copies for subscribed members, by DM (target ``user:<id>``), added when the channel's post
    goes out (even when the server has no announce channel)."""

    def __init__(self, deliveries: DeliveryService) -> None:
        self._deliveries = deliveries

    async def compose(self, post: ClaimedPost, *, late: bool) -> Send | Drop:
        subject = await self._deliveries.subject(post)
        if subject.launch is None or not subject.still_planned:
            return Drop(PostState.CANCELLED, "the launch changed")
        kind_name, _, rest = post.key.partition(":")
        offset = timedelta(minutes=int(rest.partition("@")[0] or 0))
        member = user_of(post.target)
        if member is not None:
            out = member_reminder(
                PostKind(kind_name), offset, subject.launch, subject.settings, late=late
            )
            return Send(out, user_id=member)
        if post.target == CHANNEL:
            await self._deliveries.fan_out(post)
        channel_id = subject.settings.announce_channel_id if post.target == CHANNEL else None
        if channel_id is None:
            return Drop(PostState.SKIPPED, "no announce channel")
        out = launch_post(PostKind(kind_name), offset, subject.launch, subject.settings, late=late)
        return Send(out, channel_id=channel_id, about=subject.launch.title)


class DigestPosts:
    """The weekly digest, to the announce channel. Taking one up plans the next."""

    def __init__(self, digests: DigestService) -> None:
        self._digests = digests

    async def compose(self, post: ClaimedPost, *, late: bool) -> Send | Drop:
        day = day_of_key(post.key)
        settings = await self._digests.settings(post.guild_id)
        if day is None or settings.digest_weekday is None:
            return Drop(PostState.CANCELLED, "the weekly digest is off")
        if day.weekday() != settings.digest_weekday:
            return Drop(PostState.CANCELLED, "the digest day changed")
        if settings.announce_channel_id is None:
            return Drop(PostState.SKIPPED, "no announce channel")
        await self._digests.plan_next(post.guild_id)
        moment = digest_on(day, settings.digest_time, settings.timezone)
        content = await self._digests.content(post.guild_id, moment)
        return Send(weekly_digest(content, late=late), channel_id=settings.announce_channel_id)


class ChangeNotices:
    """A launch's change notice, saying what the change was (from the post's payload), to the
    announce channel as it is set now; none once the server has turned notices off."""

    def __init__(self, deliveries: DeliveryService) -> None:
        self._deliveries = deliveries

    async def compose(self, post: ClaimedPost, *, late: bool) -> Send | Drop:
        try:
            notice = ChangeNotice.from_payload(post.payload)
        except ValueError:
            return Drop(PostState.FAILED, "the notice's content could not be read")
        settings = await self._deliveries.settings(post.guild_id)
        if not settings.change_notices:
            return Drop(PostState.SKIPPED, "change notices are off")
        channel_id = settings.announce_channel_id if post.target == CHANNEL else None
        if channel_id is None:
            return Drop(PostState.SKIPPED, "no announce channel")
        out = notice_message(notice, late=late)
        if post.launch_id is not None:
            # Imported here: the buttons' module reaches back to the bot class through
            # bot/ui/safe.py, which imports the dispatcher, which imports this module.
            from bot.ui.remind_button import remind_me

            out = replace(out, view=remind_me(post.guild_id, post.launch_id))
        return Send(out, channel_id=channel_id, about=notice.device)


class AdminNotes:
    """A note telling the server's admins that Discord refused a post (what it was and why, from
    the payload), to the announce channel as it is set now."""

    def __init__(self, deliveries: DeliveryService) -> None:
        self._deliveries = deliveries

    async def compose(self, post: ClaimedPost, *, late: bool) -> Send | Drop:
        try:
            note = AdminNote.from_payload(post.payload)
        except ValueError:
            return Drop(PostState.FAILED, "the note's content could not be read")
        settings = await self._deliveries.settings(post.guild_id)
        if settings.announce_channel_id is None:
            return Drop(PostState.SKIPPED, "no announce channel")
        return Send(admin_note_message(note), channel_id=settings.announce_channel_id)


class PollCloses:
    """A poll's close: the poll stops taking votes (once: a poll closed already stays as it is),
    then its message shows the final tally, hidden results revealed, answers no longer
    clickable. The edit is the post's delivery, retried like a send; a close the bot missed
    while it was down happens when it is back."""

    def __init__(self, polls: PollService, messages: PollMessages) -> None:
        self._polls = polls
        self._messages = messages

    async def compose(self, post: ClaimedPost, *, late: bool) -> Send | Drop | Edit:
        poll_id = poll_of_subject(post.subject)
        if poll_id is None:
            return Drop(PostState.FAILED, f"{post.subject!r} names no poll")
        try:
            closed = await self._polls.close_when_due(post.guild_id, poll_id)
        except PollNotFound:
            return Drop(PostState.CANCELLED, "the poll is gone")
        if isinstance(closed, CloseMoved):
            return Drop(PostState.CANCELLED, f"the launch moved: the poll closes at {closed.to}")
        poll = closed.view.poll
        if poll.channel_id is None or poll.message_id is None:
            return Drop(PostState.SKIPPED, "closed; the poll has no message to show it on")
        view = closed.view

        async def show() -> None:
            await self._messages.show(view)

        return Edit(poll.channel_id, poll.message_id, show)


def composers(
    deliveries: DeliveryService,
    polls: tuple[PollService, PollMessages] | None = None,
    client: discord.Client | None = None,
) -> dict[str, Composer]:
    launch_posts = LaunchPosts(deliveries)
    found: dict[str, Composer] = {
        PostKind.REMINDER.value: launch_posts,
        PostKind.LAUNCH.value: launch_posts,
        DIGEST: DigestPosts(deliveries.digests),
        NOTICE_KIND: ChangeNotices(deliveries),
        NOTE_KIND: AdminNotes(deliveries),
    }
    if polls is not None:
        found[CLOSE_KIND] = PollCloses(*polls)
    if client is not None:
        from bot.app.poll_outcome_posts import PollOutcomes  # it uses Send and Drop from here

        found[OUTCOME_KIND] = PollOutcomes(client)
    return found
