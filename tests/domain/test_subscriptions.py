"""Members' DM targets and what failed DMs in a row lead to."""

from __future__ import annotations

from bot.domain.subscriptions import (
    UNSUBSCRIBE_AFTER,
    AfterDmFailure,
    DmNotice,
    after_dm_failure,
    user_of,
    user_target,
)


def test_a_target_names_a_member_or_the_channel() -> None:
    assert user_target(1574622327990259725) == "user:1574622327990259725"
    assert user_of("user:1574622327990259725") == 1574622327990259725
    assert user_of("channel") is None
    assert user_of("user:") is None
    assert user_of("user:12x") is None
    assert user_of("user:١٢") is None  # digits, but not ASCII ones


def test_the_first_failure_leaves_a_notice_and_the_third_unsubscribes() -> None:
    assert after_dm_failure(1, None) == AfterDmFailure(1, DmNotice.CLOSED, unsubscribe=False)
    # already told (no notice waiting): the second failure does not tell again
    assert after_dm_failure(2, None) == AfterDmFailure(2, None, unsubscribe=False)
    assert after_dm_failure(2, DmNotice.CLOSED) == AfterDmFailure(
        2, DmNotice.CLOSED, unsubscribe=False
    )
    assert after_dm_failure(UNSUBSCRIBE_AFTER, None) == AfterDmFailure(
        0, DmNotice.UNSUBSCRIBED, unsubscribe=True
    )
