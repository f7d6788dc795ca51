"""The one escaping rule for user text: shown as typed, with nothing live left in it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.render.user_text import escape_user_text, user_text
from tests.support.discord_text import live, live_syntax, visible

HOSTILE = (
    "[Free Nitro](https://evil.example/gift)",
    "[a](https://x.example) [b](https://y.example)",
    "@everyone",
    "@here",
    "<@123>",
    "<@&456>",
    "<@!123456789012345678>",
    "<#789>",
    "# Heading",
    "### Heading",
    "**bold**",
    "__underline__",
    "~~strike~~",
    "`code`",
    "> quote",
    ">>> quote",
    "||spoiler||",
    "-# small",
    "- item",
    "+ item",
    "* item",
    "1. listed",
    "2) listed",
)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_shown_as_typed_and_nothing_in_it_is_live(text: str) -> None:
    shown = escape_user_text(text)
    assert visible(shown) == text
    assert not live(shown, text)
    assert live_syntax(shown) == []


def test_pieces_side_by_side_do_not_pair_up() -> None:
    """discord.py escapes a lone * only when another follows in the same piece."""
    line = f"{escape_user_text('a*b')} · {escape_user_text('c*d')}"
    assert line == "a\\*b · c\\*d"
    second_link = f"**{escape_user_text('x [b](https://y.example)')}**"
    assert live_syntax(second_link) == []


def test_a_trailing_backslash_cannot_escape_the_bot_own_markdown() -> None:
    name = "Pro\\"
    assert f"**{escape_user_text(name)}**" == "**Pro\\\\**"


def test_headings_and_lists_are_escaped_on_every_line() -> None:
    shown = escape_user_text("first\n# Heading\n  - item\n3. listed")
    assert shown == "first\n\\# Heading\n  \\- item\n3\\. listed"


def test_web_addresses_stay_whole_and_clickable() -> None:
    text = "see https://www.mi.com/global/xiaomi_12_pro and <https://a.example/x_y>"
    assert escape_user_text(text) == text


def test_user_text_is_escaped_then_cut() -> None:
    assert user_text("**" * 10, 8) == "\\*\\*\\*\\…"
    assert len(user_text("x" * 300, 256)) == 256


@given(st.text(alphabet=st.sampled_from("ab 1.\n\t#-+*_~`|[]()<>@&!\\ze\u00e9"), max_size=40))
def test_any_text_reads_back_as_typed(text: str) -> None:
    assert visible(escape_user_text(text)) == text.replace("\u200b", "")
