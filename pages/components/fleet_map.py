"""A world map of nodes coloured by status, drawn by plotly from a topojson file the app serves itself. A marker
stands for one node, or, in a large fleet, for the nodes of one status in one cell of a grid (bigger for more);
the legend counts every node."""

import math

from nicegui import ui

from models.fleet_map import MapMarker

STATUS_COLORS = {'online': '#16a34a', 'offline': '#dc2626', 'pending': '#f59e0b'}


def _size(count: int) -> float:
    return round(min(30.0, 9 + 4 * math.log2(count)), 1)


def map_figure(markers: list[MapMarker]) -> dict:
    """Plotly figure: one scattergeo trace per status, no tile server or CDN needed."""
    traces = []
    for status, color in STATUS_COLORS.items():
        chosen = [m for m in markers if m.status == status]
        traces.append(
            {
                'type': 'scattergeo',
                'mode': 'markers',
                'name': f'{status.title()} ({sum(m.count for m in chosen):,})',
                'lat': [round(m.latitude, 4) for m in chosen],
                'lon': [round(m.longitude, 4) for m in chosen],
                'text': [m.name for m in chosen],
                'customdata': [m.node_id or '' for m in chosen],
                'hovertemplate': '%{text}<extra>' + status + '</extra>',
                'marker': {
                    'color': color,
                    'size': [_size(m.count) for m in chosen],
                    'line': {'color': '#ffffff', 'width': 1},
                },
            }
        )
    return {
        'data': traces,
        'layout': {
            'autosize': True,
            'margin': {'l': 0, 'r': 0, 't': 0, 'b': 0},
            'showlegend': True,
            'legend': {'orientation': 'h', 'x': 0, 'y': 0, 'bgcolor': 'rgba(255,255,255,0.7)'},
            'geo': {
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
        },
        'config': {'topojsonURL': '/assets/topojson/', 'displayModeBar': False, 'responsive': True},
    }


class FleetMap:
    """The map element, as tall as half its width; `show` redraws it only when the points changed."""

    def __init__(self, max_height: int = 380) -> None:
        self._shown: list[MapMarker] | None = None
        self.plot = (
            ui.plotly(map_figure([]))
            .classes('w-full')
            .style(f'height: clamp(180px, 50vw, {max_height}px)')
            .props('aria-label="Map of nodes"')
            .mark('fleet map')
        )

    def show(self, markers: list[MapMarker]) -> None:
        if markers == self._shown:
            return
        self._shown = markers
        self.plot.figure = map_figure(markers)
        self.plot.update()
