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
EMPTY = 'No deployments match. Create one from a GitHub repository or a prebuilt image.'
REFRESH_SECONDS = 10
COLUMNS = [
    {'name': 'name', 'label': 'Name', 'field': 'name', 'align': 'left'},
    {'name': 'status', 'label': 'Status', 'field': 'status', 'align': 'left'},
    {'name': 'source', 'label': 'Source', 'field': 'source', 'align': 'left'},
    {'name': 'replicas', 'label': 'Ready', 'field': 'replicas', 'align': 'left'},
    {'name': 'address', 'label': 'Address', 'field': 'address', 'align': 'left'},
    {'name': 'updated', 'label': 'Updated', 'field': 'updated', 'align': 'left'},
]
NAME_CELL = (
    '<q-td :props="props"><a :href="\'/deployments/\' + props.row.id" class="text-primary">{{ props.value }}</a></q-td>'
)
ADDRESS_CELL = (
    '<q-td :props="props"><a v-if="props.row.url" :href="props.row.url" target="_blank" rel="noopener" '
    'class="text-primary break-all">{{ props.value }}</a></q-td>'
)
# narrow screens: one card per deployment instead of columns pushed off to the right
CARD = """
<div class="q-pa-xs col-12">
  <q-card flat bordered class="q-pa-sm">
    <div class="row items-center no-wrap q-gutter-sm">
      <a :href="'/deployments/' + props.row.id" class="text-primary text-weight-medium">{{ props.row.name }}</a>
      <q-badge :color="props.row.color" :label="props.row.status" class="q-px-sm" />
      <q-space /><span class="text-caption text-grey-7">{{ props.row.updated }}</span>
    </div>
    <div class="text-caption text-grey-8 ellipsis">{{ props.row.source }}</div>
    <div class="row items-center q-gutter-sm text-body2">
      <span>Ready {{ props.row.replicas }}</span>
      <a v-if="props.row.url" :href="props.row.url" target="_blank" rel="noopener"
         class="text-primary ellipsis">{{ props.row.address }}</a>
    </div>
  </q-card>
</div>
"""


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
            'source': deployment.source,
            'replicas': ready,
            'address': deployment.host(domain) or '',
            'url': deployment.address(domain) or '',
            'updated': ago(deployment.updated_at),
        }

    async def refresh(self) -> None:
        status = Status(self.status_filter.value) if self.status_filter.value else None
        found = await self.services.deployments.page(self.user, status, self.search.value, self.page, PAGE_SIZE)
        rows = list(await asyncio.gather(*(self._row(d) for d in found.items)))
        if rows != self.table.rows:  # only what changed goes to the browser
            self.table.rows = rows
        pages = max(1, -(-found.total // PAGE_SIZE))
        self.pager.set_text(f'Page {self.page} of {pages} · {found.total} deployments')
        self.previous.set_enabled(self.page > 1)
        self.next.set_enabled(self.page < pages)
        self.empty.set_visibility(found.total == 0)
        self.table.set_visibility(found.total > 0)

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
        self.empty = ui.label('No deployments match. Create one from a GitHub repository or a prebuilt image.').classes(
            'text-slate-600'
        )
        self.table = ui.table(columns=COLUMNS, rows=[], row_key='id').classes('w-full')
        self.table.props(':grid="Quasar.Screen.lt.sm"').mark('deployments')
        self.table.add_slot('body-cell-name', NAME_CELL)
        self.table.add_slot('body-cell-status', BADGE_CELL)
        self.table.add_slot('body-cell-address', ADDRESS_CELL)
        self.table.add_slot('item', CARD)
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
