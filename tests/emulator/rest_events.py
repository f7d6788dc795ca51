"""Guild scheduled events: list, create, get, edit, delete, subscribers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import payloads
from .constants import ChannelType, ErrorCode, Intent, Perm
from .errors import FormErrors, empty_response, json_response, missing_permissions, not_found
from .models import Guild, ScheduledEvent
from .router import RequestContext, Router

if TYPE_CHECKING:
    from .server import Emulator

EVENTS = "/guilds/{guild_id}/scheduled-events"
STAGE, VOICE, EXTERNAL = 1, 2, 3
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
TRANSITIONS = {SCHEDULED: {SCHEDULED, ACTIVE, CANCELED}, ACTIVE: {ACTIVE, COMPLETED}}
FIELDS = (
    "name",
    "description",
    "scheduled_start_time",
    "scheduled_end_time",
    "privacy_level",
    "entity_type",
    "channel_id",
    "entity_metadata",
    "image",
    "status",
)


def _parse_time(errors: FormErrors, key: str, value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        errors.add((key,), "DATE_TIME_TYPE_PARSE", "Could not parse date time.")
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def validate_event(
    data: dict[str, Any], guild: Guild, errors: FormErrors, *, creating: bool
) -> None:
    name = data.get("name")
    if errors.required(("name",), name):
        errors.max_length(("name",), name, 100)
    errors.max_length(("description",), data.get("description"), 1000)
    if data.get("privacy_level") != 2:
        errors.add(("privacy_level",), "ENUM_TYPE_COERCE", "Value must be 2 (GUILD_ONLY).")
    entity_type = data.get("entity_type")
    start = _parse_time(errors, "scheduled_start_time", data.get("scheduled_start_time"))
    end = _parse_time(errors, "scheduled_end_time", data.get("scheduled_end_time"))
    if start is None and "scheduled_start_time" not in errors.tree:
        errors.add(("scheduled_start_time",), "BASE_TYPE_REQUIRED", "This field is required")
    if start is not None and creating and start <= datetime.now(UTC):
        errors.add(
            ("scheduled_start_time",),
            "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
            "Cannot schedule event in the past.",
        )
    if start is not None and end is not None and end <= start:
        errors.add(
            ("scheduled_end_time",),
            "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
            "Cannot schedule event to end before starting.",
        )
    if entity_type == EXTERNAL:
        location = (data.get("entity_metadata") or {}).get("location")
        if errors.required(("entity_metadata", "location"), location):
            errors.max_length(("entity_metadata", "location"), location, 100)
        if end is None:
            errors.add(("scheduled_end_time",), "BASE_TYPE_REQUIRED", "This field is required")
        if data.get("channel_id") is not None:
            errors.add(
                ("channel_id",),
                "GUILD_SCHEDULED_EVENT_CHANNEL_NOT_ALLOWED",
                "Channel must be null for external events.",
            )
    elif entity_type in (STAGE, VOICE):
        channel = guild.channels.get(int(data.get("channel_id") or 0))
        wanted = 13 if entity_type == STAGE else ChannelType.GUILD_VOICE
        if channel is None or channel.type != wanted:
            errors.add(
                ("channel_id",),
                "GUILD_SCHEDULED_EVENT_INVALID_CHANNEL",
                "Invalid channel for this entity type.",
            )
    else:
        errors.add(
            ("entity_type",),
            "ENUM_TYPE_COERCE",
            f'Value "{entity_type}" is not a valid enum value.',
        )


def register(router: Router, emu: Emulator) -> None:
    world = emu.state

    def guild_for(ctx: RequestContext) -> Guild:
        guild = world.guild(ctx.int_param("guild_id"))
        if guild is None:
            raise not_found(ErrorCode.UNKNOWN_GUILD, "Guild")
        return guild

    def event_for(ctx: RequestContext, guild: Guild) -> ScheduledEvent:
        event = guild.scheduled_events.get(ctx.int_param("event_id"))
        if event is None:
            raise not_found(ErrorCode.UNKNOWN_GUILD_SCHEDULED_EVENT, "Guild Scheduled Event")
        return event

    def require_manage(guild: Guild) -> None:
        perms = world.permissions(guild, world.bot_member(guild))
        if not perms & (Perm.MANAGE_EVENTS | Perm.CREATE_EVENTS):
            raise missing_permissions()

    def body(event: ScheduledEvent, with_count: bool = False) -> dict[str, Any]:
        return payloads.scheduled_event(
            event, world.user(event.creator_id or 0), with_count=with_count
        )

    def dispatch(name: str, event: ScheduledEvent) -> None:
        emu.gateway.dispatch(
            name, body(event), guild_id=event.guild_id, intent=Intent.GUILD_SCHEDULED_EVENTS
        )

    async def list_events(ctx: RequestContext) -> web.Response:
        guild = guild_for(ctx)
        with_count = ctx.query_flag("with_user_count")
        return json_response([body(e, with_count) for e in guild.scheduled_events.values()])

    async def create(ctx: RequestContext) -> web.Response:
        guild = guild_for(ctx)
        require_manage(guild)
        data = ctx.json()
        errors = FormErrors()
        validate_event(data, guild, errors, creating=True)
        errors.raise_if_any()
        event = ScheduledEvent(
            id=world.new_id(),
            guild_id=guild.id,
            name=data["name"],
            scheduled_start_time=data["scheduled_start_time"],
            entity_type=int(data["entity_type"]),
            creator_id=world.bot.id,
        )
        apply(event, data)
        guild.scheduled_events[event.id] = event
        dispatch("GUILD_SCHEDULED_EVENT_CREATE", event)
        return json_response(body(event))

    def apply(event: ScheduledEvent, data: dict[str, Any]) -> None:
        for key in FIELDS:
            if key in data:
                value = data[key]
                if key == "channel_id" and value is not None:
                    value = int(value)
                setattr(event, key, value)

    async def get_one(ctx: RequestContext) -> web.Response:
        guild = guild_for(ctx)
        return json_response(body(event_for(ctx, guild), ctx.query_flag("with_user_count")))

    async def edit(ctx: RequestContext) -> web.Response:
        guild = guild_for(ctx)
        require_manage(guild)
        event = event_for(ctx, guild)
        data = ctx.json()
        current = {**body(event), **data}
        errors = FormErrors()
        validate_event(
            current,
            guild,
            errors,
            creating="scheduled_start_time" in data and event.status == SCHEDULED,
        )
        if "status" in data and int(data["status"]) not in TRANSITIONS.get(event.status, set()):
            errors.add(
                ("status",),
                "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                "Invalid status transition.",
            )
        errors.raise_if_any()
        apply(event, data)
        dispatch("GUILD_SCHEDULED_EVENT_UPDATE", event)
        return json_response(body(event))

    async def delete(ctx: RequestContext) -> web.StreamResponse:
        guild = guild_for(ctx)
        require_manage(guild)
        event = event_for(ctx, guild)
        del guild.scheduled_events[event.id]
        dispatch("GUILD_SCHEDULED_EVENT_DELETE", event)
        return empty_response()

    async def users(ctx: RequestContext) -> web.Response:
        guild = guild_for(ctx)
        event = event_for(ctx, guild)
        result = []
        for user_id in sorted(event.subscribers):
            user = world.user(user_id)
            if user is None:
                continue
            entry: dict[str, Any] = {
                "guild_scheduled_event_id": str(event.id),
                "user": payloads.user(user),
            }
            member = guild.members.get(user_id)
            if member is not None and ctx.query_flag("with_member"):
                entry["member"] = payloads.member(member, with_user=False)
            result.append(entry)
        return json_response(result)

    router.add("GET", EVENTS, list_events)
    router.add("POST", EVENTS, create)
    router.add("GET", EVENTS + "/{event_id}", get_one)
    router.add("PATCH", EVENTS + "/{event_id}", edit)
    router.add("DELETE", EVENTS + "/{event_id}", delete)
    router.add("GET", EVENTS + "/{event_id}/users", users)
