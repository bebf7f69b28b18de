"""The Dashboard: the home page after login."""

from nicegui import ui

from models import NodeCounts, User
from pages.components.cluster_status import cluster_card
from pages.components.deployment_status import COLORS
from pages.layout import empty_state, signed_in_page
from services.deployments.types import Status
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


def _attention_card(counts: NodeCounts) -> None:
    if counts.offline == 0:
        empty_state('task_alt', 'Nothing needs attention', 'Nodes that go offline will be listed here.')
        return
    with ui.card().classes('w-full gap-2').mark('needs attention'):
        with ui.row().classes('items-center gap-2'):
            ui.icon('warning', size='1.5rem', color='amber-8')
            ui.label('Needs attention').classes('text-lg font-medium')
        plural = 'node is' if counts.offline == 1 else 'nodes are'
        ui.link(f'{counts.offline} {plural} offline: no heartbeat received', '/nodes')


def register(services: Services) -> None:
    @signed_in_page(services, '/', 'Dashboard')
    async def dashboard(user: User) -> None:
        ui.label(f'Welcome, {user.name}.').classes('text-slate-700')
        counts = await services.nodes.counts(user)
        with ui.grid().classes('w-full grid-cols-1 md:grid-cols-2 gap-4'):
            _deployments_card(await services.deployments.counts(user))
            _fleet_card(counts)
            await cluster_card(services)
            _attention_card(counts)
