"""Members' subscriptions: to a launch or to a brand, listed, ended; and the notice a member is
due when the bot could not DM them.

Which members have a notice waiting is also kept in memory (``PendingNotices``), read from the
table at start and added to when a DM fails in this process, so an interaction costs no query
unless its member has something to be told."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import launch_queries as q
from bot.db import subscription_rows as rows
from bot.db.engine import begin_write, reading
from bot.db.launch_rows import launch_records
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, LaunchNotFound
from bot.domain.subscriptions import DmNotice, Subscribed, SubscribedTo, SubscriptionRecord
from bot.domain.text import name_key


class PendingNotices:
    """The (server, member) pairs with a notice waiting; the table is the truth."""

    def __init__(self) -> None:
        self._members: set[tuple[int, int]] = set()

    def add(self, guild_id: int, user_id: int) -> None:
        self._members.add((guild_id, user_id))

    def discard(self, guild_id: int, user_id: int) -> None:
        self._members.discard((guild_id, user_id))

    def replace(self, members: set[tuple[int, int]]) -> None:
        self._members = set(members)

    def __contains__(self, member: tuple[int, int]) -> bool:
        return member in self._members


class SubscriptionService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, notices: PendingNotices
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.notices = notices

    async def subscribe_launch(self, guild_id: int, user_id: int, launch_id: int) -> Subscribed:
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            name = await _launch_title(session, guild_id, launch_id)
            added = await rows.subscribe(
                session, guild_id, user_id, self._clock(), launch_id=launch_id
            )
            return Subscribed(SubscribedTo.LAUNCH, launch_id, name, added)

    async def unsubscribe_launch(self, guild_id: int, user_id: int, launch_id: int) -> Subscribed:
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            name = await _launch_title(session, guild_id, launch_id)
            gone = await rows.unsubscribe(session, guild_id, user_id, launch_id=launch_id)
            return Subscribed(SubscribedTo.LAUNCH, launch_id, name, gone)

    async def subscribe_brand(self, guild_id: int, user_id: int, brand: str) -> Subscribed:
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            brand_id, name = await _brand(session, guild_id, brand)
            added = await rows.subscribe(
                session, guild_id, user_id, self._clock(), brand_id=brand_id
            )
            return Subscribed(SubscribedTo.BRAND, brand_id, name, added)

    async def unsubscribe_brand(self, guild_id: int, user_id: int, brand: str) -> Subscribed:
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            brand_id, name = await _brand(session, guild_id, brand)
            gone = await rows.unsubscribe(session, guild_id, user_id, brand_id=brand_id)
            return Subscribed(SubscribedTo.BRAND, brand_id, name, gone)

    async def of_member(self, guild_id: int, user_id: int) -> list[SubscriptionRecord]:
        """The member's brands (by name), then their launches (soonest first)."""
        async with reading(self._sessions) as session:
            brands = await rows.brands_of(session, guild_id, user_id)
            found = await rows.launches_of(session, guild_id, user_id)
            launches = await launch_records(session, guild_id, found, with_aliases=False)
        return [SubscriptionRecord(SubscribedTo.BRAND, i, name) for i, name in brands] + [
            SubscriptionRecord(SubscribedTo.LAUNCH, v.id, v.title, v.window, v.status)
            for v in launches
        ]

    async def load_notices(self) -> None:
        async with reading(self._sessions) as session:
            self.notices.replace(await rows.members_with_notices(session))

    def has_notice(self, guild_id: int, user_id: int) -> bool:
        return (guild_id, user_id) in self.notices

    async def take_notice(self, guild_id: int, user_id: int) -> DmNotice | None:
        """The member's waiting notice, once: whoever takes it clears it."""
        self.notices.discard(guild_id, user_id)
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            return await rows.take_notice(session, guild_id, user_id, self._clock())


async def _launch_title(session: AsyncSession, guild_id: int, launch_id: int) -> str:
    row = await q.listed_launch(session, guild_id, launch_id)
    if row is None:
        raise LaunchNotFound(f"There is no launch #{launch_id} in this server.")
    return (await launch_records(session, guild_id, [row], with_aliases=False))[0].title


async def _brand(session: AsyncSession, guild_id: int, name: str) -> tuple[int, str]:
    found = await q.brand_by_key(session, guild_id, name_key(name))
    if found is None:
        raise InvalidInput(
            f'There is no brand "{name}" in this server\'s calendar: pick one from the suggestions.'
        )
    return found.id, found.name
