"""Domain errors services raise; the HTTP layer maps each kind to a status code.

`service.py` modules raise these and know nothing of HTTP; `services.kit.http` turns them into
the one error body every service answers with: `{"detail": <a sentence for a person>, "code":
<a stable machine token>}`, plus `"field"` when one input is at fault. Callers branch on the
code (the detail is prose and may change); each kind has a default code, and an error may name
a more precise one.
"""

from __future__ import annotations


class DomainError(Exception):
    """An expected failure with a message that is safe to show the caller."""

    default_code = "error"

    def __init__(self, detail: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.field = field


class NotFound(DomainError):
    """The thing does not exist (or the caller may not know that it does)."""

    default_code = "not_found"


class Conflict(DomainError):
    """The request clashes with the current state (taken email, seats sold out)."""

    default_code = "conflict"


class Gone(DomainError):
    """The thing existed but is no longer available (a cancelled event)."""

    default_code = "gone"


class Unauthenticated(DomainError):
    """No valid credential."""

    default_code = "unauthenticated"


class Forbidden(DomainError):
    """A valid credential that may not do this."""

    default_code = "forbidden"


class Invalid(DomainError):
    """Well-formed input that breaks a rule the schema cannot express."""

    default_code = "invalid"


class RateLimited(DomainError):
    """Too many attempts; retry after `retry_after` seconds."""

    default_code = "rate_limited"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A service this one depends on did not answer; retry after `retry_after` seconds.

    `sent` tells whether the request may have reached it (a timeout, a 5xx) or certainly did
    not (the connection was refused), which decides how the caller cleans up.
    """

    default_code = "unavailable"

    def __init__(self, detail: str, *, sent: bool, retry_after: int = 2) -> None:
        super().__init__(detail)
        self.sent = sent
        self.retry_after = retry_after
