"""Discord's permission algorithm (base permissions, then channel overwrites)."""

from __future__ import annotations

from .constants import ALL_PERMISSIONS, Perm
from .models import Channel, Guild, Member

_NEEDS_SEND = (
    Perm.SEND_TTS_MESSAGES
    | Perm.MENTION_EVERYONE
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.SEND_POLLS
)


def base_permissions(guild: Guild, member: Member) -> int:
    if member.id == guild.owner_id:
        return ALL_PERMISSIONS
    perms = guild.everyone.permissions
    for role_id in member.roles:
        role = guild.roles.get(role_id)
        if role is not None:
            perms |= role.permissions
    if perms & Perm.ADMINISTRATOR:
        return ALL_PERMISSIONS
    return perms


def channel_permissions(guild: Guild, member: Member, channel: Channel | None) -> int:
    """Total permissions of ``member`` in ``channel`` (overwrites and implicit denials applied)."""
    perms = base_permissions(guild, member)
    if perms & Perm.ADMINISTRATOR or channel is None:
        return perms
    by_target = {(o.type, o.id): o for o in channel.overwrites}
    everyone = by_target.get((0, guild.id))
    if everyone is not None:
        perms = (perms & ~everyone.deny) | everyone.allow
    allow = deny = 0
    for role_id in member.roles:
        ow = by_target.get((0, role_id))
        if ow is not None:
            allow |= ow.allow
            deny |= ow.deny
    perms = (perms & ~deny) | allow
    own = by_target.get((1, member.id))
    if own is not None:
        perms = (perms & ~own.deny) | own.allow
    if not perms & Perm.VIEW_CHANNEL:
        return 0
    if not perms & Perm.SEND_MESSAGES:
        perms &= ~_NEEDS_SEND
    return perms


def has(perms: int, *needed: int) -> bool:
    return all(perms & p == p for p in needed)
