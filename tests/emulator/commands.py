"""Application commands as Discord stores them, with its validation rules and a sync log."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from .constants import CommandType, OptionType
from .errors import FormErrors
from .world import World

Path = tuple[str | int, ...]
CHAT_NAME = re.compile(r"^[-_'\w]{1,32}$", re.UNICODE)
SUB_TYPES = (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP)
CONTEXT_LIMIT = 15
CHAT_LIMIT = 100
CONTEXTS = frozenset({0, 1, 2})
INTEGRATION_TYPES = frozenset({0, 1})


@dataclass
class SyncRecord:
    """One ``PUT .../commands`` (bulk overwrite), i.e. one ``tree.sync()``."""

    guild_id: int | None
    commands: list[dict[str, Any]]
    time: float = field(default_factory=time.monotonic)

    @property
    def names(self) -> list[str]:
        return [c["name"] for c in self.commands]


def _clean(value: Any) -> Any:
    """Drops nulls and empty lists the way Discord's stored representation does."""
    if isinstance(value, dict):
        cleaned = {}
        for key, item in value.items():
            if item is None or item == [] or item == {}:
                continue
            if key in ("required", "autocomplete") and item is False:
                continue
            cleaned[key] = _clean(item)
        return cleaned
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


class CommandStore:
    def __init__(self, world: World) -> None:
        self.world = world
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.syncs: list[SyncRecord] = []

    def scope(self, guild_id: int | None) -> list[dict[str, Any]]:
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.setdefault(guild_id, [])

    def find(
        self, name: str, *, guild_id: int | None, type: int = CommandType.CHAT_INPUT
    ) -> dict[str, Any] | None:
        """The command a user in ``guild_id`` would invoke: the guild's, else the global one."""
        scopes = ([guild_id] if guild_id is not None else []) + [None]
        for scope in scopes:
            for command in self.scope(scope):
                if command["name"] == name and command.get("type", 1) == type:
                    return command
        return None

    def get(self, guild_id: int | None, command_id: int) -> dict[str, Any] | None:
        return next((c for c in self.scope(guild_id) if int(c["id"]) == command_id), None)

    def build(
        self, data: dict[str, Any], guild_id: int | None, existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        ctype = int(data.get("type", CommandType.CHAT_INPUT))
        perms = data.get("default_member_permissions")
        command: dict[str, Any] = {
            "id": existing["id"] if existing else str(self.world.new_id()),
            "application_id": str(self.world.application.id),
            "version": str(self.world.new_id()),
            "type": ctype,
            "name": data["name"],
            "name_localizations": data.get("name_localizations"),
            "description": data.get("description", "") if ctype == CommandType.CHAT_INPUT else "",
            "description_localizations": data.get("description_localizations"),
            "default_member_permissions": None if perms is None else str(perms),
            "nsfw": bool(data.get("nsfw", False)),
            "integration_types": data.get("integration_types") or [0],
            "contexts": data.get("contexts"),
        }
        if guild_id is None:
            command["dm_permission"] = data.get("dm_permission", True)
        else:
            command["guild_id"] = str(guild_id)
        options = [_clean(o) for o in data.get("options") or []]
        if options:
            command["options"] = options
        if existing is not None and _same(existing, command):
            command["version"] = existing["version"]
        return command

    def bulk_overwrite(
        self, guild_id: int | None, items: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        old = {(c["name"], c.get("type", 1)): c for c in self.scope(guild_id)}
        new = [self.build(d, guild_id, old.get((d["name"], int(d.get("type", 1))))) for d in items]
        if guild_id is None:
            self.global_commands = new
        else:
            self.guild_commands[guild_id] = new
        self.syncs.append(SyncRecord(guild_id, new))
        return new

    def upsert(self, guild_id: int | None, data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        commands = self.scope(guild_id)
        key = (data["name"], int(data.get("type", 1)))
        existing = next((c for c in commands if (c["name"], c.get("type", 1)) == key), None)
        command = self.build(data, guild_id, existing)
        if existing is not None:
            commands[commands.index(existing)] = command
        else:
            commands.append(command)
        return command, existing is None


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    ignore = {"version"}
    return {k: v for k, v in a.items() if k not in ignore} == {
        k: v for k, v in b.items() if k not in ignore
    }


def validate_commands(items: list[dict[str, Any]], errors: FormErrors) -> None:
    seen: set[tuple[str, int]] = set()
    counts = {1: 0, 2: 0, 3: 0}
    for i, data in enumerate(items):
        validate_command(data, errors, (i,))
        key = (str(data.get("name")), int(data.get("type", 1)))
        if key in seen:
            errors.add(
                (i, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique",
            )
        seen.add(key)
        counts[key[1]] = counts.get(key[1], 0) + 1
    if counts.get(1, 0) > CHAT_LIMIT:
        errors.add((), "BASE_TYPE_MAX_LENGTH", f"Must be {CHAT_LIMIT} or fewer in length.")
    if counts.get(2, 0) > CONTEXT_LIMIT or counts.get(3, 0) > CONTEXT_LIMIT:
        errors.add((), "APPLICATION_COMMANDS_CONTEXT_MENU_LIMIT", "Too many context menu commands")


def validate_command(data: dict[str, Any], errors: FormErrors, path: Path = ()) -> None:
    ctype = int(data.get("type", CommandType.CHAT_INPUT))
    name = data.get("name")
    if not errors.required((*path, "name"), name):
        return
    if ctype == CommandType.CHAT_INPUT:
        _check_name(errors, (*path, "name"), name)
        _check_description(errors, (*path, "description"), data.get("description"))
        _check_options(errors, (*path, "options"), data.get("options") or [], depth=0)
    else:
        errors.max_length((*path, "name"), name, 32)
        if data.get("description"):
            errors.add(
                (*path, "description"),
                "APPLICATION_COMMAND_INVALID_DESCRIPTION",
                "Context menu commands cannot have a description",
            )
        if data.get("options"):
            errors.add(
                (*path, "options"),
                "APPLICATION_COMMAND_OPTIONS_NOT_ALLOWED",
                "Context menu commands cannot have options",
            )
    perms = data.get("default_member_permissions")
    if perms is not None and not str(perms).isdigit():
        errors.add(
            (*path, "default_member_permissions"),
            "NUMBER_TYPE_COERCE",
            f'Value "{perms}" is not int.',
        )
    _check_enum_list(errors, (*path, "contexts"), data.get("contexts"), CONTEXTS)
    _check_enum_list(
        errors, (*path, "integration_types"), data.get("integration_types"), INTEGRATION_TYPES
    )


def _check_enum_list(errors: FormErrors, path: Path, values: Any, allowed: frozenset[int]) -> None:
    """``contexts`` (0 guild, 1 bot DM, 2 private channel) and ``integration_types`` (0 guild
    install, 1 user install): null means Discord's default, otherwise known values only."""
    if values is None:
        return
    if not isinstance(values, list):
        errors.add(path, "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return
    for i, value in enumerate(values):
        if not isinstance(value, int) or value not in allowed:
            errors.add(
                (*path, i), "ENUM_TYPE_COERCE", f'Value "{value}" is not a valid enum value.'
            )


def _check_name(errors: FormErrors, path: Path, name: Any) -> None:
    if not isinstance(name, str) or not CHAT_NAME.match(name):
        errors.add(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    elif name != name.lower():
        errors.add(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name must be lowercase")


def _check_description(errors: FormErrors, path: Path, description: Any) -> None:
    if errors.required(path, description):
        errors.max_length(path, description, 100)


def _check_options(
    errors: FormErrors, path: Path, options: list[dict[str, Any]], depth: int
) -> None:
    if len(options) > 25:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    names: set[str] = set()
    seen_optional = False
    kinds = {int(o.get("type", 0)) in SUB_TYPES for o in options}
    if len(kinds) > 1:
        errors.add(
            path,
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Sub-command and sub-command group option types are mutually exclusive to all other"
            " types",
        )
    for i, option in enumerate(options):
        p: Path = (*path, i)
        otype = int(option.get("type", 0))
        _check_name(errors, (*p, "name"), option.get("name"))
        _check_description(errors, (*p, "description"), option.get("description"))
        if option.get("name") in names:
            errors.add(
                (*p, "name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        names.add(str(option.get("name")))
        if otype == OptionType.SUB_COMMAND_GROUP:
            if depth > 0:
                errors.add(
                    (*p, "type"),
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Sub-command groups cannot be nested",
                )
            children = option.get("options") or []
            if any(int(c.get("type", 0)) != OptionType.SUB_COMMAND for c in children):
                errors.add(
                    (*p, "options"),
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Sub-command groups may only contain sub-commands",
                )
            _check_options(errors, (*p, "options"), children, depth + 1)
        elif otype == OptionType.SUB_COMMAND:
            if depth > 1:
                errors.add(
                    (*p, "type"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Too deeply nested"
                )
            _check_options(errors, (*p, "options"), option.get("options") or [], 2)
        else:
            if option.get("required"):
                if seen_optional:
                    errors.add(
                        (*p, "required"),
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
            else:
                seen_optional = True
            choices = option.get("choices") or []
            if choices and option.get("autocomplete"):
                errors.add(
                    (*p, "autocomplete"),
                    "APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE",
                    "Autocomplete cannot be enabled with choices",
                )
            if len(choices) > 25:
                errors.add(
                    (*p, "choices"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
                )
            for j, choice in enumerate(choices):
                if errors.required((*p, "choices", j, "name"), choice.get("name")):
                    errors.max_length((*p, "choices", j, "name"), choice["name"], 100)
                if isinstance(choice.get("value"), str):
                    errors.max_length((*p, "choices", j, "value"), choice["value"], 100)
