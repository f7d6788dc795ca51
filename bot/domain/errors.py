"""Domain errors. Each carries a message for the user; the Discord side escapes it, since it may
quote what was typed (all but ``NotAllowed``, whose messages are the bot's own words)."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: ``str(error)`` is a complete, user-facing sentence."""


class InvalidDate(DomainError):
    pass


class InvalidInput(DomainError):
    pass


class LaunchNotFound(DomainError):
    pass


class ClaimNotFound(DomainError):
    pass


class PollNotFound(DomainError):
    pass


class PollClosed(DomainError):
    """A vote on a poll that no longer takes votes."""


class InvalidTransition(DomainError):
    pass


class NotAllowed(DomainError):
    pass


class CatalogError(DomainError):
    pass


class StorageUnavailable(DomainError):
    """The database cannot be used safely (its file vanished, say); the cause is in the log."""
