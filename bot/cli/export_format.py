"""Which format `launches export` writes: --format when given, else the output file's
extension, so that `launches import` (which reads a file by its extension) takes it back."""

from __future__ import annotations

from pathlib import Path

FORMATS = ("toml", "json")
BY_EXTENSION = {".toml": "toml", ".json": "json"}
STANDARD_OUTPUT_FORMAT = "toml"


class UnknownExtension(ValueError):
    pass


def export_format(requested: str | None, output: str | None) -> str:
    if requested is not None:
        return requested
    if output is None:
        return STANDARD_OUTPUT_FORMAT
    found = BY_EXTENSION.get(Path(output).suffix.lower())
    if found is None:
        raise UnknownExtension(
            f"cannot tell the format from {output!r}: name the file .toml or .json, "
            "or say --format toml|json"
        )
    return found


def mismatch_note(fmt: str, output: str | None) -> str | None:
    """A warning when --format writes a file that `launches import` will read as another
    format (or not at all)."""
    if output is None or BY_EXTENSION.get(Path(output).suffix.lower()) == fmt:
        return None
    return (
        f"note: {output} holds {fmt.upper()}; `launchbot launches import` reads only .toml and "
        f".json files, by their extension (name it .{fmt} to import it back)"
    )
