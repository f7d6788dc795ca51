"""Stored messages (channel messages, DMs, interaction responses and follow-ups)."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import payloads, poll_state
from .bodies import Upload
from .constants import ChannelType, ErrorCode, Intent, MessageFlag, MessageType
from .errors import DiscordError, FormErrors
from .mentions import Pings, compute_pings
from .models import Channel, User
from .notifier import Notifier
from .permissions import channel_permissions
from .snowflakes import iso
from .world import World

Dispatch = Callable[[str, dict[str, Any], int | None, int, bool], None]
EDITABLE = ("content", "embeds", "components", "flags", "allowed_mentions", "attachments", "poll")


@dataclass(eq=False)
class MessageRecord:
    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    attachments: list[dict[str, Any]] = field(default_factory=list)
    files: dict[int, bytes] = field(default_factory=dict)
    allowed_mentions: dict[str, Any] | None = None
    pings: Pings = field(default_factory=Pings)
    """Who was notified: computed when the message is sent (or when a deferred, loading
    message first gets its content); later edits notify nobody."""
    mentions: Pings = field(default_factory=Pings)
    """The mentions of the current content (the ``mentions`` / ``mention_roles`` fields)."""
    mention_users: list[User] = field(default_factory=list)
    nonce: str | None = None
    tts: bool = False
    type: int = MessageType.DEFAULT
    poll: dict[str, Any] | None = None
    """A native poll as stored: question, answers (ids 1..n), expiry, allow_multiselect,
    layout_type; ``payload()`` adds ``results`` from ``poll_votes`` and ``poll_finalized``."""
    poll_votes: dict[int, set[int]] = field(default_factory=dict)
    """Voter ids by answer id."""
    poll_finalized: bool = False
    """The poll has ended (by ``expire`` or by time) and its results are final."""
    message_reference: dict[str, Any] | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    interaction_id: int | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    edited_at: datetime | None = None
    deleted: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)
    """Snapshots of the editable fields before each edit (oldest first)."""

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & MessageFlag.EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & MessageFlag.LOADING)

    def custom_ids(self) -> list[str]:
        found: list[str] = []

        def walk(items: list[dict[str, Any]]) -> None:
            for item in items:
                if item.get("custom_id"):
                    found.append(item["custom_id"])
                walk(item.get("components") or [])
                if item.get("accessory"):
                    walk([item["accessory"]])

        walk(self.components)
        return found

    def find_component(self, custom_id: str) -> dict[str, Any] | None:
        def walk(items: list[dict[str, Any]]) -> dict[str, Any] | None:
            for item in items:
                if item.get("custom_id") == custom_id:
                    return item
                nested = walk(item.get("components") or [])
                nested = nested or (walk([item["accessory"]]) if item.get("accessory") else None)
                if nested is not None:
                    return nested
            return None

        return walk(self.components)

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "type": self.type,
            "author": payloads.user(self.author),
            "content": self.content,
            "timestamp": iso(self.created_at),
            "edited_timestamp": None if self.edited_at is None else iso(self.edited_at),
            "tts": self.tts,
            "mention_everyone": self.mentions.everyone,
            "mentions": [payloads.user(u) for u in self.mention_users],
            "mention_roles": [str(r) for r in sorted(self.mentions.roles)],
            "attachments": self.attachments,
            "embeds": self.embeds,
            "components": self.components,
            "pinned": False,
            "flags": self.flags,
        }
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
        if self.poll is not None:
            data["poll"] = {
                **copy.deepcopy(self.poll),
                "results": poll_state.results(self.poll_votes, finalized=self.poll_finalized),
            }
        return data

    def poll_counts(self) -> dict[int, int]:
        """Votes by answer id (every answer, zeros included)."""
        return {answer_id: len(voters) for answer_id, voters in self.poll_votes.items()}


class MessageStore:
    def __init__(
        self,
        world: World,
        dispatch: Dispatch,
        attachment_base: Callable[[], str],
        nonce_window: float = 300.0,
    ) -> None:
        self.world = world
        self.dispatch = dispatch
        self.attachment_base = attachment_base
        self.nonce_window = nonce_window
        self.records: dict[int, MessageRecord] = {}
        self.created: list[MessageRecord] = []
        self.notifier = Notifier()
        self._nonces: dict[tuple[int, int, str], tuple[float, int]] = {}

    def get(self, channel_id: int, message_id: int) -> MessageRecord:
        msg = self.records.get(message_id)
        if msg is None or msg.deleted or msg.channel_id != channel_id:
            raise DiscordError(404, ErrorCode.UNKNOWN_MESSAGE, "Unknown Message")
        return msg

    def in_channel(self, channel_id: int) -> list[MessageRecord]:
        return sorted(
            (
                m
                for m in self.records.values()
                if m.channel_id == channel_id and not m.deleted and not m.ephemeral
            ),
            key=lambda m: m.id,
        )

    def find_by_nonce(
        self, channel: Channel, author: User, body: dict[str, Any]
    ) -> MessageRecord | None:
        nonce = body.get("nonce")
        if nonce is None or not body.get("enforce_nonce"):
            return None
        hit = self._nonces.get((channel.id, author.id, str(nonce)))
        if hit is None or time.monotonic() - hit[0] > self.nonce_window:
            return None
        msg = self.records.get(hit[1])
        return None if msg is None or msg.deleted else msg

    def create(
        self,
        channel: Channel,
        author: User,
        body: dict[str, Any],
        uploads: list[Upload],
        *,
        webhook_id: int | None = None,
        interaction_metadata: dict[str, Any] | None = None,
        interaction_id: int | None = None,
        type: int = MessageType.DEFAULT,
        extra_flags: int = 0,
    ) -> MessageRecord:
        msg = MessageRecord(self.world.new_id(), channel.id, channel.guild_id, author, type=type)
        msg.webhook_id = webhook_id
        msg.interaction_metadata = interaction_metadata
        msg.interaction_id = interaction_id
        if webhook_id is not None:
            msg.application_id = self.world.application.id
        msg.tts = bool(body.get("tts", False))
        if body.get("nonce") is not None:
            msg.nonce = str(body["nonce"])
        if body.get("message_reference"):
            self._reference(msg, channel, body["message_reference"])
        self._apply(msg, body, uploads, extra_flags)
        self.records[msg.id] = msg
        self.created.append(msg)
        if msg.nonce is not None and body.get("enforce_nonce"):
            self._nonces[(channel.id, author.id, msg.nonce)] = (time.monotonic(), msg.id)
        if not msg.ephemeral:
            channel.last_message_id = msg.id
            self._dispatch("MESSAGE_CREATE", msg, channel)
        self.notifier.notify()
        return msg

    def edit(
        self, msg: MessageRecord, body: dict[str, Any], uploads: list[Upload]
    ) -> MessageRecord:
        msg.history.append({k: getattr(msg, k) for k in EDITABLE})
        self._apply(msg, body, uploads, 0, editing=True)
        msg.edited_at = datetime.now(UTC)
        channel = self.world.channel(msg.channel_id)
        if channel is not None and not msg.ephemeral:
            self._dispatch("MESSAGE_UPDATE", msg, channel)
        self.notifier.notify()
        return msg

    def create_system(
        self,
        channel: Channel,
        author: User,
        *,
        type: int,
        embeds: list[dict[str, Any]],
        reference: dict[str, Any],
    ) -> MessageRecord:
        """A system message Discord posts itself (e.g. POLL_RESULT): no content, the author
        mentioned and notified, a ``message_reference`` to the message it is about."""
        msg = MessageRecord(self.world.new_id(), channel.id, channel.guild_id, author, type=type)
        msg.embeds = embeds
        msg.message_reference = reference
        msg.mention_users = [author]
        msg.mentions = msg.pings = Pings(users=frozenset({author.id}))
        self.records[msg.id] = msg
        self.created.append(msg)
        channel.last_message_id = msg.id
        self._dispatch("MESSAGE_CREATE", msg, channel)
        self.notifier.notify()
        return msg

    def announce_update(self, msg: MessageRecord) -> None:
        """MESSAGE_UPDATE for a change Discord made itself (no edit, no edited_timestamp)."""
        channel = self.world.channel(msg.channel_id)
        if channel is not None and not msg.ephemeral:
            self._dispatch("MESSAGE_UPDATE", msg, channel)
        self.notifier.notify()

    def delete(self, msg: MessageRecord) -> None:
        msg.deleted = True
        if not msg.ephemeral:
            data: dict[str, Any] = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
            if msg.guild_id is not None:
                data["guild_id"] = str(msg.guild_id)
            intent = Intent.GUILD_MESSAGES if msg.guild_id else Intent.DIRECT_MESSAGES
            self.dispatch("MESSAGE_DELETE", data, msg.guild_id, intent, False)
        self.notifier.notify()

    # ----------------------------------------------------------------- helpers

    def _apply(
        self,
        msg: MessageRecord,
        body: dict[str, Any],
        uploads: list[Upload],
        extra_flags: int,
        *,
        editing: bool = False,
    ) -> None:
        if "content" in body or not editing:
            msg.content = str(body.get("content") or "")
        if "embeds" in body or not editing:
            msg.embeds = [{"type": "rich", **e} for e in body.get("embeds") or []]
        if "components" in body or not editing:
            msg.components = _number_components(body.get("components") or [])
        was_loading = msg.loading
        requested = int(body.get("flags") or 0) & ~(MessageFlag.EPHEMERAL | MessageFlag.LOADING)
        if not editing:
            msg.flags = requested | extra_flags
        elif "flags" in body:
            sticky = msg.flags & (MessageFlag.EPHEMERAL | MessageFlag.IS_COMPONENTS_V2)
            msg.flags = sticky | requested
        if editing:
            msg.flags &= ~MessageFlag.LOADING
        if "allowed_mentions" in body or not editing:
            msg.allowed_mentions = body.get("allowed_mentions")
        if "attachments" in body or uploads or not editing:
            msg.attachments = self._attachments(msg, body.get("attachments"), uploads)
        msg.mentions = self._mentions(msg)
        msg.mention_users = [u for u in map(self.world.user, sorted(msg.mentions.users)) if u]
        if (not editing and not msg.loading) or (editing and was_loading):
            msg.pings = msg.mentions
        if body.get("poll") and (not editing or was_loading):
            # A deferred response's first follow-up can carry the poll.
            msg.poll = poll_state.new_poll(body["poll"], msg.created_at)
            msg.poll_votes = poll_state.empty_votes(msg.poll)

    def _mentions(self, msg: MessageRecord) -> Pings:
        channel = self.world.channel(msg.channel_id)
        guild = None if channel is None else self.world.guild_of(channel)
        replied = None
        if msg.message_reference is not None:
            ref = self.records.get(int(msg.message_reference.get("message_id", 0)))
            replied = None if ref is None else ref.author.id
        perms = None
        author = None if guild is None else guild.members.get(msg.author.id)
        if guild is not None and author is not None:
            perms = channel_permissions(guild, author, channel)
        return compute_pings(
            msg.content,
            msg.allowed_mentions,
            guild=guild,
            channel=channel,
            author_permissions=perms,
            replied_user_id=replied,
        )

    def _attachments(
        self, msg: MessageRecord, spec: list[dict[str, Any]] | None, uploads: list[Upload]
    ) -> list[dict[str, Any]]:
        by_index = {u.index if u.index is not None else i: u for i, u in enumerate(uploads)}
        existing = {int(a["id"]): a for a in msg.attachments}
        if spec is None:
            spec = [{"id": i} for i in sorted(by_index)]
        result = []
        for entry in spec:
            key = int(entry.get("id", -1))
            if key in existing:
                result.append(existing[key])
                continue
            upload = by_index.get(key)
            if upload is None:
                continue
            att_id = self.world.new_id()
            filename = entry.get("filename") or upload.filename
            url = f"{self.attachment_base()}/attachments/{msg.channel_id}/{att_id}/{filename}"
            msg.files[att_id] = upload.data
            result.append(
                {
                    "id": str(att_id),
                    "filename": filename,
                    "size": len(upload.data),
                    "url": url,
                    "proxy_url": url,
                    "content_type": upload.content_type,
                    **({"description": entry["description"]} if entry.get("description") else {}),
                }
            )
        return result

    def _reference(self, msg: MessageRecord, channel: Channel, ref: dict[str, Any]) -> None:
        target = self.records.get(int(ref.get("message_id") or 0))
        if (
            target is None
            or target.deleted
            or target.channel_id != int(ref.get("channel_id") or channel.id)
        ):
            if ref.get("fail_if_not_exists", True):
                errors = FormErrors()
                errors.add(
                    ("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"
                )
                errors.raise_if_any()
            return
        msg.type = MessageType.REPLY
        msg.message_reference = {
            "type": 0,
            "message_id": str(target.id),
            "channel_id": str(target.channel_id),
            **({"guild_id": str(target.guild_id)} if target.guild_id else {}),
        }

    def _dispatch(self, event: str, msg: MessageRecord, channel: Channel) -> None:
        data = msg.payload()
        guild = self.world.guild_of(channel)
        if guild is not None:
            data["guild_id"] = str(guild.id)
            member = guild.members.get(msg.author.id)
            if member is not None and msg.webhook_id is None:
                data["member"] = payloads.member(member, with_user=False)
        bot_id = self.world.bot.id
        redact = not (
            msg.author.id == bot_id
            or channel.type == ChannelType.DM
            or bot_id in msg.mentions.users
        )
        intent = Intent.GUILD_MESSAGES if guild is not None else Intent.DIRECT_MESSAGES
        self.dispatch(event, data, None if guild is None else guild.id, intent, redact)


def _number_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Discord gives every component a numeric ``id`` (1, 2, ...) when the sender did not."""
    counter = 0

    def walk(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        nonlocal counter
        result = []
        for item in items:
            counter += 1
            copy = {"id": counter, **item}
            if "components" in item:
                copy["components"] = walk(item["components"])
            if "accessory" in item:
                copy["accessory"] = walk([item["accessory"]])[0]
            result.append(copy)
        return result

    return walk(components)
