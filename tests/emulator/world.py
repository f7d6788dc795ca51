"""The emulated Discord world: users, guilds, roles, channels, members, DMs.

Build it before the bot connects (it is sent in READY / GUILD_CREATE) or while it is connected
(changes are dispatched as gateway events: GUILD_CREATE, CHANNEL_CREATE, GUILD_ROLE_CREATE, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from . import payloads
from .constants import DEFAULT_BOT_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS, ChannelType
from .models import Application, Channel, Guild, Member, Overwrite, Role, User
from .permissions import channel_permissions
from .snowflakes import SnowflakeGenerator

OverwriteTarget = Role | Member | User | int
OverwriteSpec = Mapping[OverwriteTarget, tuple[int, int]] | Iterable[Overwrite]
Listener = Callable[[str, int | None, dict[str, Any]], None]


class World:
    def __init__(self, *, bot_name: str = "LaunchBot", owner_name: str = "app-owner") -> None:
        self.snowflakes = SnowflakeGenerator()
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self._dms: dict[int, Channel] = {}
        self.listener: Listener | None = None
        self.bot = self.add_user(bot_name, bot=True, accepts_dms=False)
        owner = self.add_user(owner_name)
        self.application = Application(id=self.bot.id, name=bot_name, owner=owner)

    def new_id(self) -> int:
        return self.snowflakes.next()

    def _emit(self, event: str, guild_id: int | None, data: dict[str, Any]) -> None:
        if self.listener is not None:
            self.listener(event, guild_id, data)

    # ----------------------------------------------------------------- builders

    def add_user(
        self,
        username: str,
        *,
        global_name: str | None = None,
        bot: bool = False,
        accepts_dms: bool = True,
    ) -> User:
        u = User(self.new_id(), username, global_name, bot=bot, accepts_dms=accepts_dms)
        self.users[u.id] = u
        return u

    def add_guild(
        self,
        name: str,
        *,
        owner: User | None = None,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        channels: Iterable[str] = ("general",),
        locale: str = "en-US",
        features: Iterable[str] = (),
        premium_tier: int = 0,
        shard: tuple[int, int] | None = None,
    ) -> Guild:
        """A guild with @everyone (id == guild id), an owner, the bot (with its managed role).
        ``shard``: ``(shard_id, shard_count)`` the guild's id must fall on (Discord's rule
        ``(guild_id >> 22) % shard_count``); by default whatever the clock gives."""
        owner = owner or self.add_user(f"{name.lower().replace(' ', '-')}-owner")
        g = Guild(
            id=self.new_id() if shard is None else self.snowflakes.next_on_shard(*shard),
            name=name,
            owner_id=owner.id,
            preferred_locale=locale,
            features=list(features),
            premium_tier=premium_tier,
        )
        g.roles[g.id] = Role(g.id, g.id, "@everyone", permissions=int(everyone_permissions))
        bot_role = Role(
            self.new_id(),
            g.id,
            self.bot.username,
            permissions=int(bot_permissions),
            position=1,
            managed=True,
            bot_id=self.bot.id,
        )
        g.roles[bot_role.id] = bot_role
        g.members[owner.id] = Member(owner, g.id)
        g.members[self.bot.id] = Member(self.bot, g.id, roles=[bot_role.id])
        self.guilds[g.id] = g
        for channel_name in channels:
            c = self._new_channel(g, channel_name, ChannelType.GUILD_TEXT, None, None)
            if g.system_channel_id is None:
                g.system_channel_id = c.id
        self._emit("GUILD_CREATE", g.id, {"id": str(g.id)})
        return g

    def remove_guild(self, guild: Guild) -> None:
        """The bot was removed from ``guild`` (GUILD_DELETE without ``unavailable``)."""
        del self.guilds[guild.id]
        for channel_id in guild.channels:
            self.channels.pop(channel_id, None)
        self._emit("GUILD_DELETE", guild.id, {"id": str(guild.id)})

    def add_category(
        self, guild: Guild, name: str, *, overwrites: OverwriteSpec | None = None
    ) -> Channel:
        c = self._new_channel(guild, name, ChannelType.GUILD_CATEGORY, None, overwrites)
        self._emit("CHANNEL_CREATE", guild.id, payloads.channel(c))
        return c

    def add_channel(
        self,
        guild: Guild,
        name: str,
        *,
        category: Channel | None = None,
        overwrites: OverwriteSpec | None = None,
        type: int = ChannelType.GUILD_TEXT,
        topic: str | None = None,
        nsfw: bool = False,
        slowmode: int = 0,
    ) -> Channel:
        """A channel; with a ``category`` and no ``overwrites`` it is synced to the category's."""
        c = self._new_channel(guild, name, type, category, overwrites)
        c.topic, c.nsfw, c.rate_limit_per_user = topic, nsfw, slowmode
        self._emit("CHANNEL_CREATE", guild.id, payloads.channel(c))
        return c

    def _new_channel(
        self,
        guild: Guild,
        name: str,
        type: int,
        category: Channel | None,
        overwrites: OverwriteSpec | None,
    ) -> Channel:
        position = sum(1 for c in guild.channels.values() if c.type == type)
        c = Channel(self.new_id(), int(type), name, guild.id, position=position)
        if category is not None:
            c.parent_id = category.id
            if overwrites is None:
                c.overwrites = [
                    Overwrite(o.id, o.type, o.allow, o.deny) for o in category.overwrites
                ]
        if overwrites is not None:
            c.overwrites = self._overwrites(overwrites)
        guild.channels[c.id] = c
        self.channels[c.id] = c
        return c

    @staticmethod
    def _overwrites(spec: OverwriteSpec) -> list[Overwrite]:
        if not isinstance(spec, Mapping):
            return list(spec)
        result = []
        for target, (allow, deny) in spec.items():
            if isinstance(target, Role):
                result.append(Overwrite(target.id, 0, int(allow), int(deny)))
            elif isinstance(target, Member | User):
                result.append(Overwrite(target.id, 1, int(allow), int(deny)))
            else:
                result.append(Overwrite(int(target), 0, int(allow), int(deny)))
        return result

    def add_role(
        self,
        guild: Guild,
        name: str,
        *,
        permissions: int = 0,
        mentionable: bool = False,
        hoist: bool = False,
        color: int = 0,
        position: int | None = None,
    ) -> Role:
        if position is None:
            position = max(r.position for r in guild.roles.values()) + 1
        r = Role(
            self.new_id(), guild.id, name, int(permissions), position, mentionable, hoist, color
        )
        guild.roles[r.id] = r
        self._emit(
            "GUILD_ROLE_CREATE", guild.id, {"guild_id": str(guild.id), "role": payloads.role(r)}
        )
        return r

    def add_member(
        self,
        guild: Guild,
        user: User | str,
        *,
        roles: Iterable[Role] = (),
        nick: str | None = None,
        flags: int = 0,
    ) -> Member:
        if isinstance(user, str):
            user = self.add_user(user)
        m = Member(user, guild.id, roles=[r.id for r in roles], nick=nick, flags=flags)
        guild.members[user.id] = m
        self._emit("GUILD_MEMBER_ADD", guild.id, {**payloads.member(m), "guild_id": str(guild.id)})
        return m

    def set_member_roles(self, guild: Guild, member: Member, roles: Iterable[Role]) -> None:
        member.roles = [r.id for r in roles]
        data = {**payloads.member(member), "guild_id": str(guild.id)}
        self._emit("GUILD_MEMBER_UPDATE", guild.id, data)

    def remove_member(self, guild: Guild, member: Member) -> None:
        del guild.members[member.id]
        data = {"guild_id": str(guild.id), "user": payloads.user(member.user)}
        self._emit("GUILD_MEMBER_REMOVE", guild.id, data)

    def dm_channel(self, user: User) -> Channel:
        """The bot's DM channel with ``user`` (the same one POST /users/@me/channels returns)."""
        c = self._dms.get(user.id)
        if c is None:
            c = Channel(self.new_id(), ChannelType.DM, None, recipients=[user])
            self._dms[user.id] = c
            self.channels[c.id] = c
        return c

    # ------------------------------------------------------------------ lookups

    def guild(self, guild_id: int | str) -> Guild | None:
        return self.guilds.get(int(guild_id))

    def channel(self, channel_id: int | str) -> Channel | None:
        return self.channels.get(int(channel_id))

    def user(self, user_id: int | str) -> User | None:
        return self.users.get(int(user_id))

    def member(self, guild: Guild, user_id: int | str) -> Member | None:
        return guild.members.get(int(user_id))

    def bot_member(self, guild: Guild) -> Member:
        return guild.members[self.bot.id]

    def guild_of(self, channel: Channel) -> Guild | None:
        return None if channel.guild_id is None else self.guilds.get(channel.guild_id)

    def permissions(self, guild: Guild, member: Member, channel: Channel | None = None) -> int:
        return channel_permissions(guild, member, channel)

    def bot_permissions(self, channel: Channel) -> int | None:
        """The bot's permissions in a guild channel (None for DMs)."""
        guild = self.guild_of(channel)
        if guild is None:
            return None
        return channel_permissions(guild, self.bot_member(guild), channel)
