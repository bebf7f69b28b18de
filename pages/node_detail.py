"""A node's own page: identity, position, labels, liveness, metrics sparkline, status history, token, delete."""

from datetime import UTC, datetime

from nicegui import ui

from models.accounts import User
from models.errors import EspazeError, NotFound, ValidationFailed
from models.fleet import Node
from pages.components.fleet_map import FleetMap
from pages.components.time_text import ago
from pages.layout import object_page
from services.registry import Services

STATUS_COLORS = {'online': 'positive', 'offline': 'negative', 'pending': 'warning', 'deleted': 'grey'}
METRIC_SERIES = {'cpu_percent': 'CPU %', 'memory_percent': 'Memory %', 'disk_percent': 'Disk %'}


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


async def _node_body(services: Services, user: User, node: Node) -> None:
    with ui.row().classes('items-center gap-3'):
        status = ui.badge(node.status.value, color=STATUS_COLORS[node.status.value]).mark('node status')
        seen = ui.label(f'last seen {ago(node.last_seen_at)}').classes('text-slate-600').mark('last seen')
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
            FleetMap(max_height=260).show(
                [(node.id, node.name, node.status.value, node.location.latitude, node.location.longitude)]
            )

    async def tick() -> None:
        try:
            fresh = await services.nodes.get(user, node.id)
        except NotFound:
            status.set_text('deleted')
            return
        status.set_text(fresh.status.value)
        status.props(f'color={STATUS_COLORS[fresh.status.value]}')
        seen.set_text(f'last seen {ago(fresh.last_seen_at, datetime.now(UTC))}')

    ui.timer(5, tick)
    await _labels_editor(services, user, node)
    await _metrics_chart(services, user, node)
    await _history(services, user, node)
    if user.can_manage:
        _danger_zone(services, user, node)


async def _labels_editor(services: Services, user: User, node: Node) -> None:
    with ui.card().classes('w-full gap-2'):
        ui.label('Labels').classes('text-lg')
        text = '\n'.join(f'{k}={v}' for k, v in node.labels.items())
        if not user.can_manage:
            ui.label(text or 'No labels.').classes('whitespace-pre-line')
            return
        editor = ui.textarea('Labels (key=value, one per line)', value=text).classes('w-full').props('outlined')

        async def save() -> None:
            editor.error = None
            try:
                await services.nodes.update(user, node.id, None, parse_labels(editor.value or ''))
            except ValidationFailed as error:
                editor.error = error.message
                return
            ui.notify('Labels saved', type='positive')

        ui.button('Save labels', on_click=save)


async def _metrics_chart(services: Services, user: User, node: Node) -> None:
    points = await services.nodes.metrics(user, node.id, hours=24)
    with ui.card().classes('w-full gap-2'):
        ui.label('Metrics, last 24 h').classes('text-lg')
        if not points:
            ui.label('No metrics received yet.').classes('text-slate-600')
            return
        times = [p.at.isoformat() for p in points]
        traces = [
            {
                'type': 'scatter',
                'mode': 'lines',
                'name': label,
                'x': times,
                'y': [getattr(p.metrics, field) for p in points],
            }
            for field, label in METRIC_SERIES.items()
        ]
        layout = {
            'height': 200,
            'margin': {'l': 30, 'r': 10, 't': 10, 'b': 30},
            'yaxis': {'range': [0, 100]},
            'legend': {'orientation': 'h'},
        }
        ui.plotly({'data': traces, 'layout': layout, 'config': {'displayModeBar': False}}).classes('w-full')


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
        await services.nodes.revoke_token(user, node.id)
        ui.notify('Token revoked: the node must enroll again', type='warning')

    async def allow_reenrollment() -> None:
        until = await services.nodes.allow_reenrollment(user, node.id)
        ui.notify(f'An enrollment token may enroll this MAC again until {until:%H:%M} UTC', type='info')

    async def delete() -> None:
        try:
            await services.nodes.delete(user, node.id)
        except EspazeError as error:
            ui.notify(str(error), type='negative')
            return
        ui.navigate.to('/nodes')

    with ui.dialog() as confirm, ui.card():
        ui.label(f'Delete {node.name}? Its token and history are removed too.')
        with ui.row():
            ui.button('Delete node', color='negative', on_click=delete)
            ui.button('Cancel', on_click=confirm.close).props('flat')
    with ui.row().classes('gap-2'):
        ui.button('Revoke token', color='warning', on_click=revoke)
        ui.button('Allow re-enrollment (15 min)', on_click=allow_reenrollment).props('outline')
        ui.button('Delete', color='negative', on_click=confirm.open)
