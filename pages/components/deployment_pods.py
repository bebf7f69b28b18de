"""A deployment's pods and its events, following the cluster: rows are sent again only when they changed."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from nicegui import ui

from models.cluster import EventInfo, PodInfo
from models.errors import EspazeError
from pages.components.tables import columns
from pages.components.time_text import ago

EVENTS_PER_PAGE = 10
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
POD_COLUMNS = columns(
    ('name', 'Pod'),
    ('phase', 'Phase'),
    ('ready', 'Ready'),
    ('restarts', 'Restarts'),
    ('node', 'Node'),
    ('problem', 'Problem'),
)
EVENT_COLUMNS = columns(
    ('when', 'When'),
    ('type', 'Type'),
    ('reason', 'Reason'),
    ('object', 'Object'),
    ('message', 'Message'),
)
WRAPPED = 'whitespace-normal break-words'


class PodsPanel:
    def __init__(
        self, pods: Callable[[], Awaitable[list[PodInfo]]], events: Callable[[], Awaitable[list[EventInfo]]]
    ) -> None:
        self._pods, self._events = pods, events
        self.problem = ui.label().classes('text-sm text-red-700')
        self.problem.set_visibility(False)
        self.no_pods = ui.label('No pods run now.').classes('text-slate-600').mark('no pods')
        self.pods = ui.table(columns=POD_COLUMNS, rows=[], row_key='name').classes('w-full').mark('pods')
        self.pods.props(':grid="Quasar.Screen.lt.sm" hide-bottom')
        ui.label('Events').classes('font-medium mt-2')
        self.events = ui.table(
            columns=EVENT_COLUMNS,
            rows=[],
            row_key='key',
            pagination={'rowsPerPage': EVENTS_PER_PAGE},
        )
        self.events.classes('w-full').props(f'table-class="{WRAPPED}" :grid="Quasar.Screen.lt.sm"').mark('events')

    async def load(self) -> None:
        try:
            pods, events = await self._pods(), await self._events()
        except EspazeError as error:
            self.problem.set_text(str(error))
            self.problem.set_visibility(True)
            return
        self.problem.set_visibility(False)
        rows = [
            {
                'name': p.name,
                'phase': p.phase,
                'ready': 'yes' if p.ready else 'no',
                'restarts': p.restarts,
                'node': p.node or '',
                'problem': p.waiting_reason or p.last_termination_reason or '',
            }
            for p in pods
        ]
        self.no_pods.set_visibility(not rows)
        self.pods.set_visibility(bool(rows))
        if rows != self.pods.rows:
            self.pods.rows = rows
        newest_first = sorted(events, key=lambda e: e.last_seen or EPOCH, reverse=True)
        rows = [
            {
                'when': ago(e.last_seen),
                'seen': (e.last_seen or EPOCH).isoformat(),
                'type': e.type,
                'reason': e.reason,
                'object': e.object_name,
                'message': e.message,
                'key': f'{e.object_name}{e.reason}{e.last_seen}{index}',
            }
            for index, e in enumerate(newest_first[:200])
        ]
        if [r['key'] for r in rows] != [r['key'] for r in self.events.rows]:
            self.events.rows = rows
