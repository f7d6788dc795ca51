"""The quick acceptance of plain addresses agrees with the full check (``urlsplit``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import text
from bot.domain.errors import InvalidInput

PIECES = st.sampled_from(
    ["http", "https", "HTTPS", "ftp", ":", "//", "/", "?", "#", "@", "[", "]", "::1", ".", "-",
     "a", "Z", "0", "9", "%", "~", "!", "'", "<", ">", '"', " ", "\t", "\\", "{", "é", "\u200b",
     "\x00", ":80", ":99999", "xn--", "example.com", "www.mi.com", "user:pw@"]
)  # fmt: skip


@given(st.lists(PIECES, max_size=12).map("".join))
def test_quick_path_agrees_with_the_full_check(url: str) -> None:
    assert text._url_problem(url) == text._refused(url)


@given(st.from_regex(text._PLAIN_URL, fullmatch=True))
def test_every_plainly_fine_address_passes_the_full_check(url: str) -> None:
    assert not text._refused(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.mi.com/global/",
        "http://example.com",
        "HTTPS://News.Example.com/1/2?x=1&y=%20#top",
        "https://a-b.c/path_(x)!$&'*+,;=:@~",
    ],
)
def test_plain_addresses_are_kept(url: str) -> None:
    assert text.clean_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "https://exa mple.com/",
        "https://example.com/<script>",
        'https://example.com/"',
        "javascript:alert(1)",
        "https://",
        "https://[::1/",
        "https://example.com:99999/",
        "ftp://example.com/",
        "https://example.com/\u200b",
    ],
)
def test_bad_addresses_are_refused(url: str) -> None:
    with pytest.raises(InvalidInput):
        text.clean_url(url)
