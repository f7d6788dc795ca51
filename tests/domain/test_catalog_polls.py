"""The catalog's ``[[poll]]`` tables: read strictly, each tied to one launch of the file by its
device (name or alias, region and kind when needed), every mistake named with the poll's number."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.catalog import CatalogEntry, parse_catalog_text
from bot.domain.errors import CatalogError

LAUNCHES = """
format = 1

[[launch]]
device = "Xiaomi 12"
brand = "Xiaomi"
aliases = ["Xiaomi 12 Pro"]
region = "China"
timezone = "Asia/Shanghai"

[[launch]]
device = "Xiaomi 12"
brand = "Xiaomi"
region = "Global"

[[launch]]
device = "Huawei Mate 50"
brand = "Huawei"
timezone = "Asia/Shanghai"
"""


def _read(polls: str) -> list[CatalogEntry]:
    return parse_catalog_text(LAUNCHES + polls, "toml", "seeds.toml")


def test_a_poll_is_attached_to_the_launch_it_names() -> None:
    entries = parse_catalog_text(
        LAUNCHES
        + """
[[poll]]
launch = "xiaomi 12 pro"
region = "china"
question = "Leica on the Xiaomi 12?"
outcome = "no"
resolved = "2021-12-28 19:30"
evidence_url = "https://example.com/xiaomi-12"

[[poll]]
launch = "Huawei Mate 50"
question = "Which imaging brand?"
answers = ["Leica", "XMAGE", "Hasselblad"]
multiple = true
outcome = ["XMAGE"]
resolved = "6 September 2022"
""",
        "toml",
    )
    china, global_, mate = entries
    (leica,) = china.polls
    assert (leica.answers, leica.outcome, leica.multiple) == (("Yes", "No"), 0b10, False)
    assert leica.resolved_at == datetime(2021, 12, 28, 11, 30, tzinfo=UTC)  # the launch's zone
    assert leica.evidence_url == "https://example.com/xiaomi-12"
    assert global_.polls == ()
    (brand,) = mate.polls
    assert (brand.outcome, brand.evidence_url) == (0b010, None)
    assert brand.resolved_at == datetime(2022, 9, 5, 16, tzinfo=UTC)


@pytest.mark.parametrize(
    ("poll", "message"),
    [
        ('launch = "Pixel 9"', "poll #1: no launch in this file is for 'Pixel 9'"),
        ('launch = "Xiaomi 12"', "poll #1: 2 launches in this file are for 'Xiaomi 12'"),
        ('launch = "Huawei Mate 50"\ncolour = "red"', "poll #1: unknown key 'colour'"),
        ('launch = "Huawei Mate 50"\noutcome = "Maybe"', "outcome 'Maybe' is not one of"),
        ('launch = "Huawei Mate 50"\noutcome = ["Yes", "No"]', "set multiple = true"),
        ('launch = "Huawei Mate 50"\nresolved = "2022"', "resolved must be a day or a time"),
        ('launch = "Huawei Mate 50"\nanswers = ["Yes"]', "2 to 10 answers"),
        ('launch = "Huawei Mate 50"\nanswers = ["Yes", "yes"]', "each answer must differ"),
        ('launch = "Huawei Mate 50"\nevidence_url = "javascript:x"', "evidence_url must be"),
        ('launch = "Huawei Mate 50"\nquestion = "' + "x" * 301 + '"', "the limit is 300"),
    ],
)
def test_mistakes_are_named(poll: str, message: str) -> None:
    fields = {"question": '"Leica?"', "outcome": '"No"', "resolved": '"6 September 2022"'}
    given = dict(line.split(" = ", 1) for line in poll.split("\n"))
    text = "\n".join(f"{k} = {v}" for k, v in (fields | given).items())
    with pytest.raises(CatalogError, match=r"^seeds\.toml: ") as refused:
        _read("\n[[poll]]\n" + text + "\n")
    assert message in str(refused.value)


def test_the_same_question_twice_about_one_launch_is_refused() -> None:
    poll = '\n[[poll]]\nlaunch = "Huawei Mate 50"\nquestion = "Leica?"\noutcome = "No"\n'
    with pytest.raises(CatalogError, match="poll #2: repeats a question"):
        _read((poll + 'resolved = "6 September 2022"\n') * 2)
