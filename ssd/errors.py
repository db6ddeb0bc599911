from __future__ import annotations


class DomainError(Exception):
    """A refusal a person can read: services raise it, views show `message` (and `field`, when the
    refusal is about one form field) without saving anything."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
