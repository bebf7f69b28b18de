"""The Dashboard: the home page after login."""

from nicegui import ui

from models import User
from pages.layout import empty_state, signed_in_page
from services.registry import Services


async def _fleet_card(services: Services, user: User) -> None:
    counts = await services.nodes.counts(user)
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


def register(services: Services) -> None:
    @signed_in_page(services, '/', 'Dashboard')
    async def dashboard(user: User) -> None:
        ui.label(f'Welcome, {user.name}.').classes('text-slate-700')
        with ui.grid().classes('w-full grid-cols-1 md:grid-cols-2 gap-4'):
            empty_state(
                'rocket_launch',
                'No deployments yet',
                'Deployments from GitHub repositories will be listed here by status once they exist.',
            )
            empty_state(
                'hub',
                'No edge nodes enrolled',
                'Nodes that enroll and send heartbeats will be counted here as online, offline or pending.',
            )
            empty_state(
                'show_chart',
                'No cluster metrics collected',
                'Cluster and fleet metrics appear here once the Observatory collects samples.',
            )
            empty_state(
                'task_alt',
                'Nothing needs attention',
                'Failed deployments and nodes that went offline will be listed here.',
            )
