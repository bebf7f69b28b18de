"""Domain errors; the API maps each kind to one HTTP status in one place."""

import math
from datetime import datetime


class EspazeError(Exception):
    """Base of every error Espaze explains to its caller. Messages never hold secrets."""


class ValidationFailed(EspazeError):
    """One or more fields refused; `field` and `message` are the first, `problems` every one of them."""

    def __init__(self, field: str, message: str, *more: tuple[str, str]) -> None:
        self.problems = ((field, message), *more)
        super().__init__('; '.join(f'{name}: {text}' for name, text in self.problems))
        self.field = field
        self.message = message

    @classmethod
    def of(cls, problems: list[tuple[str, str]]) -> 'ValidationFailed':
        return cls(*problems[0], *problems[1:])


class FieldChecks:
    """Runs every check and raises one ValidationFailed naming all the fields refused, not just the first."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def __enter__(self) -> 'FieldChecks':
        return self

    def check(self, check, *args):
        try:
            return check(*args)
        except ValidationFailed as failed:
            self.problems.extend(failed.problems)
            return None

    def refuse(self, field: str, message: str) -> None:
        self.problems.append((field, message))

    def __exit__(self, kind, error, trace) -> None:
        if kind is None and self.problems:
            raise ValidationFailed.of(self.problems)


class Unauthorized(EspazeError):
    pass


class SecondFactorNeeded(Unauthorized):
    """The password was right; the account also signs in with a code from its authenticator (or a recovery code)."""

    def __init__(self, message: str = 'Enter the code from your authenticator app') -> None:
        super().__init__(message)


class Forbidden(EspazeError):
    pass


class NotFound(EspazeError):
    pass


class Conflict(EspazeError):
    pass


class RateLimited(EspazeError):
    """Someone (GitHub, or Espaze itself) asks the caller to wait until `resets_at`."""

    def __init__(self, resets_at: datetime, message: str | None = None) -> None:
        super().__init__(message or f'GitHub rate limit reached, resets at {resets_at:%H:%M} UTC')
        self.resets_at = resets_at

    def retry_after_seconds(self, now: datetime) -> int:
        return max(1, math.ceil((self.resets_at - now).total_seconds()))


class UpstreamFailed(EspazeError):
    """A service Espaze depends on (GitHub, the cluster) failed or did not answer in time."""
