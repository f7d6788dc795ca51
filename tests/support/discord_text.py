"""How Discord reads a message's text, for tests: whether a piece of user text stayed live
(markdown, a masked link, a mention) and what a reader sees once escapes are applied."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# Discord shows "\x" as "x" for any x that is not a letter, a digit or a space
_ESCAPED = re.compile(r"\\([^0-9A-Za-z\s])")
MENTION = re.compile(r"<@[!&]?\d+>|<#\d+>|@everyone|@here")
MASKED_LINK_START = re.compile(r"\[[^\]\n]*\]\(")
# headings, subtext, quotes and lists mean something only at the start of a line
LINE_START_SYNTAX = re.compile(r"(?:#{1,3}|-#|>{1,3}|[-+*]|[0-9]+[.)]) ")


def escaped_at(text: str, index: int) -> bool:
    """True when the character at ``index`` follows an odd run of backslashes."""
    run = 0
    while index - run > 0 and text[index - run - 1] == "\\":
        run += 1
    return run % 2 == 1


def _at_line_start(text: str, index: int) -> bool:
    return text[text.rfind("\n", 0, index) + 1 : index].strip(" \t") == ""


def live(text: str, payload: str) -> bool:
    """``payload`` appears with its first character unescaped where Discord would format it."""
    line_syntax = LINE_START_SYNTAX.match(payload) is not None
    start = text.find(payload)
    while start != -1:
        if not escaped_at(text, start) and (not line_syntax or _at_line_start(text, start)):
            return True
        start = text.find(payload, start + 1)
    return False


def live_syntax(text: str, bot_made: frozenset[str] = frozenset()) -> list[str]:
    """Mentions and masked links that Discord would render, but for the ``bot_made`` ones (a
    settings view shows the announce channel as <#id>)."""
    found = [
        m.group()
        for m in MENTION.finditer(text)
        if not escaped_at(text, m.start()) and m.group() not in bot_made
    ]
    found += [
        m.group() for m in MASKED_LINK_START.finditer(text) if not escaped_at(text, m.start())
    ]
    return found


def visible(text: str) -> str:
    """The characters a reader sees once Discord has applied the escapes."""
    return _ESCAPED.sub(r"\1", text).replace("\u200b", "")


def embed_texts(embed: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(part, text) for every piece of text in an embed."""
    for part in ("title", "description"):
        if embed.get(part):
            yield part, embed[part]
    for field in embed.get("fields") or []:
        yield f"field name {field['name']!r}", field["name"]
        yield f"field {field['name']!r}", field["value"]
    for part in ("footer", "author"):
        key = "text" if part == "footer" else "name"
        if (embed.get(part) or {}).get(key):
            yield part, embed[part][key]


def message_texts(content: str | None, embeds: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    if content:
        yield "content", content
    for n, embed in enumerate(embeds):
        for part, text in embed_texts(embed):
            yield f"embed {n} {part}", text
