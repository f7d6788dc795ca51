"""What /healthz checks: every gateway shard of this process connected, the database answering
a trivial statement within a few seconds, and the dispatcher of scheduled posts still looking.
Each check says why it fails, in one line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.app.gateway_state import shard_states
from bot.runtime import DatabaseUnavailable

if TYPE_CHECKING:
    from bot.app.launch_bot import LaunchBot

DATABASE_TIMEOUT = 3.0
"""Seconds the database has to answer (a check must answer sooner than a prober gives up)."""


@dataclass(frozen=True)
class Check:
    ok: bool
    error: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"ok": self.ok}
        if self.error is not None:
            shown["error"] = self.error
        return shown | self.detail


@dataclass(frozen=True)
class HealthReport:
    checks: dict[str, Check]
    stopping: bool

    @property
    def failing(self) -> list[str]:
        return [name for name, check in self.checks.items() if not check.ok]

    @property
    def healthy(self) -> bool:
        return not self.failing and not self.stopping

    def body(self) -> dict[str, Any]:
        status = "ok" if self.healthy else "stopping" if self.stopping else "failing"
        return {
            "status": status,
            "failing": self.failing,
            "checks": {name: check.body() for name, check in self.checks.items()},
        }


class Health:
    def __init__(
        self,
        bot: LaunchBot,
        stopping: Callable[[], bool],
        *,
        database_timeout: float = DATABASE_TIMEOUT,
    ) -> None:
        self._bot = bot
        self._stopping = stopping
        self._database_timeout = database_timeout

    async def report(self) -> HealthReport:
        checks = {
            "gateway": self.gateway(),
            "database": await self.database(),
            "dispatcher": self.dispatcher(),
        }
        return HealthReport(checks, self._stopping())

    def gateway(self) -> Check:
        shards = shard_states(self._bot)
        detail = {
            "shards": {
                str(s.shard_id): {
                    "connected": s.connected,
                    "latency_ms": None if s.latency is None else round(s.latency * 1000, 1),
                }
                for s in shards
            }
        }
        down = [str(s.shard_id) for s in shards if not s.connected]
        if self._bot.is_closed():
            return Check(False, "the client is closed", detail)
        if not shards or not self._bot.is_ready():
            return Check(False, "not connected to Discord yet", detail)
        if down:
            return Check(False, f"disconnected from Discord: shard {', '.join(down)}", detail)
        return Check(True, None, detail)

    async def database(self) -> Check:
        try:
            await self._bot.runtime.ping(self._database_timeout)
        except DatabaseUnavailable as exc:
            return Check(False, str(exc), {"backend": self._bot.settings.backend})
        return Check(True, None, {"backend": self._bot.settings.backend})

    def dispatcher(self) -> Check:
        problem, ago = self._bot.dispatcher.liveness()
        detail = {} if ago is None else {"last_look_seconds_ago": round(ago, 1)}
        return Check(problem is None, problem, detail)
