"""A Discord API v10 + gateway emulator for end-to-end tests with the real discord.py client.

See README.md in this directory.
"""

from __future__ import annotations

from .client_harness import running_client, start_client, stop_client
from .commands import SyncRecord
from .constants import (
    ALL_INTENTS,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    PRIVILEGED_INTENTS,
    CallbackType,
    ChannelType,
    ComponentType,
    Intent,
    InteractionType,
    MessageFlag,
    Perm,
)
from .interactions import CallbackRecord, InteractionHandle
from .mentions import Pings, compute_pings
from .messages import MessageRecord
from .models import Channel, Guild, Member, Overwrite, Role, ScheduledEvent, User
from .recorder import RecordedRequest
from .server import DEFAULT_TOKEN, Emulator
from .snowflakes import snowflake_time
from .world import World

__all__ = [
    "ALL_INTENTS",
    "DEFAULT_BOT_PERMISSIONS",
    "DEFAULT_EVERYONE_PERMISSIONS",
    "DEFAULT_TOKEN",
    "PRIVILEGED_INTENTS",
    "CallbackRecord",
    "CallbackType",
    "Channel",
    "ChannelType",
    "ComponentType",
    "Emulator",
    "Guild",
    "Intent",
    "InteractionHandle",
    "InteractionType",
    "Member",
    "MessageFlag",
    "MessageRecord",
    "Overwrite",
    "Perm",
    "Pings",
    "RecordedRequest",
    "Role",
    "ScheduledEvent",
    "SyncRecord",
    "User",
    "World",
    "compute_pings",
    "running_client",
    "snowflake_time",
    "start_client",
    "stop_client",
]
