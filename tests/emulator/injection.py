"""What users do, injected over the gateway: slash commands, autocomplete, context menus,
button/select clicks, modal submits, plain messages, event subscriptions (poll votes:
poll_injection.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .constants import CallbackType, CommandType, Intent, OptionType, Perm
from .errors import FormErrors
from .interactions import InteractionHandle
from .messages import MessageRecord
from .models import Channel, Guild, Member, ScheduledEvent, User
from .option_values import schema_for
from .poll_validation import validate_poll

if TYPE_CHECKING:
    from .gateway import Gateway
    from .interaction_builders import InteractionBuilder
    from .interactions import InteractionRegistry
    from .messages import MessageStore
    from .world import World

Who = Member | User


class InjectionMixin:
    if TYPE_CHECKING:
        state: World
        builder: InteractionBuilder
        gateway: Gateway
        interaction_registry: InteractionRegistry
        message_store: MessageStore

    def _user_of(self, who: Who) -> User:
        return who.user if isinstance(who, Member) else who

    def _default_channel(self, guild: Guild | None, user: User) -> Channel:
        if guild is None:
            return self.state.dm_channel(user)
        member = guild.members[user.id]
        for channel in guild.text_channels():
            if self.state.permissions(guild, member, channel) & Perm.VIEW_CHANNEL:
                return channel
        raise LookupError(f"{user.username} can see no text channel in {guild.name}")

    async def _dispatch_interaction(
        self,
        payload: dict[str, Any],
        guild: Guild | None,
        channel: Channel,
        user: User,
        source: MessageRecord | None = None,
    ) -> InteractionHandle:
        if not self.gateway.live_sessions():
            raise RuntimeError("no bot session is connected to the emulator's gateway")
        member = guild.members.get(user.id) if guild is not None else None
        handle = InteractionHandle(
            payload, guild=guild, channel=channel, user=user, member=member, source_message=source
        )
        self.interaction_registry.add(handle)
        sessions = self.gateway.dispatch_to(
            "INTERACTION_CREATE", payload, guild_id=None if guild is None else guild.id
        )
        if not sessions:
            raise RuntimeError("no gateway session handles this guild")
        handle.shards = [session.shard for session in sessions]
        await self.gateway.flush()
        return handle

    async def invoke_slash(
        self,
        guild: Guild | None,
        member: Who,
        name: str,
        *,
        subcommand: str | None = None,
        group: str | None = None,
        options: dict[str, Any] | None = None,
        channel: Channel | None = None,
        locale: str = "en-US",
        force: bool = False,
    ) -> InteractionHandle:
        """``/name [group] [subcommand] options...`` by ``member`` (a User and guild=None for DMs).

        Option values: str/int/float/bool, Member/User, Channel, Role, or (filename, bytes).
        ``force`` skips the default_member_permissions / contexts checks Discord's UI applies."""
        user = self._user_of(member)
        channel = channel or self._default_channel(guild, user)
        payload = self.builder.slash(
            guild,
            user,
            channel,
            name,
            group=group,
            subcommand=subcommand,
            options=options,
            locale=locale,
            force=force,
        )
        return await self._dispatch_interaction(payload, guild, channel, user)

    async def invoke_forged_slash(
        self,
        guild: Guild | None,
        member: Who,
        name: str,
        *,
        forged: dict[str, Any],
        subcommand: str | None = None,
        group: str | None = None,
        options: dict[str, Any] | None = None,
        channel: Channel | None = None,
    ) -> InteractionHandle:
        """Like ``invoke_slash``, but the options in ``forged`` carry their raw JSON values as
        given, unchecked: a value outside the choices or min/max, of another type, an id with no
        resolved data. That is what a modified client, or a stale command schema, can deliver.
        ``options`` are checked as usual (a required option needs a valid value there too, which
        ``forged`` then replaces)."""
        user = self._user_of(member)
        channel = channel or self._default_channel(guild, user)
        payload = self.builder.slash(
            guild, user, channel, name, group=group, subcommand=subcommand, options=options
        )
        command = self.builder.find_command(
            guild, user, channel, name, CommandType.CHAT_INPUT, force=True
        )
        schema = {
            o["name"]: o for o in schema_for(command.get("options") or [], group, subcommand, name)
        }
        leaf: list[dict[str, Any]] = payload["data"].setdefault("options", [])
        nested = (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP)
        while leaf and leaf[0]["type"] in nested:
            leaf = leaf[0].setdefault("options", [])
        for option, value in forged.items():
            if option not in schema:
                raise ValueError(f"/{name} has no option {option!r}: {sorted(schema)}")
            leaf[:] = [o for o in leaf if o["name"] != option]
            leaf.append({"name": option, "type": schema[option]["type"], "value": value})
        return await self._dispatch_interaction(payload, guild, channel, user)

    async def invoke_autocomplete(
        self,
        guild: Guild | None,
        member: Who,
        name: str,
        *,
        focused: str,
        options: dict[str, Any],
        subcommand: str | None = None,
        group: str | None = None,
        channel: Channel | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """The user is typing into option ``focused`` (partial value: ``options[focused]``)."""
        user = self._user_of(member)
        channel = channel or self._default_channel(guild, user)
        payload = self.builder.slash(
            guild,
            user,
            channel,
            name,
            group=group,
            subcommand=subcommand,
            options=options,
            focused=focused,
            locale=locale,
        )
        return await self._dispatch_interaction(payload, guild, channel, user)

    async def invoke_context_menu(
        self,
        guild: Guild | None,
        member: Who,
        name: str,
        target: Member | User | MessageRecord,
        *,
        channel: Channel | None = None,
        force: bool = False,
    ) -> InteractionHandle:
        """A user command (target Member/User) or message command (target MessageRecord)."""
        user = self._user_of(member)
        if channel is None and isinstance(target, MessageRecord):
            channel = self.state.channel(target.channel_id)
        channel = channel or self._default_channel(guild, user)
        payload = self.builder.context_menu(guild, user, channel, name, target, force=force)
        return await self._dispatch_interaction(payload, guild, channel, user)

    async def click_button(
        self, message: MessageRecord, member: Who, custom_id: str
    ) -> InteractionHandle:
        user = self._user_of(member)
        payload = self.builder.component(message, user, custom_id)
        return await self._dispatch_component(payload, message, user)

    async def select(
        self, message: MessageRecord, member: Who, custom_id: str, values: list[Any]
    ) -> InteractionHandle:
        """Pick ``values`` (option values; Members/Users/Roles/Channels for the typed selects)."""
        user = self._user_of(member)
        payload = self.builder.component(message, user, custom_id, values)
        return await self._dispatch_component(payload, message, user)

    async def _dispatch_component(
        self, payload: dict[str, Any], message: MessageRecord, user: User
    ) -> InteractionHandle:
        channel = self.state.channel(message.channel_id)
        assert channel is not None
        return await self._dispatch_interaction(
            payload, self.state.guild_of(channel), channel, user, message
        )

    async def submit_modal(
        self, origin: InteractionHandle, values: dict[str, Any], member: Who | None = None
    ) -> InteractionHandle:
        """Submit the modal the bot answered ``origin`` with (values by text-input custom_id)."""
        if origin.response is None or origin.response.type != CallbackType.MODAL:
            raise ValueError(f"interaction {origin.id} was not answered with a modal")
        user = self._user_of(member) if member is not None else origin.user
        payload = self.builder.modal_submit(
            origin.response.data,
            origin.guild,
            origin.channel,
            user,
            values,
            message=origin.source_message,
        )
        return await self._dispatch_interaction(
            payload, origin.guild, origin.channel, user, origin.source_message
        )

    async def post_message(
        self,
        channel: Channel,
        author: Who,
        content: str,
        *,
        embeds: list[dict[str, Any]] | None = None,
        reply_to: MessageRecord | None = None,
        poll: dict[str, Any] | None = None,
    ) -> MessageRecord:
        """A user writes a message (dispatched as MESSAGE_CREATE; content hidden from sessions
        without MESSAGE_CONTENT unless it is a DM or mentions the bot, as on Discord).
        ``poll``: a native poll in Discord's create-request shape (ValueError if invalid)."""
        user = self._user_of(author)
        body: dict[str, Any] = {"content": content, "embeds": embeds or []}
        if poll is not None:
            errors = FormErrors()
            validate_poll(poll, errors, ("poll",))
            if errors:
                raise ValueError(f"invalid poll: {errors.flat}")
            body["poll"] = poll
        if reply_to is not None:
            body["message_reference"] = {
                "message_id": str(reply_to.id),
                "channel_id": str(reply_to.channel_id),
            }
        msg = self.message_store.create(channel, user, body, [])
        await self.gateway.flush()
        return msg

    async def subscribe_to_event(
        self, event: ScheduledEvent, who: Who, *, remove: bool = False
    ) -> None:
        user = self._user_of(who)
        (event.subscribers.discard if remove else event.subscribers.add)(user.id)
        data = {
            "guild_scheduled_event_id": str(event.id),
            "user_id": str(user.id),
            "guild_id": str(event.guild_id),
        }
        name = "GUILD_SCHEDULED_EVENT_USER_" + ("REMOVE" if remove else "ADD")
        self.gateway.dispatch(
            name, data, guild_id=event.guild_id, intent=Intent.GUILD_SCHEDULED_EVENTS
        )
        await self.gateway.flush()

    def dm_channel(self, user: User) -> Channel:
        return self.state.dm_channel(user)
