"""A node's own page: identity, position, labels, liveness, metrics sparkline, status history, token, delete."""

from datetime import UTC, datetime

from nicegui import ui

from models.accounts import User
from models.errors import EspazeError, NotFound, ValidationFailed
from models.fleet import Node, NodeMetrics
from models.fleet_map import MapMarker
from pages.components.busy import busy
from pages.components.confirm import confirmed
from pages.components.fleet_map import FleetMap
from pages.components.node_metrics import NodeMetricsChart
from pages.components.time_text import ago
from pages.layout import object_page
from services.registry import Services

STATUS_COLORS = {'online': 'positive', 'offline': 'negative', 'pending': 'warning', 'deleted': 'grey'}


def parse_labels(text: str) -> dict[str, str]:
    """`key=value` pairs, one per line or separated by commas."""
    labels: dict[str, str] = {}
    for item in text.replace(',', '\n').splitlines():
        if not item.strip():
            continue
        key, separator, value = item.partition('=')
        if not separator:
            raise ValidationFailed('labels', f'"{item.strip()[:80]}" must look like key=value')
        labels[key.strip()] = value.strip()
    return labels


def _fact(name: str, value: str) -> None:
    with ui.row().classes('w-full gap-2 no-wrap'):
        ui.label(name).classes('w-32 shrink-0 text-slate-600')
        ui.label(value).classes('break-all')


def _identity(node: Node) -> None:
    capacity = node.capacity
    _fact('MAC address', node.mac_address)
    _fact('Public IP', node.public_ip)
    _fact('Seen from', node.seen_ip or '-')
    _fact('Position', f'{node.location.latitude:.5f}, {node.location.longitude:.5f}')
    _fact('Agent', node.agent_version or '-')
    if capacity:
        memory = f'{capacity.memory_bytes / 2**30:.1f} GiB' if capacity.memory_bytes else '-'
        _fact('Capacity', f'{capacity.cpu_cores or "-"} cores, {memory}')
    _fact('Enrolled', node.created_at.strftime('%Y-%m-%d %H:%M UTC'))


def register(services: Services) -> None:
    object_page(
        services,
        '/nodes/{object_id}',
        'Node',
        services.nodes.get,
        lambda node: node.name,
        lambda user, node: _node_body(services, user, node),
        ('Back to Nodes', '/nodes'),
    )


def _readings(metrics: NodeMetrics | None) -> dict[str, str]:
    """The node's newest readings as a person reads them; '-' for what it did not report."""
    m = metrics or NodeMetrics()

    def percent(value: float | None) -> str:
        return '-' if value is None else f'{value:.0f} %'

    load = '-' if m.load1 is None else f'{m.load1:.2f}'
    return {'CPU': percent(m.cpu_percent), 'Memory': percent(m.memory_percent), 'Disk': percent(m.disk_percent)} | {
        'Load (1 min)': load
    }


async def _node_body(services: Services, user: User, node: Node) -> None:
    with ui.row().classes('items-center gap-3'):
        status = ui.badge(node.status.value, color=STATUS_COLORS[node.status.value]).mark('node status')
        seen = ui.label(f'last seen {ago(node.last_seen_at)}').classes('text-slate-600').mark('last seen')
    readings: dict[str, ui.label] = {}
    with ui.row().classes('gap-3 flex-wrap').mark('readings'):
        for name, value in _readings(node.last_metrics).items():
            with ui.card().classes('p-3 gap-0 min-w-[7rem]'):
                ui.label(name).classes('text-xs text-slate-500')
                readings[name] = ui.label(value).classes('text-lg font-medium').mark(f'reading {name}')
    with ui.grid().classes('w-full grid-cols-1 md:grid-cols-2 gap-4'):
        with ui.card().classes('gap-1'):
            _identity(node)
            pair = await services.pairing.of(node)
            if pair is not None:
                heartbeat = 'heartbeat fresh' if pair.heartbeat_fresh else 'no fresh heartbeat'
                kubelet = 'kubelet Ready' if pair.kubelet_ready else 'kubelet not Ready'
                _fact('Kubernetes node', f'{pair.cluster_node}: {heartbeat}, {kubelet}')
                if pair.disagreement:
                    with ui.row().classes('items-center gap-1 text-amber-800').mark('signals disagree'):
                        ui.icon('warning')
                        ui.label('The two signals disagree.').classes('text-sm')
        with ui.card().classes('p-0 overflow-hidden justify-center'):
            location = node.location
            marker = MapMarker(node.status.value, location.latitude, location.longitude, 1, node.name, node.id)
            FleetMap(max_height=260).show([marker])

    async def tick() -> None:
        try:
            fresh = await services.nodes.get(user, node.id)
        except NotFound:
            status.set_text('deleted')
            return
        status.set_text(fresh.status.value)
        status.props(f'color={STATUS_COLORS[fresh.status.value]}')
        seen.set_text(f'last seen {ago(fresh.last_seen_at, datetime.now(UTC))}')
        for name, value in _readings(fresh.last_metrics).items():
            readings[name].set_text(value)

    ui.timer(5, tick)
    await _details_editor(services, user, node)
    await NodeMetricsChart(lambda: services.nodes.metrics(user, node.id, hours=24)).load()
    await _history(services, user, node)
    if user.can_manage:
        _danger_zone(services, user, node)


async def _details_editor(services: Services, user: User, node: Node) -> None:
    """Its name and labels (read-only for viewers)."""
    with ui.card().classes('w-full gap-2'):
        ui.label('Name and labels').classes('text-lg')
        text = '\n'.join(f'{k}={v}' for k, v in node.labels.items())
        if not user.can_manage:
            ui.label(text or 'No labels.').classes('whitespace-pre-line')
            return
        name = ui.input('Name', value=node.name).props('outlined dense').classes('w-72 max-w-full').mark('node name')
        editor = ui.textarea('Labels (key=value, one per line)', value=text).classes('w-full').props('outlined')

        async def save() -> None:
            name.error = editor.error = None
            async with busy(button):
                try:
                    labels = parse_labels(editor.value or '')
                    saved = await services.nodes.update(user, node.id, (name.value or '').strip(), labels)
                except ValidationFailed as error:
                    (name if error.field == 'name' else editor).error = error.message
                    return
                except EspazeError as error:
                    ui.notify(str(error), type='negative')
                    return
            ui.notify(f'{saved.name} saved', type='positive')

        button = ui.button('Save', on_click=save)


async def _history(services: Services, user: User, node: Node) -> None:
    events = await services.nodes.events(user, node.id)
    with ui.card().classes('w-full gap-1'):
        ui.label('Status history').classes('text-lg')
        if not events:
            ui.label('No status changes yet: the node has not sent a heartbeat.').classes('text-slate-600')
        for event in events:
            before = event.from_status.value if event.from_status else 'new'
            ui.label(f'{event.at:%Y-%m-%d %H:%M:%S} UTC  {before} → {event.to_status.value}  ({event.reason})')


def _danger_zone(services: Services, user: User, node: Node) -> None:
    async def revoke() -> None:
        question = f'Revoke the token of {node.name}? Its heartbeats are refused until it enrolls again.'
        if not await confirmed(question, 'Revoke token'):
            return
        await services.nodes.revoke_token(user, node.id)
        ui.notify('Token revoked: the node must enroll again', type='warning')

    async def allow_reenrollment() -> None:
        until = await services.nodes.allow_reenrollment(user, node.id)
        ui.notify(f'An enrollment token may enroll this MAC again until {until:%H:%M} UTC', type='info')

    async def delete() -> None:
        if not await confirmed(f'Delete {node.name}? Its token and history are removed too.', 'Delete node'):
            return
        try:
            await services.nodes.delete(user, node.id)
        except EspazeError as error:
            ui.notify(str(error), type='negative')
            return
        ui.notify(f'{node.name} deleted', type='positive')
        ui.navigate.to('/nodes')

    with ui.row().classes('gap-2'):
        ui.button('Revoke token', color='warning', on_click=revoke)
        ui.button('Allow re-enrollment (15 min)', on_click=allow_reenrollment).props('outline')
        ui.button('Delete', color='negative', on_click=delete)
