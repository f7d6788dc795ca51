"""Who may do what. Facts about the member come in as plain values; no Discord types here."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import NotAllowed


@dataclass(frozen=True, slots=True)
class MemberFacts:
    user_id: int
    role_ids: frozenset[int]
    manage_events: bool
    manage_guild: bool
    administrator: bool


def can_edit_launches(member: MemberFacts, editor_role_id: int | None) -> bool:
    if member.administrator or member.manage_events:
        return True
    return editor_role_id is not None and editor_role_id in member.role_ids


def require_editor(
    member: MemberFacts | None, editor_role_id: int | None, doing: str = "Changing launches"
) -> None:
    """``member`` None is the command line, which may do anything. Editors also run polls."""
    if member is None or can_edit_launches(member, editor_role_id):
        return
    role = f" or the <@&{editor_role_id}> role" if editor_role_id else ""
    raise NotAllowed(f"{doing} needs the Manage Events permission{role}.")


def require_manager(member: MemberFacts) -> None:
    if not (member.administrator or member.manage_guild):
        raise NotAllowed("Changing server settings needs the Manage Server permission.")
