"""JSON payloads for the world's entities, shaped like Discord API v10 objects."""

from __future__ import annotations

from typing import Any

from .constants import ChannelType
from .models import Application, Channel, Guild, Member, Overwrite, Role, ScheduledEvent, User
from .snowflakes import iso


def user(u: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(u.id),
        "username": u.username,
        "discriminator": "0",
        "global_name": u.global_name,
        "avatar": None,
        "avatar_decoration_data": None,
        "banner": None,
        "accent_color": None,
        "public_flags": 0,
        "flags": 0,
        "primary_guild": None,
        "collectibles": None,
    }
    if u.bot:
        data["bot"] = True
    return data


def self_user(u: User) -> dict[str, Any]:
    """The bot's own user, as GET /users/@me and READY send it."""
    return {**user(u), "verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"}


def role(r: Role) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(r.id),
        "name": r.name,
        "description": None,
        "permissions": str(r.permissions),
        "position": r.position,
        "color": r.color,
        "colors": {"primary_color": r.color, "secondary_color": None, "tertiary_color": None},
        "hoist": r.hoist,
        "managed": r.managed,
        "mentionable": r.mentionable,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }
    if r.bot_id is not None:
        data["tags"] = {"bot_id": str(r.bot_id)}
    return data


def overwrite(o: Overwrite) -> dict[str, Any]:
    return {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}


def channel(c: Channel, *, permissions: int | None = None) -> dict[str, Any]:
    if c.type == ChannelType.DM:
        return {
            "id": str(c.id),
            "type": int(c.type),
            "last_message_id": None if c.last_message_id is None else str(c.last_message_id),
            "recipients": [user(u) for u in c.recipients],
            "flags": 0,
        }
    data: dict[str, Any] = {
        "id": str(c.id),
        "type": int(c.type),
        "guild_id": str(c.guild_id),
        "name": c.name,
        "position": c.position,
        "parent_id": None if c.parent_id is None else str(c.parent_id),
        "permission_overwrites": [overwrite(o) for o in c.overwrites],
        "flags": 0,
    }
    if c.type in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
        data.update(
            topic=c.topic,
            nsfw=c.nsfw,
            rate_limit_per_user=c.rate_limit_per_user,
            last_message_id=None if c.last_message_id is None else str(c.last_message_id),
        )
    elif c.type == ChannelType.GUILD_VOICE:
        data.update(bitrate=64000, user_limit=0, rtc_region=None, nsfw=c.nsfw)
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def member(m: Member, *, with_user: bool = True, permissions: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "roles": [str(r) for r in m.roles if r != m.guild_id],
        "nick": m.nick,
        "avatar": None,
        "banner": None,
        "joined_at": iso(m.joined_at),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": m.flags,
        "pending": m.pending,
        "communication_disabled_until": (
            None if m.communication_disabled_until is None else iso(m.communication_disabled_until)
        ),
        "avatar_decoration_data": None,
    }
    if with_user:
        data["user"] = user(m.user)
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def scheduled_event(e: ScheduledEvent, creator: User | None, *, with_count: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(e.id),
        "guild_id": str(e.guild_id),
        "channel_id": None if e.channel_id is None else str(e.channel_id),
        "creator_id": None if e.creator_id is None else str(e.creator_id),
        "name": e.name,
        "description": e.description,
        "scheduled_start_time": e.scheduled_start_time,
        "scheduled_end_time": e.scheduled_end_time,
        "privacy_level": e.privacy_level,
        "status": e.status,
        "entity_type": e.entity_type,
        "entity_id": None,
        "entity_metadata": e.entity_metadata,
        "image": e.image,
        "recurrence_rule": e.recurrence_rule,
    }
    if creator is not None:
        data["creator"] = user(creator)
    if with_count:
        data["user_count"] = len(e.subscribers)
    return data


def guild(g: Guild) -> dict[str, Any]:
    """The guild object (GET /guilds/{id}) without the GUILD_CREATE extras."""
    return {
        "id": str(g.id),
        "name": g.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(g.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "widget_enabled": False,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [role(r) for r in g.roles.values()],
        "emojis": [],
        "stickers": [],
        "features": list(g.features),
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None if g.system_channel_id is None else str(g.system_channel_id),
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "max_members": 500000,
        "vanity_url_code": None,
        "premium_tier": g.premium_tier,
        "premium_subscription_count": 0,
        "preferred_locale": g.preferred_locale,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "incidents_data": None,
    }


def guild_create(
    g: Guild,
    *,
    members: list[Member],
    users: dict[int, User],
    joined_at: str,
    large_threshold: int,
) -> dict[str, Any]:
    """GUILD_CREATE: guild + members, channels, events... ``member_count`` is the real total."""
    data = guild(g)
    data.update(
        joined_at=joined_at,
        large=len(g.members) > large_threshold,
        unavailable=False,
        lazy=True,
        member_count=len(g.members),
        members=[member(m) for m in members],
        channels=[_without_guild_id(channel(c)) for c in g.channels.values()],
        threads=[],
        presences=[],
        voice_states=[],
        stage_instances=[],
        soundboard_sounds=[],
        embedded_activities=[],
        guild_scheduled_events=[
            scheduled_event(e, users.get(e.creator_id or 0), with_count=True)
            for e in g.scheduled_events.values()
        ],
    )
    return data


def _without_guild_id(data: dict[str, Any]) -> dict[str, Any]:
    data.pop("guild_id", None)
    return data


def application(app: Application, *, bot: User) -> dict[str, Any]:
    """GET /oauth2/applications/@me."""
    return {
        "id": str(app.id),
        "name": app.name,
        "icon": None,
        "description": app.description,
        "summary": "",
        "type": None,
        "hook": True,
        "rpc_origins": [],
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "owner": user(app.owner),
        "team": None,
        "flags": app.flags,
        "bot": user(bot),
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "redirect_uris": [],
        "tags": [],
        "install_params": None,
        "integration_types_config": {"0": {}, "1": {}},
        "approximate_guild_count": 0,
        "event_webhooks_url": None,
        "event_webhooks_status": 1,
    }
