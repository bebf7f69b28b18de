"""Times as a person reads them."""

from datetime import UTC, datetime


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """'12 s ago', '5 min ago', '3 h ago', '2 d ago', or 'never'."""
    if moment is None:
        return 'never'
    seconds = max(0, int(((now or datetime.now(UTC)) - moment).total_seconds()))
    for unit, size in (('d', 86_400), ('h', 3_600), ('min', 60)):
        if seconds >= size:
            return f'{seconds // size} {unit} ago'
    return f'{seconds} s ago'
