"""Domain errors. Each carries a message that is safe to show to a Discord user as is."""

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


class InvalidTransition(DomainError):
    pass


class NotAllowed(DomainError):
    pass


class CatalogError(DomainError):
    pass
