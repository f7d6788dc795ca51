"""The weekly digest's text: user text escaped, nobody pinged, each list capped with the count of
the rest, and never longer than a Discord message."""

from __future__ import annotations

from bot.app import limits
from bot.domain.digest import DigestContent
from bot.render.digest import weekly_digest
from tests.render.test_render import launch


def test_user_text_is_escaped_and_nobody_is_pinged() -> None:
    hostile = launch("[Mi 12](https://evil.example) @everyone <@&42> *bold*", "2022-01-05 10:00")
    out = weekly_digest(DigestContent((hostile,), 1, (), 0), late=False)
    line = out.content.splitlines()[3]
    assert line.startswith(
        "• `#7` **\\[Mi 12](https://evil.example) @\u200beveryone \\<@&42\\> \\*bold\\* (China)**"
    )
    assert out.allowed_mentions.to_dict() == {"parse": []}
    assert out.content.splitlines()[-1] == "Nothing further ahead yet."


def test_each_list_counts_what_it_leaves_out() -> None:
    week = tuple(launch(f"Phone {n}", "2022-01-05 10:00", id=n) for n in range(3))
    later = tuple(launch(f"Later {n}", "Q2 2022", id=10 + n) for n in range(2))
    text = weekly_digest(DigestContent(week, 20, later, 2), late=True).content
    assert "…and 17 more: see `/launch upcoming`." in text
    assert "Later 1" in text and "…and" not in text.split("🔮")[1]
    assert text.endswith("*(sent late: the bot was offline when it was due)*")


def test_a_digest_of_long_names_fits_one_message_and_says_how_many_it_dropped() -> None:
    name = "Ultra " * 30
    week = tuple(launch(name + str(n), "2022-01-05 10:00", id=n) for n in range(15))
    later = tuple(launch(name + str(n), "Q2 2022", id=100 + n) for n in range(10))
    text = weekly_digest(DigestContent(week, 15, later, 30), late=True).content
    assert len(text) <= limits.CONTENT
    assert not text.endswith("…")  # lines were dropped whole, not cut
    assert "🔮 **Rumoured next**\n30 launches: see `/launch upcoming`." in text  # all dropped
    shown_week = text.split("🔮")[0].count("• ")
    assert 0 < shown_week < 15 and f"…and {15 - shown_week} more" in text
