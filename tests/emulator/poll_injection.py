"""What members and Discord's clock do to a native poll: votes, taking votes back, and the poll
ending by time. Raises LookupError / ValueError / PermissionError for what Discord's client
could not do; otherwise the gateway events are on the wire when the call returns."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .constants import Perm
from .messages import MessageRecord
from .models import Member, User

if TYPE_CHECKING:
    from .gateway import Gateway
    from .messages import MessageStore
    from .polls import NativePolls
    from .world import World

Voter = int | Member | User
VoteChange = tuple[str, int]
"""("MESSAGE_POLL_VOTE_ADD" or "MESSAGE_POLL_VOTE_REMOVE", answer_id)."""


class PollInjectionMixin:
    if TYPE_CHECKING:
        state: World
        gateway: Gateway
        message_store: MessageStore
        polls: NativePolls

    async def vote_native_poll(
        self,
        channel_id: int,
        message_id: int,
        user_id: Voter,
        answer_ids: int | Iterable[int],
    ) -> list[VoteChange]:
        """The member votes ``answer_ids`` (several only if the poll allows multiselect). A
        member who already voted changes the vote, as Discord's client does: a VOTE_REMOVE per
        answer dropped, then a VOTE_ADD per answer added. Returns those changes."""
        msg = self._poll_message(channel_id, message_id)
        user = self._voter(msg, user_id)
        wanted = [answer_ids] if isinstance(answer_ids, int) else list(answer_ids)
        if not wanted:
            raise ValueError("no answer given (to take a vote back: remove_native_poll_vote)")
        changes = self.polls.set_votes(msg, user, wanted)
        await self.gateway.flush()
        return changes

    async def remove_native_poll_vote(
        self,
        channel_id: int,
        message_id: int,
        user_id: Voter,
        answer_ids: int | Iterable[int] | None = None,
    ) -> list[VoteChange]:
        """The member takes back the vote for ``answer_ids`` (None: the whole vote); one
        VOTE_REMOVE per answer the member had chosen."""
        msg = self._poll_message(channel_id, message_id)
        user = self._voter(msg, user_id)
        current = {a for a, voters in msg.poll_votes.items() if user.id in voters}
        if answer_ids is None:
            dropped = current
        else:
            dropped = {answer_ids} if isinstance(answer_ids, int) else set(answer_ids)
            unknown = dropped - set(msg.poll_votes)
            if unknown:
                raise ValueError(f"no answer {sorted(unknown)} in poll {sorted(msg.poll_votes)}")
        changes = self.polls.set_votes(msg, user, current - dropped)
        await self.gateway.flush()
        return changes

    async def expire_native_poll(self, channel_id: int, message_id: int) -> MessageRecord:
        """The poll's time is up (Discord's clock, whatever the emulator's says): results
        final, MESSAGE_UPDATE, then the POLL_RESULT message, which is returned. ``expiry``
        keeps its value. The emulator never ends a poll by itself."""
        msg = self._poll_message(channel_id, message_id)
        result = self.polls.end(msg, early=False)
        await self.gateway.flush()
        return result

    async def vote_poll(
        self, message: MessageRecord, voter: Member | User, answer_id: int, *, remove: bool = False
    ) -> None:
        """One answer added to (or, ``remove``, taken from) the member's vote; on a
        single-choice poll adding replaces the member's earlier answer."""
        msg = self._poll_message(message.channel_id, message.id)
        user = self._voter(msg, voter)
        current = {a for a, voters in msg.poll_votes.items() if user.id in voters}
        if remove:
            wanted = current - {answer_id}
        elif msg.poll is not None and msg.poll["allow_multiselect"]:
            wanted = current | {answer_id}
        else:
            wanted = {answer_id}
        self.polls.set_votes(msg, user, wanted)
        await self.gateway.flush()

    def _poll_message(self, channel_id: int, message_id: int) -> MessageRecord:
        msg = self.message_store.records.get(int(message_id))
        if msg is None or msg.deleted or msg.channel_id != int(channel_id):
            raise LookupError(f"no message {message_id} in channel {channel_id}")
        if msg.poll is None:
            raise ValueError(f"message {message_id} has no poll")
        return msg

    def _voter(self, msg: MessageRecord, who: Voter) -> User:
        """The voting user, who must be able to see the poll's channel."""
        user = who.user if isinstance(who, Member) else who
        if isinstance(user, int):
            found = self.state.user(user)
            if found is None:
                raise LookupError(f"no user {user}")
            user = found
        channel = self.state.channel(msg.channel_id)
        if channel is None:
            raise LookupError(f"channel {msg.channel_id} is gone")
        guild = self.state.guild_of(channel)
        if guild is None:
            if user.id not in {r.id for r in channel.recipients}:
                raise PermissionError(f"{user.username} is not in this DM")
            return user
        member = guild.members.get(user.id)
        if member is None:
            raise PermissionError(f"{user.username} is not a member of {guild.name}")
        if not self.state.permissions(guild, member, channel) & Perm.VIEW_CHANNEL:
            raise PermissionError(f"{user.username} cannot see #{channel.name}")
        return user
