"""The README's invite link asks for exactly the permissions its table lists."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import discord

README = Path(__file__).resolve().parent.parent / "README.md"


def _invite_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("## Inviting the bot to a server", 1)[1].split("\n## ", 1)[0]


def test_invite_link_matches_the_permission_table() -> None:
    section = _invite_section()
    listed = re.findall(r"^\| ([A-Z][A-Za-z ]+) \|", section, re.MULTILINE)
    assert listed == ["View Channel", "Send Messages", "Embed Links", "Create Events"]
    wanted = discord.Permissions(**{name.lower().replace(" ", "_"): True for name in listed})

    (link,) = re.findall(r"https://discord\.com/oauth2/authorize\?[^`\s]+", section)
    query = parse_qs(urlsplit(link).query)
    assert query["scope"] == ["bot applications.commands"]
    assert int(query["permissions"][0]) == wanted.value
