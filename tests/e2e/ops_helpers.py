"""Short-hands for the operator's endpoint: GET /healthz and /metrics, wait for a health state,
and read the metrics with prometheus_client's own parser."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

LISTEN = {"LAUNCHBOT_HTTP_LISTEN": "127.0.0.1:0"}

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def get(address: tuple[str, int], path: str) -> tuple[int, str, str]:
    """Status, content type and body of ``GET path``."""
    host, port = address
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session,
        session.get(f"http://{host}:{port}{path}") as response,
    ):
        return response.status, response.headers.get("Content-Type", ""), await response.text()


async def health(address: tuple[str, int]) -> tuple[int, dict[str, Any]]:
    status, kind, body = await get(address, "/healthz")
    assert kind.startswith("application/json"), kind
    return status, json.loads(body)


async def until_health(
    address: tuple[str, int],
    wanted: Callable[[int, dict[str, Any]], bool],
    timeout: float = 30.0,
) -> tuple[int, dict[str, Any]]:
    """/healthz's answer once ``wanted`` accepts it (asked every 0.1 s), else the last one in
    the assertion that fails."""
    last: tuple[int, dict[str, Any]] | None = None
    try:
        async with asyncio.timeout(timeout):
            while True:
                last = await health(address)
                if wanted(*last):
                    return last
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"/healthz never answered as wanted; last: {last}") from None


def failing_only(*checks: str) -> Callable[[int, dict[str, Any]], bool]:
    return lambda status, body: status == 503 and body["failing"] == list(checks)


def healthy(status: int, body: dict[str, Any]) -> bool:
    return status == 200 and body["status"] == "ok"


async def metrics(address: tuple[str, int]) -> Samples:
    """Every sample of /metrics by its name and labels, parsed by prometheus_client."""
    status, kind, body = await get(address, "/metrics")
    assert status == 200 and kind.startswith("text/plain"), (status, kind)
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    assert key in samples, f"no sample {name}{labels}"
    return samples[key]
