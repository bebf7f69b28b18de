"""Rate limits as values: how many of something one key may do in a window."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Limit:
    name: str
    most: int
    window: timedelta
    message: str  # said when the limit is reached; `{at}` is when it resets
