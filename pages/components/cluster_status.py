"""The cluster at a glance: server version, nodes ready out of total, whether metrics are available."""

from nicegui import ui

from models.cluster import ClusterStatus
from services.registry import Services

SANDBOX_BANNER = 'Sandbox cluster: simulated. Set KUBECONFIG to use a real cluster.'


def describe(status: ClusterStatus) -> list[str]:
    if not status.reachable:
        return [f'Cluster unreachable: {status.problem}']
    metrics = 'metrics available' if status.metrics_available else 'metrics unavailable (no metrics server)'
    return [f'Kubernetes {status.version}', f'{status.nodes_ready} of {status.nodes_total} nodes ready', metrics]


async def cluster_card(services: Services) -> None:
    status = await services.cluster.reads.status()
    with ui.card().classes('w-full gap-2').mark('cluster status'):
        with ui.row().classes('items-center gap-2'):
            icon, color = ('dns', 'text-slate-500') if status.reachable else ('cloud_off', 'text-red-700')
            ui.icon(icon, size='1.5rem').classes(color)
            ui.label('Cluster').classes('text-lg font-medium')
            if status.sandbox:
                ui.badge('sandbox', color='amber-8').props('outline')
        for line in describe(status):
            ui.label(line).classes('text-slate-700' if status.reachable else 'text-red-700')


def sandbox_banner(services: Services) -> None:
    """Shown on every page while the sandbox cluster stands in for a real one."""
    if services.cluster.sandbox:
        with (
            ui.row()
            .classes('w-full items-center gap-2 bg-amber-100 text-amber-900 px-4 py-2 no-wrap')
            .mark('sandbox banner')
        ):
            ui.icon('science')
            ui.label(SANDBOX_BANNER).classes('text-sm')
