"""A line chart of one scope's metrics over a range, drawn once and then extended in place with only the points
that are new (plotly's extendTraces): a refresh sends a few hundred bytes, not the whole series again."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import plotly.graph_objects as go
from nicegui import ui

from models.accounts import User
from models.errors import EspazeError
from models.metrics import Series
from pages.components.chart_figures import GAP_STEPS, Chart, Line, time_figure, with_gaps
from services.metrics.service import MetricsService

EXTEND_TIMEOUT = 3.0
RANGES = {'15 m': timedelta(minutes=15), '1 h': timedelta(hours=1), '6 h': timedelta(hours=6)}
RANGES |= {'24 h': timedelta(hours=24), '7 d': timedelta(days=7)}


@dataclass(frozen=True)
class Trace:
    metric: str
    label: str
    dash: str = 'solid'


def _complete(series: Series) -> tuple[list[datetime], dict[str, list[float | None]]]:
    """A rollup's newest point is still filling up: leave it out until its minute or hour is over, unless it is
    all there is (then it is shown, and the whole chart is drawn again once a complete point exists)."""
    if series.resolution == 'raw' or len(series.times) < 2:
        return series.times, series.values
    return series.times[:-1], {m: v[:-1] for m, v in series.values.items()}


class MetricChart:
    def __init__(
        self,
        metrics: MetricsService,
        user: User,
        scope: str,
        traces: list[Trace],
        unit: str,
        scale: float = 1.0,
        *,
        responsive: bool = True,
    ) -> None:
        self.metrics = metrics
        self.user = user
        self.scope = scope
        self.traces = traces
        self.unit = unit
        self.scale = scale
        self.span = RANGES['1 h']
        self.sent_until: datetime | None = None
        self.points = 0
        self.step = timedelta(seconds=metrics.interval_seconds)
        now = datetime.now(UTC)
        self.plot = Chart(self._figure([], {}, (now - self.span, now)), responsive=responsive).classes('w-full h-64')

    async def _series(self) -> tuple[list[datetime], dict[str, list[float | None]]] | None:
        now = datetime.now(UTC)
        try:
            series = await self.metrics.history(
                self.user, self.scope, tuple(t.metric for t in self.traces), now - self.span, now
            )
        except EspazeError:
            return None
        self.step = timedelta(seconds=series.step_seconds)
        return _complete(series)

    def _y(self, values: list[float | None]) -> list[float | None]:
        return [None if v is None else round(v * self.scale, 4) for v in values]

    def _figure(
        self, times: list[datetime], values: dict[str, list[float | None]], span: tuple[datetime, datetime]
    ) -> go.Figure:
        times, values = with_gaps(times, values, self.step)
        lines = [Line(t.label, self._y(values.get(t.metric, [])), t.dash) for t in self.traces]
        return time_figure(times, lines, self.unit, span)

    async def load(self, span: timedelta | None = None) -> None:
        """Draw the whole range again (on opening, or when the range changes)."""
        self.span = span or self.span
        found = await self._series()
        times, values = found if found else ([], {})
        now = datetime.now(UTC)
        self.plot.update_figure(self._figure(times, values, (now - self.span, now)))
        self.sent_until = times[-1] if times else None
        self.points = max(len(times), 1)

    async def refresh(self) -> int:
        """Append the points taken since the last look; returns how many were sent."""
        if self.sent_until is None or self.points < 2:  # a lone point was drawn with the whole range around it
            await self.load()
            return self.points
        found = await self._series()
        if not found:
            return 0
        times, values = found
        new = [i for i, t in enumerate(times) if t > self.sent_until]
        if not new:
            return 0
        if times[new[0]] - self.sent_until > self.step * GAP_STEPS:  # nothing was measured for a while: a gap
            await self.load()
            return len(new)
        self.points = max(self.points, len(times))
        update = {
            'x': [[times[i].isoformat() for i in new] for _ in self.traces],
            'y': [self._y([values[t.metric][i] for i in new]) for t in self.traces],
        }
        if not await self._extend(update):  # the browser had not drawn the chart yet: send it whole, once
            now = datetime.now(UTC)
            self.plot.update_figure(self._figure(times, values, (now - self.span, now)))
        self.sent_until = times[new[-1]]
        return len(new)

    async def _extend(self, update: dict) -> bool:
        """Append points in the browser; False when its plotly is not loaded yet (a slow first page load)."""
        indices = list(range(len(self.traces)))
        script = (
            f'(() => {{ const chart = getElement({self.plot.id}); if (!chart || !chart.Plotly) return false; '
            f'chart.Plotly.extendTraces(chart.$el, {json.dumps(update)}, {json.dumps(indices)}, {self.points}); '
            'return true; })()'
        )
        try:
            return bool(await ui.run_javascript(script, timeout=EXTEND_TIMEOUT))
        except TimeoutError:
            return False
