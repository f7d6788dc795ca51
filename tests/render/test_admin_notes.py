"""What the note to admins says for each refusal: Discord's reason in plain words and what to do,
the launch's name escaped, plain text that pings nobody."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.admin_note import AdminNote, PostFailure
from bot.render.admin_notes import admin_note_message, explain
from tests.support.discord_text import live, live_syntax, visible

AT = datetime(2027, 3, 1, 12, tzinfo=UTC)
SET = "choose another channel with `/settings set announce_channel:`"


@pytest.mark.parametrize(
    ("status", "code", "why", "fix"),
    [
        (403, 50013, "the bot lacks permission to send messages in <#55>",
         f"give the bot Send Messages in <#55>, or {SET}"),
        (403, 50001, "the bot cannot see <#55>",
         f"give the bot View Channel and Send Messages in <#55>, or {SET}"),
        (403, 40333, "Discord refused the bot access to <#55>",
         f"check the bot's permissions in <#55>, or {SET}"),
        (404, 10003, "the channel no longer exists", SET),
        (404, None, "the channel no longer exists", SET),
        (400, 50008, "<#55> does not take messages",
         "choose a text channel with `/settings set announce_channel:`"),
        (400, 200000, "the server's AutoMod blocked it in <#55>",
         "check the AutoMod rules in Server Settings, or exempt the bot's role from them"),
        (400, 50035, "Discord refused the post in <#55>",
         "this is likely a fault in the bot; please report it with the time of this note"),
        (413, None, "Discord refused the post in <#55>",
         "this is likely a fault in the bot; please report it with the time of this note"),
    ],
)  # fmt: skip
def test_each_refusal_in_plain_words(status: int, code: int | None, why: str, fix: str) -> None:
    assert explain(PostFailure("reminder", None, 55, status, code)) == (why, fix)


def test_the_whole_note() -> None:
    note = AdminNote(PostFailure("reminder", "Xiaomi 12", 55, 403, 50013), AT)
    out = admin_note_message(note)
    stamp = int(AT.timestamp())
    assert out.content == (
        f"⚠️ A scheduled post could not be sent <t:{stamp}:R>: the reminder for **Xiaomi 12**.\n"
        "Why: the bot lacks permission to send messages in <#55> (Discord answered 403, code "
        "50013).\n"
        "What to do: give the bot Send Messages in <#55>, or choose another channel with "
        "`/settings set announce_channel:`. `/settings show` lists the posts that failed; this "
        "note is sent once for this problem, not for every post it affects."
    )
    assert out.allowed_mentions.to_dict() == {"parse": []}
    assert out.view is None


@pytest.mark.parametrize(
    ("kind", "about", "what"),
    [
        ("launch", "Pixel 11", "the launch post for **Pixel 11**"),
        ("digest", None, "the weekly digest"),
        ("notice", "Pixel 11", "the change notice for **Pixel 11**"),
        ("poll_close", None, "the poll\\_close"),  # a kind this version does not name
    ],
)
def test_what_failed(kind: str, about: str | None, what: str) -> None:
    content = admin_note_message(AdminNote(PostFailure(kind, about, 55, 404, 10003), AT)).content
    assert content.splitlines()[0].endswith(f": {what}.")
    assert "(Discord answered 404, code 10003)" in content


def test_the_launchs_name_is_escaped_and_pings_nobody() -> None:
    hostile = "[Mi](https://evil.example) @everyone <@&42> <#7> *x*"
    content = admin_note_message(AdminNote(PostFailure("launch", hostile, 55, 404, 0), AT)).content
    assert (
        "the launch post for **\\[Mi](https://evil.example) @\u200beveryone \\<@&42\\> \\<#7\\> "
        "\\*x\\***." in content
    )
    assert "(Discord answered 404)" in content
    long = admin_note_message(AdminNote(PostFailure("launch", "x" * 500, 55, 404, 0), AT))
    assert "x" * 120 not in long.content and "…**" in long.content


HOSTILE = [
    "[Free Nitro](https://evil.example/gift)",
    "[a](https://x.example) [b](https://y.example)",
    "@everyone",
    "<@123>",
    "<@&456>",
    "<#789>",
    "# Heading",
    "**bold**",
    "`code`",
    "> quote",
    "||spoiler||",
    "-# small",
    "1. listed",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_launch_names_show_as_typed_and_nothing_is_live(hostile: str) -> None:
    failure = PostFailure("launch", f"{hostile} Phone", 55, 403, 50013)
    content = admin_note_message(AdminNote(failure, AT)).content
    assert not live(content, hostile)
    assert live_syntax(content, frozenset({"<#55>"})) == []  # the channel is the bot's own
    assert f"{hostile} Phone" in visible(content)
