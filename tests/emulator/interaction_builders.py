"""Builds INTERACTION_CREATE payloads exactly as Discord sends them.

It refuses (ValueError / LookupError / PermissionError) to build what a real Discord client could
not send: commands that were never synced, unknown or missing required options, values outside
choices/min/max, clicks on components that are not on the message or are disabled, ...
"""

from __future__ import annotations

from typing import Any

from . import payloads
from .commands import CommandStore
from .constants import (
    DEFAULT_ATTACHMENT_SIZE_LIMIT,
    SELECT_TYPES,
    CommandType,
    ComponentType,
    InteractionType,
    OptionType,
    Perm,
)
from .interactions import InteractionRegistry
from .messages import MessageRecord
from .models import Channel, Guild, Member, User
from .option_values import convert_option, schema_for, select_values, submitted_input, with_id
from .world import World

DM_APP_PERMISSIONS = (
    Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.ADD_REACTIONS
    | Perm.USE_EXTERNAL_EMOJIS
)
SIZE_LIMITS = {
    0: DEFAULT_ATTACHMENT_SIZE_LIMIT,
    1: DEFAULT_ATTACHMENT_SIZE_LIMIT,
    2: 50 << 20,
    3: 100 << 20,
}


class InteractionBuilder:
    def __init__(self, world: World, commands: CommandStore) -> None:
        self.world = world
        self.commands = commands

    # ------------------------------------------------------------- envelope

    def envelope(
        self,
        type: int,
        *,
        guild: Guild | None,
        channel: Channel,
        user: User,
        data: dict[str, Any] | None,
        message: MessageRecord | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        world = self.world
        payload: dict[str, Any] = {
            "id": str(world.new_id()),
            "application_id": str(world.application.id),
            "type": type,
            "token": InteractionRegistry.new_token(),
            "version": 1,
            "channel_id": str(channel.id),
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": SIZE_LIMITS.get(
                guild.premium_tier if guild else 0, DEFAULT_ATTACHMENT_SIZE_LIMIT
            ),
        }
        if guild is not None:
            member = self._member(guild, user)
            perms = world.permissions(guild, member, channel)
            payload.update(
                guild_id=str(guild.id),
                guild_locale=guild.preferred_locale,
                guild={
                    "id": str(guild.id),
                    "locale": guild.preferred_locale,
                    "features": list(guild.features),
                },
                member=payloads.member(member, permissions=perms),
                channel=payloads.channel(channel, permissions=perms),
                app_permissions=str(world.permissions(guild, world.bot_member(guild), channel)),
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
            )
        else:
            payload.update(
                user=payloads.user(user),
                channel=payloads.channel(channel, permissions=DM_APP_PERMISSIONS),
                app_permissions=str(DM_APP_PERMISSIONS),
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        if data is not None:
            payload["data"] = data
        if message is not None:
            payload["message"] = message.payload()
        return payload

    def _member(self, guild: Guild, user: User) -> Member:
        member = guild.members.get(user.id)
        if member is None:
            raise ValueError(f"{user.username} is not a member of {guild.name}")
        return member

    # ---------------------------------------------------------- app commands

    def find_command(
        self, guild: Guild | None, user: User, channel: Channel, name: str, ctype: int, force: bool
    ) -> dict[str, Any]:
        command = self.commands.find(name, guild_id=None if guild is None else guild.id, type=ctype)
        if command is None:
            synced = [c["name"] for c in self.commands.global_commands]
            if guild is not None:
                synced += [c["name"] for c in self.commands.guild_commands.get(guild.id, [])]
            raise LookupError(
                f"command {name!r} (type {ctype}) is not synced here; synced: {synced}"
            )
        if force:
            return command
        contexts = command.get("contexts")
        if guild is None and (
            "guild_id" in command
            or (contexts is not None and 1 not in contexts)
            or command.get("dm_permission") is False
        ):
            raise PermissionError(f"/{name} is not available in DMs")
        if guild is not None and contexts is not None and 0 not in contexts:
            raise PermissionError(f"/{name} is not available in guilds")
        required = command.get("default_member_permissions")
        if guild is not None and required is not None:
            perms = self.world.permissions(guild, self._member(guild, user), channel)
            needed = int(required)
            admin = bool(perms & Perm.ADMINISTRATOR)  # "0" means: administrators only
            if not admin and (needed == 0 or perms & needed != needed):
                raise PermissionError(
                    f"{user.username} lacks default_member_permissions={required} for /{name}"
                )
        return command

    def slash(
        self,
        guild: Guild | None,
        user: User,
        channel: Channel,
        name: str,
        *,
        group: str | None = None,
        subcommand: str | None = None,
        options: dict[str, Any] | None = None,
        focused: str | None = None,
        locale: str = "en-US",
        force: bool = False,
    ) -> dict[str, Any]:
        command = self.find_command(guild, user, channel, name, CommandType.CHAT_INPUT, force)
        schema: list[dict[str, Any]] = command.get("options") or []
        resolved: dict[str, dict[str, Any]] = {}
        leaf_values = self._options(
            schema_for(schema, group, subcommand, name),
            options or {},
            guild,
            channel,
            user,
            resolved,
            focused,
        )
        top: list[dict[str, Any]] = leaf_values
        if subcommand is not None:
            top = [{"name": subcommand, "type": OptionType.SUB_COMMAND, "options": leaf_values}]
            if group is not None:
                top = [{"name": group, "type": OptionType.SUB_COMMAND_GROUP, "options": top}]
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": CommandType.CHAT_INPUT}
        if top:
            data["options"] = top
        if resolved and focused is None:
            data["resolved"] = resolved
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        itype = (
            InteractionType.APPLICATION_COMMAND
            if focused is None
            else InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE
        )
        return self.envelope(
            itype, guild=guild, channel=channel, user=user, data=data, locale=locale
        )

    def _options(
        self,
        schema: list[dict[str, Any]],
        given: dict[str, Any],
        guild: Guild | None,
        channel: Channel,
        user: User,
        resolved: dict[str, dict[str, Any]],
        focused: str | None,
    ) -> list[dict[str, Any]]:
        by_name = {o["name"]: o for o in schema}
        unknown = set(given) - set(by_name)
        if unknown:
            raise ValueError(
                f"unknown option(s) {sorted(unknown)}; the command has {sorted(by_name)}"
            )
        if focused is not None and focused not in given:
            raise ValueError(f"the focused option {focused!r} needs a (partial) value in options")
        result = []
        for option in schema:
            name = option["name"]
            if name not in given:
                if option.get("required") and focused is None:
                    raise ValueError(f"required option {name!r} missing")
                continue
            if name == focused:
                result.append(
                    {"name": name, "type": option["type"], "value": given[name], "focused": True}
                )
                continue
            value = convert_option(option, given[name], self.world, guild, channel, user, resolved)
            result.append({"name": name, "type": option["type"], "value": value})
        return result

    def context_menu(
        self,
        guild: Guild | None,
        user: User,
        channel: Channel,
        name: str,
        target: Any,
        *,
        locale: str = "en-US",
        force: bool = False,
    ) -> dict[str, Any]:
        ctype = CommandType.MESSAGE if isinstance(target, MessageRecord) else CommandType.USER
        command = self.find_command(guild, user, channel, name, ctype, force)
        resolved: dict[str, dict[str, Any]] = {}
        if isinstance(target, MessageRecord):
            resolved["messages"] = {str(target.id): target.payload()}
            target_id = target.id
        else:
            target_id = int(
                convert_option(
                    {"type": OptionType.USER}, target, self.world, guild, channel, user, resolved
                )
            )
        data: dict[str, Any] = {
            "id": command["id"],
            "name": name,
            "type": ctype,
            "target_id": str(target_id),
            "resolved": resolved,
        }
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return self.envelope(
            InteractionType.APPLICATION_COMMAND,
            guild=guild,
            channel=channel,
            user=user,
            data=data,
            locale=locale,
        )

    # ----------------------------------------------------------- components

    def component(
        self,
        message: MessageRecord,
        user: User,
        custom_id: str,
        values: list[Any] | None = None,
        *,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        channel = self.world.channel(message.channel_id)
        if channel is None:
            raise LookupError(f"message {message.id} is in an unknown channel")
        guild = self.world.guild_of(channel)
        component = message.find_component(custom_id)
        if component is None:
            raise ValueError(
                f"no component {custom_id!r} on message {message.id}; it has {message.custom_ids()}"
            )
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        ctype = int(component["type"])
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if component.get("id") is not None:
            data["id"] = component["id"]
        if ctype in SELECT_TYPES:
            resolved: dict[str, dict[str, Any]] = {}
            data["values"] = select_values(
                component, values or [], self.world, guild, channel, user, resolved
            )
            if resolved:
                data["resolved"] = resolved
        elif values:
            raise ValueError("buttons take no values")
        return self.envelope(
            InteractionType.MESSAGE_COMPONENT,
            guild=guild,
            channel=channel,
            user=user,
            data=data,
            message=message,
            locale=locale,
        )

    def modal_submit(
        self,
        modal: dict[str, Any],
        guild: Guild | None,
        channel: Channel,
        user: User,
        values: dict[str, Any],
        *,
        message: MessageRecord | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        components: list[dict[str, Any]] = []
        known: set[str] = set()
        for top in modal.get("components") or []:
            if top.get("type") == ComponentType.LABEL:
                inner = submitted_input(top.get("component") or {}, values, known)
                if inner is not None:
                    components.append(
                        with_id({"type": ComponentType.LABEL, "component": inner}, top)
                    )
            elif top.get("type") == ComponentType.ACTION_ROW:
                row = [
                    c
                    for c in (
                        submitted_input(c, values, known) for c in top.get("components") or []
                    )
                    if c
                ]
                components.append({"type": ComponentType.ACTION_ROW, "components": row})
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"the modal has no input(s) {sorted(unknown)}; it has {sorted(known)}")
        data = {"custom_id": modal["custom_id"], "components": components}
        return self.envelope(
            InteractionType.MODAL_SUBMIT,
            guild=guild,
            channel=channel,
            user=user,
            data=data,
            message=message,
            locale=locale,
        )
