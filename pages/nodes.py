"""The Nodes page: counts, a map, and a table paged, sorted and filtered on the server, refreshed every 10 s."""

from nicegui import ui

from models.accounts import User
from models.fleet import Node, NodeListQuery, NodeStatus
from pages.components.fleet_map import FleetMap
from pages.components.node_bulk import BulkActions
from pages.components.time_text import ago
from pages.layout import signed_in_page
from pages.node_enrollment import EnrollmentTokens, add_node_dialog
from services.registry import Services

PAGE_SIZE = 25
REFRESH_SECONDS = 10
SORTS = {'created_at': 'Newest', 'name': 'Name', 'status': 'Status'}
COLUMNS = [
    {'name': 'name', 'label': 'Name', 'field': 'name', 'align': 'left'},
    {'name': 'status', 'label': 'Status', 'field': 'status', 'align': 'left'},
    {'name': 'mac', 'label': 'MAC', 'field': 'mac', 'align': 'left'},
    {'name': 'ip', 'label': 'Public IP', 'field': 'ip', 'align': 'left'},
    {'name': 'labels', 'label': 'Labels', 'field': 'labels', 'align': 'left'},
    {'name': 'seen', 'label': 'Last seen', 'field': 'seen', 'align': 'left'},
]
NAME_CELL = (
    '<q-td :props="props"><a :href="\'/nodes/\' + props.row.id" class="text-primary">{{ props.value }}</a></q-td>'
)
# narrow screens: a card per node, its name a link, its checkbox for the bulk actions
NODE_CARD = """
<div class="q-pa-xs col-12">
  <q-card flat bordered class="q-pa-sm">
    <div class="row items-center no-wrap q-gutter-sm">
      <q-checkbox v-if="props.selected !== undefined" dense v-model="props.selected" />
      <a :href="'/nodes/' + props.row.id" class="text-primary text-weight-medium ellipsis">{{ props.row.name }}</a>
      <q-badge :color="{online: 'positive', offline: 'negative', pending: 'warning'}[props.row.status]"
               :label="props.row.status" />
      <q-space /><span class="text-caption text-grey-7">{{ props.row.seen }}</span>
    </div>
    <div class="text-caption text-grey-8">{{ props.row.mac }} · {{ props.row.ip }}</div>
    <div v-if="props.row.labels" class="text-caption text-grey-8 ellipsis">{{ props.row.labels }}</div>
  </q-card>
</div>
"""
STATUS_CELL = (
    "<q-td :props=\"props\"><q-badge :color=\"{online: 'positive', offline: 'negative', pending: 'warning'}"
    '[props.value]" :label="props.value" /></q-td>'
)


def _row(node: Node) -> dict[str, str]:
    return {
        'id': node.id,
        'name': node.name,
        'status': node.status.value,
        'mac': node.mac_address,
        'ip': node.public_ip,
        'labels': ', '.join(f'{k}={v}' for k, v in node.labels.items()),
        'seen': ago(node.last_seen_at),
    }


class NodesView:
    """One browser's view of the fleet: its filters and page, and the widgets that show them."""

    def __init__(self, services: Services, user: User) -> None:
        self.services = services
        self.user = user
        self.page = 1
        self.counts: dict[str, ui.label] = {}

    def query(self) -> NodeListQuery:
        label = None
        if '=' in (self.label_filter.value or ''):
            key, _, value = self.label_filter.value.partition('=')
            label = (key.strip(), value.strip())
        status = self.status_filter.value
        return NodeListQuery(
            status=NodeStatus(status) if status else None,
            label=label,
            text=(self.search.value or '').strip() or None,
            sort=self.sort.value,
            descending=self.sort.value == 'created_at',
            page=self.page,
            page_size=PAGE_SIZE,
        )

    def build(self) -> None:
        with ui.grid().classes('w-full grid-cols-2 md:grid-cols-4 gap-3'):
            for key in ('total', 'online', 'offline', 'pending'):
                with ui.card().classes('items-start gap-0 p-3'):
                    ui.label(key.title()).classes('text-sm text-slate-600')
                    self.counts[key] = ui.label('0').classes('text-2xl font-semibold').mark(f'count {key}')
        self.tokens: EnrollmentTokens | None = None
        if self.user.can_manage:
            ui.button('Add node', icon='add', on_click=lambda: add_node_dialog(self.services, self.user, self._created))
            self.tokens = EnrollmentTokens(self.services, self.user)
        self.map = FleetMap()
        with ui.row().classes('w-full items-end gap-2'):
            self.search = ui.input('Search name, MAC or IP').props('clearable dense outlined debounce=400')
            self.status_filter = (
                ui.select(
                    {'': 'All', 'online': 'Online', 'offline': 'Offline', 'pending': 'Pending'},
                    value='',
                    label='Status',
                )
                .props('dense outlined')
                .classes('w-32')
            )
            self.label_filter = ui.input('Label (key=value)').props('clearable dense outlined debounce=400')
            self.sort = ui.select(SORTS, value='created_at', label='Sort by').props('dense outlined').classes('w-36')
        for control in (self.search, self.status_filter, self.label_filter, self.sort):
            control.on_value_change(self.first_page)
        self.bulk = BulkActions(self.services, self.user, self.refresh) if self.user.can_manage else None
        selection = 'multiple' if self.bulk else None
        self.table = ui.table(columns=COLUMNS, rows=[], row_key='id', selection=selection).classes('w-full')
        self.table.props('flat bordered :grid="Quasar.Screen.lt.sm"').mark('nodes')
        self.table.add_slot('body-cell-name', NAME_CELL)
        self.table.add_slot('body-cell-status', STATUS_CELL)
        self.table.add_slot('item', NODE_CARD)
        if self.bulk is not None:
            self.bulk.attach(self.table)
        with ui.row().classes('items-center gap-2'):
            self.previous = ui.button('Previous', on_click=lambda: self.go(-1)).props('flat')
            self.position = ui.label()
            self.next = ui.button('Next', on_click=lambda: self.go(1)).props('flat')
        ui.timer(REFRESH_SECONDS, self.refresh)

    async def _created(self) -> None:
        if self.tokens is not None:
            await self.tokens.load()

    async def first_page(self) -> None:
        self.page = 1
        await self.refresh()

    async def go(self, step: int) -> None:
        self.page = max(1, self.page + step)
        await self.refresh()

    async def refresh(self) -> None:
        """Re-read counts, map points and the current page only."""
        counts = await self.services.nodes.counts(self.user)
        for key, label in self.counts.items():
            label.set_text(str(getattr(counts, key)))
        self.map.show(await self.services.nodes.map_markers(self.user))
        result = await self.services.nodes.find(self.user, self.query())
        rows = [_row(node) for node in result.items]
        if rows != self.table.rows:
            self.table.rows = rows
            shown = {row['id'] for row in rows}
            self.table.selected = [row for row in self.table.selected if row['id'] in shown]
        if self.bulk is not None:
            self.bulk.selection_changed()
        if self.tokens is not None:
            await self.tokens.load()
        pages = max(1, -(-result.total // PAGE_SIZE))
        self.position.set_text(f'Page {self.page} of {pages} · {result.total} nodes')
        self.previous.set_enabled(self.page > 1)
        self.next.set_enabled(self.page < pages)


def register(services: Services) -> None:
    @signed_in_page(services, '/nodes', 'Nodes')
    async def nodes_page(user: User) -> None:
        view = NodesView(services, user)
        view.build()
        await view.refresh()
