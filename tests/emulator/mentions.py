"""Who a message would actually notify, given its content and ``allowed_mentions``.

Rules (https://discord.com/developers/docs/resources/message#allowed-mentions-object):
* only mentions written in ``content`` can ping (embeds never ping);
* without ``allowed_mentions`` everything in content is parsed;
* with it, users ping only if ``"users"`` is in ``parse`` or their id is in ``users`` (same for
  roles); ``@everyone``/``@here`` only if ``"everyone"`` is in ``parse``;
* a role pings only if it is mentionable or the author has MENTION_EVERYONE, and
  ``@everyone``/``@here`` need MENTION_EVERYONE too;
* a reply pings the replied-to author unless ``replied_user`` is false (it defaults to false
  once ``allowed_mentions`` is given);
* in a guild, only members who can see the channel are notified.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .constants import Perm
from .models import Channel, Guild
from .permissions import channel_permissions

USER_RE = re.compile(r"<@!?(\d+)>")
ROLE_RE = re.compile(r"<@&(\d+)>")
EVERYONE_RE = re.compile(r"@(everyone|here)")


@dataclass(frozen=True)
class Pings:
    users: frozenset[int] = field(default_factory=frozenset)
    roles: frozenset[int] = field(default_factory=frozenset)
    everyone: bool = False

    @property
    def nobody(self) -> bool:
        return not (self.users or self.roles or self.everyone)


def compute_pings(
    content: str | None,
    allowed_mentions: dict[str, Any] | None,
    *,
    guild: Guild | None = None,
    channel: Channel | None = None,
    author_permissions: int | None = None,
    replied_user_id: int | None = None,
) -> Pings:
    """The users, roles and @everyone/@here that would be notified.

    ``author_permissions`` is the author's permission integer in the channel (None: all allowed,
    as for DMs or webhooks of unknown authors).
    """
    text = content or ""
    users = {int(u) for u in USER_RE.findall(text)}
    roles = {int(r) for r in ROLE_RE.findall(text)}
    everyone = bool(EVERYONE_RE.search(text))
    reply_ping = replied_user_id is not None
    if allowed_mentions is not None:
        parse = set(allowed_mentions.get("parse") or [])
        if "users" not in parse:
            users &= {int(u) for u in allowed_mentions.get("users") or []}
        if "roles" not in parse:
            roles &= {int(r) for r in allowed_mentions.get("roles") or []}
        everyone = everyone and "everyone" in parse
        reply_ping = reply_ping and bool(allowed_mentions.get("replied_user", False))
    if reply_ping and replied_user_id is not None:
        users.add(replied_user_id)
    can_mention_everyone = author_permissions is None or bool(
        author_permissions & Perm.MENTION_EVERYONE
    )
    everyone = everyone and can_mention_everyone
    if guild is not None:
        roles = {
            r
            for r in roles
            if r in guild.roles and (guild.roles[r].mentionable or can_mention_everyone)
        }
        visible = set()
        for user_id in users:
            member = guild.members.get(user_id)
            if (
                member is not None
                and channel_permissions(guild, member, channel) & Perm.VIEW_CHANNEL
            ):
                visible.add(user_id)
        users = visible
    return Pings(frozenset(users), frozenset(roles), everyone)
