"""Domain errors; the API maps each kind to one HTTP status in one place."""

import math
from datetime import datetime


class EspazeError(Exception):
    """Base of every error Espaze explains to its caller. Messages never hold secrets."""


class ValidationFailed(EspazeError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f'{field}: {message}')
        self.field = field
        self.message = message


class Unauthorized(EspazeError):
    pass


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
