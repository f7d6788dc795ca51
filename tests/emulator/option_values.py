"""Typed values in interactions: slash-command options, select values, modal inputs.

Each function refuses values a real Discord client could not send (wrong type, outside
choices / min / max / channel_types, unknown select option, missing required modal input).
"""

from __future__ import annotations

from typing import Any

from . import payloads
from .constants import ComponentType, OptionType
from .models import Channel, Guild, Member, Role, User
from .world import World


def submitted_input(
    component: dict[str, Any], values: dict[str, Any], known: set[str]
) -> dict[str, Any] | None:
    custom_id = component.get("custom_id")
    if custom_id is None:
        return None
    known.add(custom_id)
    ctype = int(component.get("type", 0))
    if ctype == ComponentType.TEXT_INPUT:
        value = str(values.get(custom_id, ""))
        if component.get("required", True) and not value:
            raise ValueError(f"text input {custom_id!r} is required")
        if value and not int(component.get("min_length") or 0) <= len(value) <= int(
            component.get("max_length") or 4000
        ):
            raise ValueError(
                f"text input {custom_id!r} length {len(value)} is outside min/max_length"
            )
        return with_id({"type": ctype, "custom_id": custom_id, "value": value}, component)
    chosen = values.get(custom_id, [])
    return with_id(
        {"type": ctype, "custom_id": custom_id, "values": [str(v) for v in chosen]}, component
    )


def with_id(data: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    if source.get("id") is not None:
        data["id"] = source["id"]
    return data


def schema_for(
    schema: list[dict[str, Any]], group: str | None, subcommand: str | None, name: str
) -> list[dict[str, Any]]:
    """The option list of the invoked leaf (descending into group / subcommand)."""
    has_subs = any(
        o.get("type") in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP) for o in schema
    )
    if not has_subs:
        if group or subcommand:
            raise ValueError(f"/{name} has no subcommands")
        return schema
    level = schema
    if group is not None:
        node = next(
            (o for o in level if o["name"] == group and o["type"] == OptionType.SUB_COMMAND_GROUP),
            None,
        )
        if node is None:
            raise ValueError(f"/{name} has no subcommand group {group!r}")
        level = node.get("options") or []
    if subcommand is None:
        raise ValueError(f"/{name} needs a subcommand: {[o['name'] for o in level]}")
    node = next(
        (o for o in level if o["name"] == subcommand and o["type"] == OptionType.SUB_COMMAND), None
    )
    if node is None:
        raise ValueError(
            f"/{name} {group or ''} has no subcommand {subcommand!r}: {[o['name'] for o in level]}"
        )
    return list(node.get("options") or [])


def convert_option(
    option: dict[str, Any],
    value: Any,
    world: World,
    guild: Guild | None,
    channel: Channel,
    invoker: User,
    resolved: dict[str, dict[str, Any]],
) -> Any:
    otype = int(option["type"])
    name = option.get("name", "?")
    if otype in (OptionType.STRING, OptionType.INTEGER, OptionType.NUMBER):
        if otype == OptionType.STRING:
            value = str(value)
            low, high = option.get("min_length"), option.get("max_length")
            if (low is not None and len(value) < low) or (high is not None and len(value) > high):
                raise ValueError(f"option {name!r}: length {len(value)} outside [{low}, {high}]")
        else:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"option {name!r} expects a number, got {value!r}")
            if otype == OptionType.INTEGER and value != int(value):
                raise ValueError(f"option {name!r} expects an integer")
            value = int(value) if otype == OptionType.INTEGER else float(value)
            low, high = option.get("min_value"), option.get("max_value")
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError(f"option {name!r}: {value} outside [{low}, {high}]")
        choices = option.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise ValueError(
                f"option {name!r}: {value!r} is not one of {[c['value'] for c in choices]}"
            )
        return value
    if otype == OptionType.BOOLEAN:
        return bool(value)
    if otype == OptionType.ATTACHMENT:
        filename, data = value
        att_id = world.new_id()
        url = f"https://cdn.discordapp.com/ephemeral-attachments/{att_id}/{filename}"
        resolved.setdefault("attachments", {})[str(att_id)] = {
            "id": str(att_id),
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": "application/octet-stream",
            "ephemeral": True,
        }
        return str(att_id)
    if isinstance(value, Role) and otype in (OptionType.ROLE, OptionType.MENTIONABLE):
        resolved.setdefault("roles", {})[str(value.id)] = payloads.role(value)
        return str(value.id)
    if isinstance(value, Channel) and otype == OptionType.CHANNEL:
        types = option.get("channel_types")
        if types and value.type not in types:
            raise ValueError(f"option {name!r}: channel type {value.type} not in {types}")
        perms = 0
        if guild is not None:
            perms = world.permissions(guild, guild.members[invoker.id], value)
        data = payloads.channel(value, permissions=perms)
        data.pop("permission_overwrites", None)
        resolved.setdefault("channels", {})[str(value.id)] = data
        return str(value.id)
    if isinstance(value, Member | User) and otype in (OptionType.USER, OptionType.MENTIONABLE):
        user = value.user if isinstance(value, Member) else value
        resolved.setdefault("users", {})[str(user.id)] = payloads.user(user)
        member = guild.members.get(user.id) if guild is not None else None
        if member is not None and guild is not None:
            perms = world.permissions(guild, member, channel)
            resolved.setdefault("members", {})[str(user.id)] = payloads.member(
                member, with_user=False, permissions=perms
            )
        return str(user.id)
    raise ValueError(f"option {name!r} (type {otype}) cannot take {value!r}")


def select_values(
    component: dict[str, Any],
    values: list[Any],
    world: World,
    guild: Guild | None,
    channel: Channel,
    user: User,
    resolved: dict[str, dict[str, Any]],
) -> list[str]:
    low, high = int(component.get("min_values", 1)), int(component.get("max_values", 1))
    if not low <= len(values) <= high:
        raise ValueError(
            f"select {component['custom_id']!r} takes {low}..{high} values, got {len(values)}"
        )
    ctype = int(component["type"])
    if ctype == ComponentType.STRING_SELECT:
        allowed = [o["value"] for o in component.get("options") or []]
        bad = [v for v in values if v not in allowed]
        if bad:
            raise ValueError(
                f"select {component['custom_id']!r} has no option(s) {bad}; options: {allowed}"
            )
        return [str(v) for v in values]
    kind = {
        ComponentType.USER_SELECT: OptionType.USER,
        ComponentType.ROLE_SELECT: OptionType.ROLE,
        ComponentType.MENTIONABLE_SELECT: OptionType.MENTIONABLE,
        ComponentType.CHANNEL_SELECT: OptionType.CHANNEL,
    }[ComponentType(ctype)]
    option = {
        "type": kind,
        "name": component["custom_id"],
        "channel_types": component.get("channel_types"),
    }
    return [str(convert_option(option, v, world, guild, channel, user, resolved)) for v in values]
