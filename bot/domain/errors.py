"""Errors a member can fix: the message says what was wrong and what to type instead."""

from __future__ import annotations


class UserError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(UserError):
    """The input could not be understood (a typo, a missing argument)."""


class Refused(UserError):
    """A rule forbids the action; recorded as an audit event."""

    def __init__(self, message: str, draft_id: int | None = None) -> None:
        super().__init__(message)
        self.draft_id = draft_id


class NotFound(UserError):
    """The thing named does not exist."""
