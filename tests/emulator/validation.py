"""The message, embed, component, poll, modal and autocomplete limits Discord enforces.

Each check adds to a :class:`FormErrors`, so one bad request reports every problem in Discord's
``{"code": 50035, "message": "Invalid Form Body", "errors": {...}}`` shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .constants import SELECT_TYPES, ComponentType, ErrorCode, MessageFlag
from .errors import DiscordError, FormErrors
from .poll_validation import validate_poll

Path = tuple[str | int, ...]

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_CUSTOM_ID = 100
MAX_V2_COMPONENTS = 40
MAX_CHOICES = 25
URL_SCHEMES = ("http://", "https://", "attachment://")


def is_empty_message(body: dict[str, Any]) -> bool:
    return not (
        body.get("content")
        or body.get("embeds")
        or body.get("components")
        or body.get("attachments")
        or body.get("poll")
        or body.get("sticker_ids")
    )


def raise_if_empty(body: dict[str, Any]) -> None:
    if is_empty_message(body):
        raise DiscordError(400, ErrorCode.EMPTY_MESSAGE, "Cannot send an empty message")


def validate_message(body: dict[str, Any], errors: FormErrors, prefix: Path = ()) -> None:
    """Checks the message fields present in ``body`` (a create or an edit payload)."""
    content = body.get("content")
    if content is not None:
        errors.max_length((*prefix, "content"), str(content), MAX_CONTENT)
    nonce = body.get("nonce")
    if nonce is not None and len(str(nonce)) > 25:
        errors.add((*prefix, "nonce"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    embeds = body.get("embeds")
    if embeds:
        validate_embeds(embeds, errors, (*prefix, "embeds"))
    flags = int(body.get("flags") or 0)
    components = body.get("components")
    if components:
        if flags & MessageFlag.IS_COMPONENTS_V2:
            validate_v2_components(components, errors, (*prefix, "components"))
        else:
            validate_action_rows(components, errors, (*prefix, "components"))
    if flags & MessageFlag.IS_COMPONENTS_V2 and (content or embeds):
        errors.add(
            (*prefix, "content" if content else "embeds"),
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used when using"
            " MessageFlags.IS_COMPONENTS_V2",
        )
    mentions = body.get("allowed_mentions")
    if mentions is not None:
        validate_allowed_mentions(mentions, errors, (*prefix, "allowed_mentions"))
    poll = body.get("poll")
    if poll is not None:
        validate_poll(poll, errors, (*prefix, "poll"))


def validate_embeds(embeds: list[dict[str, Any]], errors: FormErrors, path: Path) -> None:
    if len(embeds) > MAX_EMBEDS:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_EMBEDS} or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        p: Path = (*path, i)
        errors.max_length((*p, "title"), embed.get("title"), 256)
        errors.max_length((*p, "description"), embed.get("description"), 4096)
        fields = embed.get("fields") or []
        errors.max_length((*p, "fields"), fields, 25)
        for j, field in enumerate(fields):
            fp: Path = (*p, "fields", j)
            if errors.required((*fp, "name"), field.get("name")):
                errors.max_length((*fp, "name"), field["name"], 256)
            if errors.required((*fp, "value"), field.get("value")):
                errors.max_length((*fp, "value"), field["value"], 1024)
            total += len(str(field.get("name") or "")) + len(str(field.get("value") or ""))
        footer = embed.get("footer") or {}
        author = embed.get("author") or {}
        errors.max_length((*p, "footer", "text"), footer.get("text"), 2048)
        errors.max_length((*p, "author", "name"), author.get("name"), 256)
        for key in ("title", "description"):
            total += len(str(embed.get(key) or ""))
        total += len(str(footer.get("text") or "")) + len(str(author.get("name") or ""))
        color = embed.get("color")
        if color is not None and not (isinstance(color, int) and 0 <= color <= 0xFFFFFF):
            errors.add((*p, "color"), "NUMBER_TYPE_MAX", "int value should be <= 16777215.")
        _check_url(errors, (*p, "url"), embed.get("url"))
        for key in ("image", "thumbnail"):
            _check_url(errors, (*p, key, "url"), (embed.get(key) or {}).get("url"))
        _check_url(errors, (*p, "author", "url"), author.get("url"))
        _check_url(errors, (*p, "author", "icon_url"), author.get("icon_url"))
        _check_url(errors, (*p, "footer", "icon_url"), footer.get("icon_url"))
        timestamp = embed.get("timestamp")
        if timestamp is not None:
            try:
                datetime.fromisoformat(str(timestamp))
            except ValueError:
                errors.add((*p, "timestamp"), "DATE_TIME_TYPE_PARSE", "Could not parse timestamp.")
    if total > MAX_EMBED_TOTAL:
        errors.add(
            path, "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}"
        )


def _check_url(errors: FormErrors, path: Path, url: Any) -> None:
    if url is not None and not str(url).startswith(URL_SCHEMES):
        errors.add(path, "URL_TYPE_INVALID_URL", "Not a well formed URL.")


def validate_action_rows(rows: list[dict[str, Any]], errors: FormErrors, path: Path) -> None:
    if len(rows) > MAX_ROWS:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_ROWS} or fewer in length.")
    seen: set[str] = set()
    for i, row in enumerate(rows):
        rp: Path = (*path, i)
        if row.get("type") != ComponentType.ACTION_ROW:
            errors.add((*rp, "type"), "UNION_TYPE_CHOICES", "Value must be one of {1}.")
            continue
        children = row.get("components") or []
        if not 1 <= len(children) <= MAX_ROW_BUTTONS:
            errors.add(
                (*rp, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
            )
        has_select = any(c.get("type") in SELECT_TYPES for c in children)
        if has_select and len(children) > 1:
            errors.add(
                (*rp, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        for j, child in enumerate(children):
            _validate_interactive(child, errors, (*rp, "components", j), seen)


def validate_v2_components(
    components: list[dict[str, Any]], errors: FormErrors, path: Path
) -> None:
    seen: set[str] = set()
    count = 0

    def walk(items: list[dict[str, Any]], p: Path) -> None:
        nonlocal count
        for i, item in enumerate(items):
            count += 1
            ip: Path = (*p, i)
            if item.get("type") in (ComponentType.BUTTON, *SELECT_TYPES):
                _validate_interactive(item, errors, ip, seen)
            if item.get("components"):
                walk(item["components"], (*ip, "components"))
            if item.get("accessory"):
                count += 1
                accessory = item["accessory"]
                if accessory.get("type") == ComponentType.BUTTON:
                    _validate_interactive(accessory, errors, (*ip, "accessory"), seen)

    walk(components, path)
    if count > MAX_V2_COMPONENTS:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_V2_COMPONENTS} or fewer in length.")


def _validate_interactive(
    component: dict[str, Any], errors: FormErrors, path: Path, seen: set[str]
) -> None:
    ctype = component.get("type")
    custom_id = component.get("custom_id")
    if ctype == ComponentType.BUTTON:
        style = component.get("style")
        errors.max_length((*path, "label"), component.get("label"), 80)
        if style == 5:
            if not component.get("url"):
                errors.add((*path, "url"), "BASE_TYPE_REQUIRED", "This field is required")
            if custom_id is not None:
                errors.add(
                    (*path, "custom_id"),
                    "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                    "A custom id cannot be specified for this button style",
                )
            return
        if style != 6 and not custom_id:
            errors.add(
                (*path, "custom_id"),
                "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED",
                "A custom id required",
            )
    elif ctype in SELECT_TYPES:
        errors.required((*path, "custom_id"), custom_id)
        errors.max_length((*path, "placeholder"), component.get("placeholder"), 150)
        if ctype == ComponentType.STRING_SELECT:
            options = component.get("options") or []
            if not 1 <= len(options) <= 25:
                errors.add(
                    (*path, "options"),
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 25 in length.",
                )
            for k, option in enumerate(options):
                op: Path = (*path, "options", k)
                errors.max_length((*op, "label"), option.get("label"), 100)
                errors.max_length((*op, "value"), option.get("value"), 100)
                errors.max_length((*op, "description"), option.get("description"), 100)
        for key, low in (("min_values", 0), ("max_values", 1)):
            value = component.get(key)
            if value is not None and not low <= int(value) <= 25:
                errors.add((*path, key), "NUMBER_TYPE_MAX", "int value should be <= 25.")
    else:
        errors.add(
            (*path, "type"), "UNION_TYPE_CHOICES", f"Component type {ctype} not allowed here."
        )
        return
    if custom_id is not None:
        errors.max_length((*path, "custom_id"), custom_id, MAX_CUSTOM_ID)
        if custom_id in seen:
            errors.add(
                (*path, "custom_id"),
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated",
            )
        seen.add(custom_id)


def validate_allowed_mentions(mentions: dict[str, Any], errors: FormErrors, path: Path) -> None:
    parse = mentions.get("parse") or []
    for i, kind in enumerate(parse):
        if kind not in ("users", "roles", "everyone"):
            errors.add(
                (*path, "parse", i),
                "ENUM_TYPE_COERCE",
                f"Value '{kind}' is not a valid enum value.",
            )
    for kind in ("users", "roles"):
        ids = mentions.get(kind) or []
        if ids and kind in parse:
            errors.add(
                (*path, "parse"),
                "SET_TYPE_ALREADY_CONTAINS_VALUE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )
        errors.max_length((*path, kind), ids, 100)


def validate_autocomplete(data: dict[str, Any], errors: FormErrors, path: Path) -> None:
    choices = data.get("choices")
    if choices is None:
        errors.add((*path, "choices"), "BASE_TYPE_REQUIRED", "This field is required")
        return
    if len(choices) > MAX_CHOICES:
        errors.add(
            (*path, "choices"), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CHOICES} or fewer in length."
        )
    for i, choice in enumerate(choices):
        name = choice.get("name")
        if errors.required((*path, "choices", i, "name"), name):
            errors.max_length((*path, "choices", i, "name"), name, 100)
        value = choice.get("value")
        if isinstance(value, str):
            errors.max_length((*path, "choices", i, "value"), value, 100)


def validate_modal(data: dict[str, Any], errors: FormErrors, path: Path) -> None:
    if errors.required((*path, "title"), data.get("title")):
        errors.max_length((*path, "title"), data["title"], 45)
    if errors.required((*path, "custom_id"), data.get("custom_id")):
        errors.max_length((*path, "custom_id"), data["custom_id"], MAX_CUSTOM_ID)
    components = data.get("components") or []
    if not 1 <= len(components) <= 5:
        errors.add(
            (*path, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
        )
    for i, top in enumerate(components):
        p: Path = (*path, "components", i)
        if top.get("type") == ComponentType.LABEL:
            errors.max_length((*p, "label"), top.get("label"), 45)
            errors.max_length((*p, "description"), top.get("description"), 100)
            inner = [(top.get("component") or {}, (*p, "component"))]
        else:
            inner = [(c, (*p, "components", j)) for j, c in enumerate(top.get("components") or [])]
        for component, cp in inner:
            errors.max_length((*cp, "custom_id"), component.get("custom_id"), MAX_CUSTOM_ID)
            if component.get("type") == ComponentType.TEXT_INPUT:
                errors.max_length((*cp, "label"), component.get("label"), 45)
                errors.max_length((*cp, "placeholder"), component.get("placeholder"), 100)
                errors.max_length((*cp, "value"), component.get("value"), 4000)
