"""Each scope's minute samples summed in memory until their hour is over, then handed over as that hour's
averages (and how many minutes they average). Held by the replica that collects; after a restart or a change of
collector, the hour being summed averages the minutes seen since."""

from collections import defaultdict
from datetime import datetime

from models.metrics import Values


def hour_of(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


class HourAverages:
    def __init__(self) -> None:
        self._hour: datetime | None = None
        self._sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self._counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, at: datetime, scopes: dict[str, Values]) -> tuple[datetime, dict[str, Values], dict[str, int]] | None:
        """Sum this minute's values; returns (hour, averages, minutes) of the hour that just ended, if one did."""
        finished = None
        if self._hour is not None and hour_of(at) != self._hour:
            finished = self._averages()
            self._sums.clear()
            self._counts.clear()
        self._hour = hour_of(at)
        for scope, values in scopes.items():
            for metric, value in values.items():
                if value is not None:
                    self._sums[scope][metric] += value
                    self._counts[scope][metric] += 1
        return finished

    def _averages(self) -> tuple[datetime, dict[str, Values], dict[str, int]]:
        averages = {
            scope: {metric: total / self._counts[scope][metric] for metric, total in sums.items()}
            for scope, sums in self._sums.items()
        }
        minutes = {scope: max(counts.values()) for scope, counts in self._counts.items() if counts}
        return self._hour, averages, minutes
