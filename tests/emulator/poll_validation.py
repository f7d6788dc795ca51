"""The limits Discord enforces on a poll create request
(https://discord.com/developers/docs/resources/poll#poll-create-request-object), reported in
the ``Invalid Form Body`` (50035) shape like every other form error."""

from __future__ import annotations

from typing import Any

from .errors import FormErrors

Path = tuple[str | int, ...]

MAX_QUESTION = 300
MAX_ANSWER = 55
MAX_ANSWERS = 10
MAX_HOURS = 32 * 24
LAYOUTS = (1,)


def validate_poll(poll: Any, errors: FormErrors, path: Path) -> None:
    if not isinstance(poll, dict):
        errors.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    question = poll.get("question")
    if not isinstance(question, dict):
        errors.required((*path, "question"), None)
    else:
        _text(question.get("text"), errors, (*path, "question", "text"), MAX_QUESTION)
    answers = poll.get("answers")
    if not isinstance(answers, list):
        errors.required((*path, "answers"), None)
    else:
        if not 1 <= len(answers) <= MAX_ANSWERS:
            errors.add(
                (*path, "answers"),
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {MAX_ANSWERS} in length.",
            )
        for i, answer in enumerate(answers):
            media = answer.get("poll_media") if isinstance(answer, dict) else None
            if not isinstance(media, dict):
                errors.required((*path, "answers", i, "poll_media"), None)
                continue
            _text(
                media.get("text"), errors, (*path, "answers", i, "poll_media", "text"), MAX_ANSWER
            )
            emoji = media.get("emoji")
            if emoji is not None and not (
                isinstance(emoji, dict) and (emoji.get("id") or emoji.get("name"))
            ):
                errors.add(
                    (*path, "answers", i, "poll_media", "emoji"),
                    "POLL_MEDIA_EMOJI_INVALID",
                    "An emoji needs an id (custom) or a name (unicode).",
                )
    _duration(poll.get("duration"), errors, (*path, "duration"))
    multiselect = poll.get("allow_multiselect")
    if multiselect is not None and not isinstance(multiselect, bool):
        errors.add(
            (*path, "allow_multiselect"), "BASE_TYPE_BOOLEAN", "Must be either true or false."
        )
    layout = poll.get("layout_type")
    if layout is not None and (isinstance(layout, bool) or layout not in LAYOUTS):
        errors.add(
            (*path, "layout_type"),
            "ENUM_TYPE_COERCE",
            f'Value "{layout}" is not a valid enum value.',
        )


def _text(text: Any, errors: FormErrors, path: Path, limit: int) -> None:
    if not errors.required(path, text):
        return
    if not isinstance(text, str):
        errors.add(path, "STRING_TYPE_CONVERT", f'Could not interpret "{text}" as string.')
        return
    errors.max_length(path, text, limit)


def _duration(hours: Any, errors: FormErrors, path: Path) -> None:
    """Whole hours, 1 to 32 days; absent means 24. discord.py sends a float (24.0)."""
    if hours is None:
        return
    whole = isinstance(hours, int) or (isinstance(hours, float) and hours.is_integer())
    if isinstance(hours, bool) or not whole:
        errors.add(path, "NUMBER_TYPE_COERCE", f'Value "{hours}" is not int.')
    elif hours < 1:
        errors.add(path, "NUMBER_TYPE_MIN", "int value should be greater than or equal to 1.")
    elif hours > MAX_HOURS:
        errors.add(
            path, "NUMBER_TYPE_MAX", f"int value should be less than or equal to {MAX_HOURS}."
        )
