"""The Deployments list: status badges, repository@branch, ready/desired replicas, address; paged on the server."""

import asyncio

from nicegui import ui

from models.accounts import User
from models.deployments import Deployment, Status
from pages.components.deployment_status import BADGE_CELL, COLORS
from pages.components.time_text import ago
from pages.layout import signed_in_page
from services.registry import Services

PAGE_SIZE = 20
REFRESH_SECONDS = 10
COLUMNS = [
    {'name': 'name', 'label': 'Name', 'field': 'name', 'align': 'left'},
    {'name': 'status', 'label': 'Status', 'field': 'status', 'align': 'left'},
    {'name': 'source', 'label': 'Repository', 'field': 'source', 'align': 'left'},
    {'name': 'replicas', 'label': 'Ready', 'field': 'replicas', 'align': 'left'},
    {'name': 'address', 'label': 'Address', 'field': 'address', 'align': 'left'},
    {'name': 'updated', 'label': 'Updated', 'field': 'updated', 'align': 'left'},
]
NAME_CELL = (
    '<q-td :props="props"><a :href="\'/deployments/\' + props.row.id" class="text-primary">{{ props.value }}</a></q-td>'
)


class DeploymentsView:
    def __init__(self, services: Services, user: User) -> None:
        self.services = services
        self.user = user
        self.page = 1

    async def _row(self, deployment: Deployment) -> dict[str, str]:
        desired = deployment.configuration.replicas
        ready = '-'
        if deployment.status not in (Status.DELETED, Status.PENDING, Status.BUILDING):
            state = await self.services.cluster.reads.rollout(deployment.namespace, deployment.name)
            ready = f'{state.ready if state else 0}/{desired}'
        domain = self.services.cluster.settings.ingress_domain
        return {
            'id': deployment.id,
            'name': deployment.name,
            'status': deployment.status.value,
            'color': COLORS[deployment.status],
            'source': f'{deployment.github_repo}@{deployment.branch}',
            'replicas': ready,
            'address': deployment.host(domain) or '',
            'updated': ago(deployment.updated_at),
        }

    async def refresh(self) -> None:
        status = Status(self.status_filter.value) if self.status_filter.value else None
        found = await self.services.deployments.page(self.user, status, self.search.value, self.page, PAGE_SIZE)
        self.table.rows = await asyncio.gather(*(self._row(d) for d in found.items))
        pages = max(1, -(-found.total // PAGE_SIZE))
        self.pager.set_text(f'Page {self.page} of {pages} · {found.total} deployments')
        self.previous.set_enabled(self.page > 1)
        self.next.set_enabled(self.page < pages)
        self.empty.set_visibility(found.total == 0)

    async def turn(self, step: int) -> None:
        self.page = max(1, self.page + step)
        await self.refresh()

    async def filter(self) -> None:
        self.page = 1
        await self.refresh()

    def build(self) -> None:
        with ui.row().classes('w-full items-center gap-2'):
            self.search = ui.input('Search', placeholder='name or repository').props('outlined dense clearable')
            self.search.props('debounce=300').on_value_change(self.filter)
            options = {'': 'All statuses'} | {s.value: s.value.capitalize() for s in Status}
            self.status_filter = ui.select(options, value='', on_change=self.filter).props('outlined dense')
            ui.space()
            if self.user.can_manage:
                ui.button('New deployment', icon='add', on_click=lambda: ui.navigate.to('/deployments/new'))
        self.empty = ui.label('No deployments match. Create one from a GitHub repository.').classes('text-slate-600')
        self.table = ui.table(columns=COLUMNS, rows=[], row_key='id').classes('w-full')
        self.table.add_slot('body-cell-name', NAME_CELL)
        self.table.add_slot('body-cell-status', BADGE_CELL)
        with ui.row().classes('items-center gap-2'):
            self.previous = ui.button(icon='chevron_left', on_click=lambda: self.turn(-1)).props(
                'flat aria-label=Previous'
            )
            self.pager = ui.label()
            self.next = ui.button(icon='chevron_right', on_click=lambda: self.turn(1)).props('flat aria-label=Next')


def register(services: Services) -> None:
    @signed_in_page(services, '/deployments', 'Deployments')
    async def deployments_page(user: User) -> None:
        view = DeploymentsView(services, user)
        view.build()
        await view.refresh()
        ui.timer(REFRESH_SECONDS, view.refresh)
