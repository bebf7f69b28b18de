"""A world map of nodes coloured by status, drawn by plotly from a topojson file the app serves itself. A marker
stands for one node, or, in a large fleet, for the nodes of one status in one cell of a grid (bigger for more);
the legend counts every node."""

import math

import plotly.graph_objects as go

from models.fleet_map import MapMarker
from pages.components.chart_figures import Chart

STATUS_COLORS = {'online': '#16a34a', 'offline': '#dc2626', 'pending': '#f59e0b'}


def _size(count: int) -> float:
    return round(min(30.0, 9 + 4 * math.log2(count)), 1)


def map_figure(markers: list[MapMarker]) -> go.Figure:
    """One scattergeo trace per status, no tile server or CDN needed."""
    figure = go.Figure()
    for status, color in STATUS_COLORS.items():
        chosen = [m for m in markers if m.status == status]
        figure.add_scattergeo(
            mode='markers',
            name=f'{status.title()} ({sum(m.count for m in chosen):,})',
            lat=[round(m.latitude, 4) for m in chosen],
            lon=[round(m.longitude, 4) for m in chosen],
            text=[m.name for m in chosen],
            customdata=[m.node_id or '' for m in chosen],
            hovertemplate='%{text}<extra>' + status + '</extra>',
            marker={'color': color, 'size': [_size(m.count) for m in chosen], 'line': {'color': '#ffffff', 'width': 1}},
        )
    figure.update_layout(
        autosize=True,
        margin={'l': 0, 'r': 0, 't': 0, 'b': 0},
        showlegend=True,
        legend={'orientation': 'h', 'x': 0, 'y': 0, 'bgcolor': 'rgba(255,255,255,0.7)'},
        geo={
            'projection': {'type': 'natural earth'},
            'showland': True,
            'landcolor': '#e2e8f0',
            'showcountries': True,
            'countrycolor': '#94a3b8',
            'showocean': True,
            'oceancolor': '#f8fafc',
            'showframe': False,
            'resolution': 110,
        },
    )
    return figure


class FleetMap:
    """The map element, as tall as half its width; `show` redraws it only when the points changed."""

    def __init__(self, max_height: int = 380) -> None:
        self._shown: list[MapMarker] | None = None
        self.plot = (
            Chart(map_figure([]), topojsonURL='/assets/topojson/')
            .classes('w-full')
            .style(f'height: clamp(180px, 50vw, {max_height}px)')
            .props('aria-label="Map of nodes"')
            .mark('fleet map')
        )

    def show(self, markers: list[MapMarker]) -> None:
        if markers == self._shown:
            return
        self._shown = markers
        self.plot.update_figure(map_figure(markers))
