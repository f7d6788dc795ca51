"""Who may change launches and settings."""

from __future__ import annotations

import pytest

from bot.domain.errors import NotAllowed
from bot.domain.permissions import MemberFacts, can_edit_launches, require_editor, require_manager


def member(
    *, roles: set[int] = frozenset(), events: bool = False, guild: bool = False, admin: bool = False
) -> MemberFacts:
    return MemberFacts(1, frozenset(roles), events, guild, admin)


def test_editors_are_manage_events_admins_or_the_editor_role() -> None:
    assert can_edit_launches(member(events=True), None)
    assert can_edit_launches(member(admin=True), None)
    assert can_edit_launches(member(roles={42}), 42)
    assert not can_edit_launches(member(roles={41}), 42)
    assert not can_edit_launches(member(guild=True), None)


def test_refusals_say_what_is_needed() -> None:
    with pytest.raises(NotAllowed, match="Manage Events permission or the <@&42> role"):
        require_editor(member(), 42)
    with pytest.raises(NotAllowed, match="Manage Server"):
        require_manager(member(events=True))
    require_manager(member(guild=True))


def test_the_command_line_may_edit_without_member_facts() -> None:
    require_editor(None, 42)
    require_editor(None, None)
