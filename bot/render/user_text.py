"""User text in Discord: the one rule for every message, embed and event description the bot sends.

Text a member typed (names, regions, notes, source authors, display names...) is shown as
typed: no markdown, no masked link, no mention, no heading or list. Addresses stay clickable,
shown as the address itself.

``discord.utils.escape_markdown`` alone is not enough: it escapes only the first of several
masked links on a line, and leaves ``<@id>``, ``<@&id>`` and ``<#id>`` forms and numbered and
``+`` lists alone (``escape_mentions`` then catches only 17-20 digit ids). So this follows its
approach (a backslash before every markdown character, web addresses left whole), adds those,
then applies ``escape_mentions`` for ``@everyone`` and ``@here``. Surfaces that render no
markdown (autocomplete choices, event names and locations) get the text as it is, never escaped;
user text is kept out of embed footers, which render none either.
"""

from __future__ import annotations

import re

from discord.utils import escape_mentions

from bot.app.limits import clip

# discord.utils' pattern for the addresses Discord links by itself; they are left whole
_ADDRESS = r"<[^: >]+:/[^ >]+>|(?:https?|steam)://[^\s<]+[^<.,:;\"'\]\s]"
# at a line's start: headings (#), subtext (-#), lists (-, +, 1., 1)); * and > are escaped anywhere
_LINE_MARKER = r"^[ \t]*(?:#|-|\+|[0-9]+[.)])"
# emphasis, code, spoilers, masked links, quotes, and the < of <@user>, <@&role>, <#channel>, <t:…>
_ANYWHERE = r"[\\*_~`|\[<>]"
_MARKDOWN = re.compile(
    rf"(?P<address>{_ADDRESS})|(?P<marker>{_LINE_MARKER})|(?P<char>{_ANYWHERE})", re.MULTILINE
)


def _escape(match: re.Match[str]) -> str:
    if match["address"]:
        return match["address"]
    found = match[0]
    return found[:-1] + "\\" + found[-1]


def escape_user_text(text: str) -> str:
    """``text`` as Discord should show it literally, wherever it ends up in a message."""
    return escape_mentions(_MARKDOWN.sub(_escape, text))


def user_text(text: str, limit: int) -> str:
    """Escaped, then cut to ``limit`` characters (a cut is marked with an ellipsis)."""
    return clip(escape_user_text(text), limit)
