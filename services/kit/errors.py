"""Domain errors services raise; the HTTP layer maps each kind to a status code.

`service.py` modules raise these and know nothing of HTTP; `services.kit.http` turns them into
JSON `{"detail": ...}` responses, plus `"code"` when the error names one: a stable token for
callers that must tell two refusals with one status apart (the detail is prose and may change).
"""

from __future__ import annotations


class DomainError(Exception):
    """An expected failure with a message that is safe to show the caller."""

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


class NotFound(DomainError):
    """The thing does not exist (or the caller may not know that it does)."""


class Conflict(DomainError):
    """The request clashes with the current state (taken email, seats sold out)."""


class Gone(DomainError):
    """The thing existed but is no longer available (a cancelled event)."""


class Unauthenticated(DomainError):
    """No valid credential."""


class Forbidden(DomainError):
    """A valid credential that may not do this."""


class Invalid(DomainError):
    """Well-formed input that breaks a rule the schema cannot express."""


class RateLimited(DomainError):
    """Too many attempts; retry after `retry_after` seconds."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A service this one depends on did not answer; retry after `retry_after` seconds.

    `sent` tells whether the request may have reached it (a timeout, a 5xx) or certainly did
    not (the connection was refused), which decides how the caller cleans up.
    """

    def __init__(self, detail: str, *, sent: bool, retry_after: int = 2) -> None:
        super().__init__(detail)
        self.sent = sent
        self.retry_after = retry_after
