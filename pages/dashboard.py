"""The Dashboard: the home page after login."""

from nicegui import ui

from models.accounts import User
from models.audit import ActivityItem, AttentionItem
from models.deployments import Status
from models.fleet import NodeCounts
from pages.components.cluster_status import cluster_card
from pages.components.deployment_status import COLORS
from pages.components.time_text import ago
from pages.layout import empty_state, signed_in_page
from services.registry import Services


def _fleet_card(counts: NodeCounts) -> None:
    if counts.total == 0:
        empty_state('hub', 'No edge nodes enrolled', 'Add a node on the Nodes page; it shows up here once it enrolls.')
        return
    with ui.card().classes('w-full gap-2'):
        with ui.row().classes('items-center gap-2'):
            ui.icon('hub', size='1.5rem').classes('text-slate-500')
            ui.link('Fleet', '/nodes').classes('text-lg font-medium')
        ui.label(
            f'{counts.total} nodes: {counts.online} online, {counts.offline} offline, {counts.pending} pending'
        ).mark('fleet summary')


def _deployments_card(counts: dict[str, int]) -> None:
    if not counts:
        empty_state('rocket_launch', 'No deployments yet', 'Create one from a GitHub repository on Deployments.')
        return
    with ui.card().classes('w-full gap-2').mark('deployments summary'):
        with ui.row().classes('items-center gap-2'):
            ui.icon('rocket_launch', size='1.5rem').classes('text-slate-500')
            ui.link('Deployments', '/deployments').classes('text-lg font-medium')
        with ui.row().classes('gap-2 flex-wrap'):
            for status in Status:
                if counts.get(status.value):
                    ui.badge(f'{counts[status.value]} {status.value}', color=COLORS[status])


def _attention_card(items: list[AttentionItem]) -> None:
    if not items:
        empty_state('task_alt', 'Nothing needs attention', 'Failed deployments and offline nodes will be listed here.')
        return
    with ui.card().classes('w-full gap-2').mark('needs attention'):
        with ui.row().classes('items-center gap-2'):
            ui.icon('warning', size='1.5rem', color='amber-8')
            ui.label('Needs attention').classes('text-lg font-medium')
        for item in items:
            ui.link(item.reason, item.link).classes('text-sm break-words')


LEVEL_ICONS = {'good': ('check_circle', 'positive'), 'bad': ('error', 'negative'), 'info': ('info', 'grey-6')}


def _timeline_card(items: list[ActivityItem]) -> None:
    with ui.card().classes('w-full gap-1 md:col-span-2').mark('timeline'):
        with ui.row().classes('items-center gap-2'):
            ui.icon('history', size='1.5rem').classes('text-slate-500')
            ui.label('Recent activity').classes('text-lg font-medium')
        if not items:
            ui.label('Nothing happened in the last 7 days.').classes('text-slate-600')
        for item in items:
            icon, color = LEVEL_ICONS[item.level]
            with ui.row().classes('w-full items-start gap-2 no-wrap'):
                ui.icon(icon, color=color).classes('mt-0.5')
                ui.link(item.text, item.link).classes('grow text-sm break-words')
                ui.label(ago(item.at)).classes('text-xs text-slate-500 whitespace-nowrap')


REFRESH_SECONDS = 10


class Dashboard:
    """What needs attention, the counts and the recent activity, read again every few seconds and redrawn only
    when something changed."""

    def __init__(self, services: Services, user: User) -> None:
        self.services, self.user = services, user
        self.shown: tuple | None = None

    async def _read(self) -> tuple:
        s, user = self.services, self.user
        return (
            await s.activity.attention(user),
            await s.deployments.counts(user),
            await s.nodes.counts(user),
            await s.activity.timeline(user),
        )

    @ui.refreshable_method
    def cards(self) -> None:
        attention, deployments, nodes, _ = self.shown or ([], {}, NodeCounts(0, 0, 0, 0), [])
        _attention_card(attention)
        _deployments_card(deployments)
        _fleet_card(nodes)

    @ui.refreshable_method
    def timeline(self) -> None:
        _timeline_card(self.shown[3] if self.shown else [])

    async def refresh(self) -> None:
        before, self.shown = self.shown, await self._read()
        if before is None or self.shown[:3] != before[:3]:
            self.cards.refresh()
        if before is None or self.shown[3] != before[3]:
            self.timeline.refresh()


def register(services: Services) -> None:
    @signed_in_page(services, '/', 'Dashboard')
    async def dashboard(user: User) -> None:
        ui.label(f'Welcome, {user.name}.').classes('text-slate-700')
        view = Dashboard(services, user)
        view.shown = await view._read()
        with ui.grid().classes('w-full grid-cols-1 md:grid-cols-2 gap-4'):
            view.cards()
            await cluster_card(services)
            view.timeline()
        ui.timer(REFRESH_SECONDS, view.refresh)
