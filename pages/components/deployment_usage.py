"""A deployment's CPU and memory over time against its requests and limits, refreshed every 10 s."""

from nicegui import ui

from models.accounts import User
from pages.components.metric_chart import RANGES, MetricChart, Trace
from services.metrics.service import MetricsService

MIB = 2**20
REFRESH_SECONDS = 10


async def usage_panel(metrics: MetricsService, user: User, deployment_id: str) -> None:
    scope = f'deployment:{deployment_id}'
    span = ui.toggle(list(RANGES), value='1 h').props('dense no-caps')
    charts = []
    with ui.grid().classes('w-full gap-3 grid-cols-1 lg:grid-cols-2'):
        for title, prefix, unit, scale in (('CPU', 'cpu', 'cores', 1.0), ('Memory', 'memory', 'MiB', 1 / MIB)):
            with ui.card().classes('w-full gap-1').mark(f'usage {prefix}'):
                ui.label(f'{title} of all its pods together: used against the sum of requests and limits').classes(
                    'font-medium'
                )
                traces = [Trace(f'{prefix}_used', 'Used'), Trace(f'{prefix}_request', 'Request', 'dot')]
                traces.append(Trace(f'{prefix}_limit', 'Limit', 'dash'))
                charts.append(MetricChart(metrics, user, scope, traces, unit, scale, responsive=False))  # in a tab
    for chart in charts:
        await chart.load()

    async def change() -> None:
        for chart in charts:
            await chart.load(RANGES[span.value])

    async def refresh() -> None:
        for chart in charts:
            await chart.refresh()

    span.on_value_change(change)
    ui.timer(REFRESH_SECONDS, refresh)
