"""A node's metrics over the last 24 h, following new readings: redrawn when a new point arrived, and only then."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import plotly.graph_objects as go
from nicegui import ui

from models.errors import EspazeError
from models.fleet import MetricsPoint
from pages.components.chart_figures import Chart, Line, time_figure, with_gaps

METRICS_STEP = timedelta(minutes=1)  # a node's metrics are kept one point a minute at most
METRIC_SERIES = {'cpu_percent': 'CPU %', 'memory_percent': 'Memory %', 'disk_percent': 'Disk %'}
LOOK_SECONDS = 30  # a node beats every 30 s


class NodeMetricsChart:
    def __init__(self, read: Callable[[], Awaitable[list[MetricsPoint]]]) -> None:
        self._read = read
        self._newest: datetime | None = None
        self._points: list[MetricsPoint] = []
        with ui.card().classes('w-full gap-2'):
            ui.label('Metrics, last 24 h (gaps: the node was not reporting)').classes('text-lg')
            self._body = ui.column().classes('w-full gap-0')
        ui.timer(LOOK_SECONDS, self.load)

    async def load(self) -> None:
        try:
            points = await self._read()
        except EspazeError:  # deleted meanwhile: the status badge says so; what was drawn stays
            return
        newest = points[-1].at if points else None
        if newest == self._newest and self._body.default_slot.children:
            return  # nothing new: nothing sent
        self._newest = newest
        self._body.clear()
        with self._body:
            if not points:
                ui.label('No metrics received yet.').classes('text-slate-600')
                return
            Chart(_figure(points, datetime.now(UTC))).classes('w-full').mark('node metrics')


def _figure(points: list[MetricsPoint], now: datetime) -> go.Figure:
    columns = {field: [getattr(p.metrics, field) for p in points] for field in METRIC_SERIES}
    times, columns = with_gaps([p.at for p in points], columns, METRICS_STEP)
    lines = [Line(label, columns[field]) for field, label in METRIC_SERIES.items()]
    return time_figure(times, lines, '%', (now - timedelta(hours=24), now), height=220, y_range=(0, 100))
