"""What happens to a native poll after it is posted: members' votes (MESSAGE_POLL_VOTE_ADD /
_REMOVE) and its end (final results, MESSAGE_UPDATE, then the POLL_RESULT system message)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from . import poll_state
from .constants import Intent, MessageType
from .gateway import Gateway
from .messages import MessageRecord, MessageStore
from .models import User
from .snowflakes import iso
from .world import World

VOTE_ADD = "MESSAGE_POLL_VOTE_ADD"
VOTE_REMOVE = "MESSAGE_POLL_VOTE_REMOVE"


class NativePolls:
    def __init__(self, world: World, store: MessageStore, gateway: Gateway) -> None:
        self.world = world
        self.store = store
        self.gateway = gateway

    def set_votes(
        self, msg: MessageRecord, user: User, answer_ids: Collection[int]
    ) -> list[tuple[str, int]]:
        """Makes ``answer_ids`` the user's whole vote (empty: no vote), as Discord's client does:
        one VOTE_REMOVE per answer dropped, then one VOTE_ADD per answer added. Returns those
        (event, answer_id) pairs. The caller has checked who may vote."""
        poll = msg.poll
        if poll is None:
            raise ValueError(f"message {msg.id} has no poll")
        if msg.poll_finalized:
            raise ValueError(f"the poll of message {msg.id} has ended (Discord: 520001)")
        if user.bot:
            raise ValueError("apps and bots cannot vote on polls")
        wanted = set(answer_ids)
        unknown = wanted - set(msg.poll_votes)
        if unknown:
            raise ValueError(f"no answer {sorted(unknown)} in poll {sorted(msg.poll_votes)}")
        if len(wanted) > 1 and not poll["allow_multiselect"]:
            raise ValueError("this poll allows one answer per member (allow_multiselect false)")
        current = {a for a, voters in msg.poll_votes.items() if user.id in voters}
        changes = [(VOTE_REMOVE, a) for a in sorted(current - wanted)]
        changes += [(VOTE_ADD, a) for a in sorted(wanted - current)]
        for event, answer_id in changes:
            voters = msg.poll_votes[answer_id]
            (voters.add if event == VOTE_ADD else voters.discard)(user.id)
            self._dispatch_vote(event, msg, user, answer_id)
        self.store.notifier.notify()
        return changes

    def _dispatch_vote(self, event: str, msg: MessageRecord, user: User, answer_id: int) -> None:
        data: dict[str, Any] = {
            "user_id": str(user.id),
            "channel_id": str(msg.channel_id),
            "message_id": str(msg.id),
            "answer_id": answer_id,
        }
        if msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
        intent = Intent.GUILD_MESSAGE_POLLS if msg.guild_id else Intent.DIRECT_MESSAGE_POLLS
        self.gateway.dispatch(event, data, guild_id=msg.guild_id, intent=intent)

    def end(self, msg: MessageRecord, *, early: bool) -> MessageRecord:
        """Ends the poll: results final, MESSAGE_UPDATE, then the POLL_RESULT message in the
        channel (author: the poll's author). Ended ``early`` (the expire endpoint), ``expiry``
        becomes now; by time, it stays. Returns the POLL_RESULT message."""
        if msg.poll is None:
            raise ValueError(f"message {msg.id} has no poll")
        if msg.poll_finalized:
            raise ValueError(f"the poll of message {msg.id} has already ended")
        channel = self.world.channel(msg.channel_id)
        if channel is None:
            raise LookupError(f"channel {msg.channel_id} is gone")
        if early:
            msg.poll["expiry"] = iso(datetime.now(UTC))
        msg.poll_finalized = True
        self.store.announce_update(msg)
        reference = {"type": 0, "channel_id": str(msg.channel_id), "message_id": str(msg.id)}
        if msg.guild_id is not None:
            reference["guild_id"] = str(msg.guild_id)
        return self.store.create_system(
            channel,
            msg.author,
            type=MessageType.POLL_RESULT,
            embeds=[poll_state.result_embed(msg.poll, msg.poll_votes)],
            reference=reference,
        )
