"""The Observatory: stat cards, CPU and memory against capacity over a chosen range, pods per namespace and per
node, the deployments using the most, and the fleet online over time; refreshed in place every 10 s, with pause."""

from nicegui import ui

from models.accounts import User
from pages.components.chart_figures import Chart
from pages.components.metric_chart import RANGES, MetricChart, Trace
from pages.components.tables import NARROW, columns
from pages.components.usage_summary import (
    GIB,
    bars_figure,
    pods_per_namespace,
    pods_per_node,
    stat_texts,
    top_deployments,
)
from pages.layout import signed_in_page
from services.registry import Services

REFRESH_SECONDS = 10
TOP_COLUMNS = [
    {'name': 'name', 'label': 'Deployment', 'field': 'name', 'align': 'left'},
    {'name': 'namespace', 'label': 'Namespace', 'field': 'namespace', 'align': 'left'},
    {'name': 'pods', 'label': 'Pods', 'field': 'pods', 'align': 'right'},
    {'name': 'cpu', 'label': 'CPU used / requested (cores, all pods)', 'field': 'cpu', 'align': 'right'},
    {'name': 'memory', 'label': 'Memory used / requested (MiB, all pods)', 'field': 'memory', 'align': 'right'},
    {'name': 'hint', 'label': 'Right-sizing', 'field': 'hint', 'align': 'left'},
]
PAIR_COLUMNS = columns(
    ('node', 'Fleet node'),
    ('cluster', 'Kubernetes node'),
    ('heartbeat', 'Heartbeat'),
    ('kubelet', 'Kubelet'),
    ('verdict', 'Signals'),
)
NAME_CELL = (
    '<q-td :props="props"><a :href="`/deployments/${props.row.id}`" class="text-primary">{{ props.value }}</a></q-td>'
)


class Observatory:
    def __init__(self, services: Services, user: User) -> None:
        self.services = services
        self.user = user
        self.cards: dict[str, ui.label] = {}
        self.charts: list[MetricChart] = []
        self.shown: dict[str, object] = {}
        self.names: dict[str, str] = {}

    async def build(self) -> None:
        with ui.row().classes('w-full items-center gap-3'):
            self.range = ui.toggle(list(RANGES), value='1 h', on_change=self.change_range).props('dense no-caps')
            self.pause = (
                ui.button(icon='pause', on_click=self.toggle).props('flat round aria-label=Pause').mark('pause')
            )
            self.updated = ui.label().classes('text-sm text-slate-500')
        self.unavailable = ui.label().classes('w-full bg-amber-100 text-amber-900 px-4 py-2 text-sm')
        self.unavailable.mark('metrics unavailable')
        self.empty = ui.label(
            f'No samples collected yet: the Observatory samples the cluster and the fleet every '
            f'{self.services.metrics.interval_seconds:g} s.'
        ).classes('text-slate-600')
        with ui.grid().classes('w-full gap-3 grid-cols-2 md:grid-cols-3 xl:grid-cols-5'):
            for title in ('CPU used', 'Memory used', 'Pods', 'Nodes ready', 'Fleet online'):
                with ui.card().classes('w-full gap-1 p-3').mark(f'stat {title}'):
                    ui.label(title).classes('text-sm text-slate-500')
                    self.cards[title] = ui.label('…').classes('text-base sm:text-lg font-medium')
        metrics = self.services.metrics
        with ui.grid().classes('w-full gap-3 grid-cols-1 lg:grid-cols-2'):
            for title, unit, scale, prefix in (('CPU', 'cores', 1.0, 'cpu'), ('Memory', 'GiB', 1 / GIB, 'memory')):
                with ui.card().classes('w-full gap-1'):
                    ui.label(f'{title}: used against allocatable and capacity').classes('font-medium')
                    traces = [Trace(f'{prefix}_used', 'Used'), Trace(f'{prefix}_allocatable', 'Allocatable', 'dot')]
                    traces.append(Trace(f'{prefix}_capacity', 'Capacity', 'dash'))
                    self.charts.append(MetricChart(metrics, self.user, 'cluster', traces, unit, scale))
            if self.user.reads_everything:
                with ui.card().classes('w-full gap-1'):
                    ui.label('Fleet: nodes online and offline').classes('font-medium')
                    traces = [Trace('online', 'Online'), Trace('offline', 'Offline', 'dot')]
                    self.charts.append(MetricChart(metrics, self.user, 'fleet', traces, 'nodes'))
            with ui.card().classes('w-full gap-1'):
                ui.label('Pods by phase').classes('font-medium')
                traces = [Trace('pods_running', 'Running'), Trace('pods_pending', 'Pending', 'dot')]
                traces.append(Trace('pods_failed', 'Failed', 'dash'))
                self.charts.append(MetricChart(metrics, self.user, 'cluster', traces, 'pods'))
        with ui.grid().classes('w-full gap-3 grid-cols-1 lg:grid-cols-2'):
            with ui.card().classes('w-full'):
                self.by_namespace = Chart(bars_figure({}, 'Pods per namespace')).classes('w-full')
            with ui.card().classes('w-full'):
                self.by_node = Chart(bars_figure({}, 'Pods per node')).classes('w-full')
        with ui.card().classes('w-full gap-1'):
            ui.label('Deployments using the most CPU').classes('font-medium')
            self.top = ui.table(columns=TOP_COLUMNS, rows=[], row_key='id').classes('w-full').mark('top deployments')
            self.top.props(NARROW)
            self.top.add_slot('body-cell-name', NAME_CELL)
        with ui.card().classes('w-full gap-1') as self.paired_card:
            ui.label('Fleet nodes that are also cluster nodes').classes('font-medium')
            self.paired = ui.table(columns=PAIR_COLUMNS, rows=[], row_key='node').classes('w-full').props(NARROW)
            self.paired.mark('paired nodes')
        for chart in self.charts:
            await chart.load()
        self.timer = ui.timer(REFRESH_SECONDS, self.refresh)
        await self.refresh(charts=False)

    async def change_range(self) -> None:
        for chart in self.charts:
            await chart.load(RANGES[self.range.value])

    async def toggle(self) -> None:
        self.timer.active = not self.timer.active
        icon, label = ('pause', 'Pause') if self.timer.active else ('play_arrow', 'Resume')
        self.pause.props(f'icon={icon} aria-label={label}')
        if self.timer.active:
            await self.refresh()
        else:
            self.updated.set_text('Paused')

    async def _namespace_names(self, namespaces: set[str]) -> dict[str, str]:
        """Owners' namespaces by their owner's name, looked up once per page."""
        unknown = namespaces - set(self.names)
        if unknown:
            self.names |= await self.services.accounts.namespace_names(self.user, unknown)
        return self.names

    def _changed(self, key: str, value: object) -> bool:
        if self.shown.get(key) == value:
            return False
        self.shown[key] = value
        return True

    async def refresh(self, charts: bool = True) -> None:
        """Update what changed: card texts, bars and the table (from the snapshot, together), then new chart points."""
        snapshot = await self.services.metrics.current(self.user)
        for title, text in stat_texts(snapshot).items():
            self.cards[title].set_text(text)
        cluster = snapshot.cluster
        problem = None
        if not cluster.reachable:
            problem = f'Cluster unreachable: {cluster.problem}'
        elif not cluster.metrics_available:
            problem = 'Metrics server unavailable: CPU and memory use are not measured (capacity and pods are).'
        self.unavailable.set_text(problem or '')
        self.unavailable.set_visibility(problem is not None)
        named = await self._namespace_names({p.namespace for p in snapshot.pods})
        namespaces = {named.get(ns, ns): n for ns, n in pods_per_namespace(snapshot.pods).items()}
        nodes = pods_per_node(snapshot.pods)
        if self._changed('namespaces', namespaces):
            self.by_namespace.update_figure(bars_figure(namespaces, 'Pods per namespace'))
        if self._changed('nodes', nodes):
            self.by_node.update_figure(bars_figure(nodes, 'Pods per node'))
        rows = [
            row | {'namespace': named.get(row['namespace'], row['namespace'])} for row in top_deployments(snapshot.pods)
        ]
        if self._changed('top', rows):
            self.top.rows = rows
            self.top.update()
        if charts:
            for chart in self.charts:
                await chart.refresh()
        self.empty.set_visibility(all(chart.sent_until is None for chart in self.charts))
        pairs = [
            {
                'node': p.node_name,
                'cluster': p.cluster_node,
                'heartbeat': 'fresh' if p.heartbeat_fresh else 'none',
                'kubelet': 'Ready' if p.kubelet_ready else 'not Ready',
                'verdict': 'disagree' if p.disagreement else 'agree',
            }
            for p in await self.services.pairing.pairs(self.user)
        ]
        if self._changed('pairs', pairs):
            self.paired.rows = pairs
            self.paired.update()
        self.paired_card.set_visibility(bool(pairs))
        self.updated.set_text(f'Updated {snapshot.at:%H:%M:%S} UTC' if self.timer.active else 'Paused')


def register(services: Services) -> None:
    @signed_in_page(services, '/observatory', 'Observatory')
    async def observatory(user: User) -> None:
        await Observatory(services, user).build()
