"""The metrics' own rules: a registry per app (none made at import), every counter shown from
zero, 429s told apart by Discord's headers, and a client that is not connected shown as such."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import discord
import prometheus_client
import pytest
from multidict import CIMultiDict
from prometheus_client.parser import text_string_to_metric_families

from bot.app.gateway_state import shard_states
from bot.app.metrics import Metrics, rate_limit_scope
from bot.app.ops_http import Recount
from bot.domain.vocabulary import PostState


def _samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(metrics.exposition().decode())
        for s in family.samples
    }


@pytest.mark.parametrize(
    ("headers", "scope"),
    [
        ({"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}, "global"),
        ({"x-ratelimit-global": "true"}, "global"),
        ({"X-RateLimit-Scope": "global"}, "global"),
        ({"X-RateLimit-Scope": "user"}, "user"),
        ({"X-RateLimit-Scope": "shared"}, "shared"),
        ({"X-RateLimit-Global": "false", "X-RateLimit-Scope": "user"}, "user"),
        ({"Content-Type": "text/html"}, "unknown"),  # Cloudflare's ban: no headers of Discord's
        ({"X-RateLimit-Scope": "something new"}, "unknown"),
    ],
)
def test_a_429_is_counted_under_the_scope_discord_names(
    headers: dict[str, str], scope: str
) -> None:
    assert rate_limit_scope(CIMultiDict(headers)) == scope


def test_each_app_has_its_own_registry_and_the_default_one_has_none_of_them() -> None:
    first, second = Metrics(), Metrics()
    first.vote_recorded()
    first.rate_limited("global")
    first.post_finished(PostState.SENT, late_by=timedelta(seconds=3))
    first.interaction("launch info", 0.012)
    assert _samples(first)[("launchbot_votes_total", ())] == 1
    assert _samples(second)[("launchbot_votes_total", ())] == 0
    assert _samples(first)[("launchbot_discord_429_total", (("scope", "global"),))] == 1
    assert _samples(first)[("launchbot_post_lateness_seconds_sum", ())] == 3
    assert _samples(first)[("launchbot_posts_total", (("state", "sent"),))] == 1
    default = [m.name for m in prometheus_client.REGISTRY.collect()]
    assert default and not [name for name in default if name.startswith("launchbot")]


def test_every_counter_is_shown_from_zero_and_unknown_figures_as_nan() -> None:
    metrics = Metrics()
    metrics.set_pending(None, None)
    shown = _samples(metrics)
    for state in ("sent", "failed", "skipped", "cancelled"):
        assert shown[("launchbot_posts_total", (("state", state),))] == 0
    for scope in ("global", "user", "shared", "unknown"):
        assert shown[("launchbot_discord_429_total", (("scope", scope),))] == 0
    assert shown[("launchbot_posts_pending", ())] != shown[("launchbot_posts_pending", ())]  # NaN
    metrics.set_pending(7, 2)
    metrics.rate_limited("a scope nobody knows")
    shown = _samples(metrics)
    assert shown[("launchbot_posts_pending", ())] == 7
    assert shown[("launchbot_posts_overdue", ())] == 2
    assert shown[("launchbot_discord_429_total", (("scope", "unknown"),))] == 1


async def test_a_client_that_never_connected_has_its_shard_shown_down() -> None:
    client = discord.Client(intents=discord.Intents.none())
    assert [(s.shard_id, s.connected, s.latency) for s in shard_states(client)] == [
        (0, False, None)
    ]
    metrics = Metrics()
    metrics.watch_gateway(client)
    shown = _samples(metrics)
    assert shown[("launchbot_gateway_connected", (("shard", "0"),))] == 0
    assert not any(name == "launchbot_gateway_latency_seconds" for name, _ in shown)


async def test_an_auto_sharded_client_shows_each_of_its_shards_before_they_connect() -> None:
    client = discord.AutoShardedClient(
        intents=discord.Intents.none(), shard_ids=[2, 3], shard_count=4
    )
    assert [(s.shard_id, s.connected) for s in shard_states(client)] == [(2, False), (3, False)]


async def test_a_recount_is_made_once_it_is_old_enough_and_a_failed_one_is_not_kept() -> None:
    now = [0.0]
    answers: list[int | Exception] = [7, RuntimeError("database gone"), 9]

    async def count() -> int:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    recount = Recount(count, 60.0, clock=lambda: now[0])
    assert [await recount(), await recount()] == [7, 7]  # counted once
    now[0] = 59.9
    assert await recount() == 7
    now[0] = 60.0
    with pytest.raises(RuntimeError):
        await recount()
    assert await recount() == 9 and answers == []
    assert await asyncio.gather(recount(), recount()) == [9, 9]
