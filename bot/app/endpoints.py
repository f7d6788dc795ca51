"""Points discord.py at another REST base and gateway (a rate-limit proxy, or the test emulator).

discord.py builds every REST, webhook and interaction-callback URL on ``Route.BASE``, and a
non-sharded client dials ``DiscordWebSocket.DEFAULT_GATEWAY`` without asking GET /gateway/bot.
Both are class attributes, so this is process-wide: call it once, before the client starts.
"""

from __future__ import annotations

import discord.gateway
import discord.http
import yarl


def apply_endpoints(api_base: str, gateway_url: str) -> None:
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url.rstrip("/") + "/")
