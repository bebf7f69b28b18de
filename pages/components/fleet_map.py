"""A world map of nodes coloured by status, drawn by plotly from a topojson file the app serves itself."""

from nicegui import ui

STATUS_COLORS = {'online': '#16a34a', 'offline': '#dc2626', 'pending': '#f59e0b'}
Point = tuple[str, str, str, float, float]  # id, name, status, latitude, longitude


def map_figure(points: list[Point]) -> dict:
    """Plotly figure: one scattergeo trace per status, no tile server or CDN needed."""
    traces = []
    for status, color in STATUS_COLORS.items():
        chosen = [p for p in points if p[2] == status]
        traces.append(
            {
                'type': 'scattergeo',
                'mode': 'markers',
                'name': f'{status.title()} ({len(chosen)})',
                'lat': [p[3] for p in chosen],
                'lon': [p[4] for p in chosen],
                'text': [p[1] for p in chosen],
                'customdata': [p[0] for p in chosen],
                'hovertemplate': '%{text}<extra>' + status + '</extra>',
                'marker': {'color': color, 'size': 9, 'line': {'color': '#ffffff', 'width': 1}},
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
        self._shown: list[Point] | None = None
        self.plot = (
            ui.plotly(map_figure([]))
            .classes('w-full')
            .style(f'height: clamp(180px, 50vw, {max_height}px)')
            .props('aria-label="Map of nodes"')
        )

    def show(self, points: list[Point]) -> None:
        if points == self._shown:
            return
        self._shown = points
        self.plot.figure = map_figure(points)
        self.plot.update()
