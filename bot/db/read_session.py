"""What a read needs of a session, so that the same query serves both kinds
(``bot.db.loop_session``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import Executable, Result


class ReadSession(Protocol):
    """What a read needs of a session: an ``AsyncSession``, or ``bot.db.loop_session``'s two."""

    async def execute(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> Result[Any]: ...

    async def scalar(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> Any: ...
