"""Time-series figures built with plotly's graph objects: gaps drawn as gaps, and a time axis that reads well for
any number of points (one point gets the whole range around it, not a millisecond either side)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import plotly.graph_objects as go
from nicegui import ui

COLORS = ['#2563eb', '#94a3b8', '#f59e0b', '#dc2626', '#16a34a']
GAP_STEPS = 2.5  # a pause longer than this many sampling steps is a gap, not a line
TRANSPARENT = 'rgba(0,0,0,0)'
MUTED = '#64748b'
GRID = 'rgba(100,116,139,0.2)'
# labels by zoom level: never below seconds, dates once the range is days long
TICK_FORMATS = [
    {'dtickrange': [None, 60_000], 'value': '%H:%M:%S'},
    {'dtickrange': [60_000, 86_400_000], 'value': '%H:%M'},
    {'dtickrange': [86_400_000, None], 'value': '%b %d'},
]


class Chart(ui.plotly):
    """A plotly graph-objects figure with plotly.js's config beside it (NiceGUI sends a Figure without one).

    `responsive=False` for a chart in a tab: a tab switched away from while plotly is still loading, or hidden,
    would otherwise be asked to resize a plot that is not displayed (a console error)."""

    def __init__(self, figure: go.Figure, *, responsive: bool = True, **config: object) -> None:
        self._config = {'displayModeBar': False, 'responsive': responsive, **config}
        super().__init__(figure)
        if not responsive:
            self.classes('espaze-tab-chart')  # followed by the window's resizes while displayed (pages/layout.py)

    def _get_figure_json(self) -> dict:
        return super()._get_figure_json() | {'config': self._config}


@dataclass(frozen=True)
class Line:
    label: str
    values: Sequence[float | None]
    dash: str = 'solid'


def with_gaps(
    times: Sequence[datetime], columns: dict[str, Sequence[float | None]], step: timedelta
) -> tuple[list[datetime], dict[str, list[float | None]]]:
    """A None between two samples further apart than a few steps, so the line breaks where nothing was measured."""
    longest = step * GAP_STEPS
    out_times: list[datetime] = []
    out = {name: [] for name in columns}
    for index, moment in enumerate(times):
        if index and moment - times[index - 1] > longest:
            out_times.append(times[index - 1] + (moment - times[index - 1]) / 2)
            for values in out.values():
                values.append(None)
        out_times.append(moment)
        for name, values in columns.items():
            out[name].append(values[index])
    return out_times, out


def time_figure(
    times: Sequence[datetime],
    lines: Sequence[Line],
    unit: str,
    span: tuple[datetime, datetime],
    *,
    height: int | None = None,
    y_range: tuple[float, float] | None = None,
    empty_text: str = 'No samples in this range yet',
) -> go.Figure:
    """Lines over time, in the house look (transparent, so light and dark themes both show through)."""
    x = [t.isoformat() for t in times]
    figure = go.Figure(
        [
            go.Scatter(
                x=x,
                y=list(line.values),
                name=line.label,
                mode='lines+markers' if len(times) < 3 else 'lines',
                line={'color': COLORS[index % len(COLORS)], 'dash': line.dash, 'width': 2},
                connectgaps=False,
            )
            for index, line in enumerate(lines)
        ]
    )
    xaxis: dict = {'type': 'date', 'gridcolor': GRID, 'tickformatstops': TICK_FORMATS}
    if len(times) < 2:  # plotly would zoom to a millisecond around a single point
        xaxis['range'] = [span[0].isoformat(), span[1].isoformat()]
    figure.update_layout(
        margin={'l': 48, 'r': 8, 't': 8, 'b': 32},
        legend={'orientation': 'h', 'y': -0.2},
        yaxis={'title': {'text': unit}, 'rangemode': 'tozero', 'gridcolor': GRID, 'range': y_range},
        xaxis=xaxis,
        paper_bgcolor=TRANSPARENT,
        plot_bgcolor=TRANSPARENT,
        font={'color': MUTED},
        uirevision='keep',  # zoom and hidden traces survive updates
        height=height,
    )
    if not times:
        figure.add_annotation(text=empty_text, showarrow=False, xref='paper', yref='paper', x=0.5, y=0.5)
    return figure
