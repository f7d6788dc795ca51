"""`launchbot run` with a memory probe, for benchmarks.memory --diagnose.

    MEMBOT_OUT=/tmp/dir [MEMBOT_TRACEMALLOC=8] python -m benchmarks.membot

Runs exactly what `launchbot run` runs (bot.cli.main), plus:

* SIGUSR1: gc.collect(), then write ``$MEMBOT_OUT/probe-N.json``: VmRSS, live objects by type
  (and growth since the first probe), discord.py / SQLAlchemy internals (ViewStore, message cache,
  tasks, compiled cache) and, with MEMBOT_TRACEMALLOC=frames, the tracemalloc allocations grown
  since the first probe, by traceback and by file;
* SIGUSR2: the same after stopping every live view (what discord.py does when a view times out)
  and emptying the message cache, to measure what they held.

Optional experiment, without touching the bot's code: MEMBOT_CLIENT_OPTIONS='{"max_messages":
null}' adds discord.py client options.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import sys
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

from bot.app.runner import BotApp
from bot.cli.main import main as launchbot_main

TOP = 25
WATCH = (
    "discord.ui.view.View",
    "discord.interactions.Interaction",
    "discord.interactions.InteractionMessage",
    "discord.message.Message",
    "discord.member.Member",
    "discord.ui.button.Button",
    "bot.domain.records.LaunchRecord",
    "_asyncio.Task",
)


def status_kb(field: str, pid: str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def _type_name(obj: object) -> str:
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


class Probe:
    def __init__(self, app: BotApp, out: Path) -> None:
        self.app = app
        self.out = out
        self.seq = 0
        self.first_counts: Counter[str] | None = None
        self.first_snapshot: tracemalloc.Snapshot | None = None

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGUSR1, self.report, False)
        loop.add_signal_handler(signal.SIGUSR2, self._release_soon)
        self._tasks: set[asyncio.Task[None]] = set()

    def _release_soon(self) -> None:
        task = asyncio.get_running_loop().create_task(self._release_then_report())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _release_then_report(self) -> None:
        released = self._release()
        await asyncio.sleep(0.5)  # let the cancelled timeout tasks finish and drop their views
        self.report(True, released)

    def _internals(self) -> dict[str, Any]:
        bot = self.app.bot
        state = bot._connection
        store = state._view_store
        messages = state._messages
        return {
            "viewstore_message_ids": len(store._views),
            "viewstore_items": sum(len(items) for items in store._views.values()),
            "viewstore_synced_views": len(store._synced_message_views),
            "message_cache": None if messages is None else len(messages),
            "message_cache_max": state.max_messages,
            "asyncio_tasks": len(asyncio.all_tasks()),
            "sqlalchemy_compiled_cache": len(
                self.app.runtime.engine.sync_engine._compiled_cache or ()
            ),
            "db_pool": self.app.runtime.engine.pool.status(),
            "gc_tracked_objects": len(gc.get_objects()),
            "allocated_blocks": sys.getallocatedblocks(),
        }

    def _release(self) -> dict[str, Any]:
        state = self.app.bot._connection
        views = list(state._view_store._synced_message_views.values())
        for view in views:
            view.stop()
        cached = len(state._messages or ())
        if state._messages is not None:
            state._messages.clear()
        return {"views_stopped": len(views), "messages_dropped": cached}

    def report(self, release: bool, released: dict[str, Any] | None = None) -> None:
        data: dict[str, Any] = {"seq": self.seq, "release": release, **(released or {})}
        gc.collect()
        data["rss_kb"] = status_kb("VmRSS")
        data["hwm_kb"] = status_kb("VmHWM")
        data["internals"] = self._internals()
        counts = Counter(_type_name(o) for o in gc.get_objects())
        if self.first_counts is None:
            self.first_counts = counts
        growth = counts.copy()
        growth.subtract(self.first_counts)
        data["types_growth"] = [
            (name, delta, counts[name]) for name, delta in growth.most_common(TOP) if delta > 0
        ]
        data["types_live"] = counts.most_common(TOP)
        data["watched"] = {name: counts[name] for name in WATCH}
        if tracemalloc.is_tracing():
            data.update(self._tracemalloc())
        self.seq += 1
        target = self.out / f"probe-{data['seq']}.json"
        partial = target.with_suffix(".part")
        partial.write_text(json.dumps(data, indent=1))
        partial.rename(target)

    def _tracemalloc(self) -> dict[str, Any]:
        current, peak = tracemalloc.get_traced_memory()
        snapshot = tracemalloc.take_snapshot().filter_traces(
            (
                tracemalloc.Filter(False, tracemalloc.__file__),
                tracemalloc.Filter(False, "<frozen importlib._bootstrap*>"),
                tracemalloc.Filter(False, __file__),
            )
        )
        result: dict[str, Any] = {"traced_kb": current // 1024, "traced_peak_kb": peak // 1024}
        if self.first_snapshot is None:
            self.first_snapshot = snapshot
            return result
        by_trace = snapshot.compare_to(self.first_snapshot, "traceback")
        result["grown_by_traceback"] = [
            {
                "kb": round(s.size_diff / 1024, 1),
                "count": s.count_diff,
                "frames": [f"{f.filename}:{f.lineno}" for f in reversed(s.traceback)],
            }
            for s in by_trace[:TOP]
        ]
        result["grown_by_file"] = [
            (s.traceback[0].filename, round(s.size_diff / 1024, 1), s.count_diff)
            for s in snapshot.compare_to(self.first_snapshot, "filename")[:TOP]
        ]
        return result


def _patch(out: Path) -> None:
    extra = json.loads(os.environ.get("MEMBOT_CLIENT_OPTIONS", "{}"))
    original_init = BotApp.__init__
    original_install = BotApp.install_signal_handlers

    def init(self: BotApp, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **{**extra, **kwargs})

    def install(self: BotApp) -> None:
        original_install(self)
        Probe(self, out).install()

    BotApp.__init__ = init  # type: ignore[method-assign]
    BotApp.install_signal_handlers = install  # type: ignore[method-assign]


def main() -> int:
    frames = int(os.environ.get("MEMBOT_TRACEMALLOC", "0"))
    if frames:
        tracemalloc.start(frames)
    _patch(Path(os.environ["MEMBOT_OUT"]))
    return launchbot_main(["run"])


if __name__ == "__main__":
    sys.exit(main())
