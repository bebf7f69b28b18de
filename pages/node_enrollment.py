"""Adding nodes: the "Add node" dialog (an enrollment token and the exact agent command, safe to paste), and the
list of enrollment tokens with their uses left, expiry and a revoke button."""

import shlex
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from nicegui import ui

from models.accounts import User
from models.errors import EspazeError
from models.fleet import EnrollmentToken
from pages.components.busy import busy
from pages.components.confirm import confirmed
from pages.components.tables import columns
from services.registry import Services

LOCATION_FILE = '/etc/espaze/location.json'
TOKEN_COLUMNS = columns(('name', 'Name'), ('uses', 'Uses left'), ('expires', 'Expires'), ('state', 'State'))
REVOKE_CELL = (
    '<q-td :props="props"><q-btn v-if="props.row.usable" flat dense color="negative" label="Revoke" '
    '@click="$parent.$emit(\'revoke\', props.row)" /></q-td>'
)

TOKEN_CARD = """
<div class="q-pa-xs col-12">
  <q-card flat bordered class="q-pa-sm">
    <div class="row items-center no-wrap q-gutter-sm">
      <span class="text-weight-medium ellipsis">{{ props.row.name }}</span><q-space />
      <q-btn v-if="props.row.usable" flat dense color="negative" label="Revoke"
             @click="$parent.$emit('revoke', props.row)" />
    </div>
    <div class="text-caption text-grey-8">{{ props.row.uses }} uses left · expires {{ props.row.expires }}
      · {{ props.row.state }}</div>
  </q-card>
</div>
"""


def agent_command(server: str, token: str, latitude: float | None = None, longitude: float | None = None) -> str:
    """The command that enrolls a node and keeps it beating, one flag a line, nothing a shell would misread."""
    lines = ['python agent.py', f'--server {shlex.quote(server)}', f'--enrollment-token {shlex.quote(token)}']
    if latitude is not None and longitude is not None:
        lines.append(f'--latitude {latitude:g} --longitude {longitude:g}')
    else:
        lines.append(f'--location-file {LOCATION_FILE}')
    return ' \\\n  '.join(lines)


def _server_url() -> str:
    return str(ui.context.client.request.base_url).rstrip('/')


def add_node_dialog(services: Services, user: User, created: Callable[[], Awaitable[None]] | None = None) -> None:
    """Open the dialog; the token's secret is shown once, in the command."""
    server = _server_url()
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-2xl gap-3').mark('add node'):
        ui.label('Add a node').classes('text-lg font-semibold')
        ui.label('Create an enrollment token, then run the agent on the node with the command shown.')
        with ui.grid().classes('w-full grid-cols-1 sm:grid-cols-3 gap-2'):
            name = ui.input('Token name', placeholder='rack 4, Lisbon').props('outlined dense stack-label')
            uses = ui.number('Nodes it may enroll', value=1, min=1, max=10_000, precision=0)
            uses.props('outlined dense stack-label')
            hours = ui.number('Valid for (hours)', value=24, min=1, max=720, precision=0)
            hours.props('outlined dense stack-label')
        ui.label('Where the node is (optional; without it, the agent reads a location file):').classes('text-sm')
        with ui.grid().classes('w-full grid-cols-2 gap-2'):
            latitude = ui.number('Latitude', min=-90, max=90, format='%.5f').props('outlined dense stack-label')
            longitude = ui.number('Longitude', min=-180, max=180, format='%.5f').props('outlined dense stack-label')
        result = ui.column().classes('w-full gap-2')

        async def create() -> None:
            async with busy(create_button):
                try:
                    _, secret = await services.nodes.create_enrollment_token(
                        user,
                        (name.value or '').strip()[:100],
                        timedelta(hours=int(hours.value or 24)),
                        int(uses.value or 1),
                    )
                except EspazeError as error:
                    ui.notify(str(error), type='warning')
                    return
            command = agent_command(server, secret, latitude.value, longitude.value)
            result.clear()
            with result:
                ui.label('Run this on the node (the token is shown only now):').classes('font-medium')
                ui.label(command).classes(
                    'w-full font-mono text-xs whitespace-pre-wrap break-all bg-slate-100 text-slate-900 p-3 rounded'
                ).mark('agent command')
                with ui.row().classes('items-center gap-2'):
                    ui.button('Copy command', icon='content_copy', on_click=lambda: _copy(command)).props('outline')
                    if latitude.value is None or longitude.value is None:
                        ui.label(f'{LOCATION_FILE} holds {{"latitude": 38.72, "longitude": -9.14}}').classes(
                            'text-xs text-slate-600 break-all'
                        )
            create_button.set_visibility(False)
            ui.notify('Enrollment token created', type='positive')
            if created is not None:
                await created()

        with ui.row().classes('gap-2'):
            create_button = ui.button('Create enrollment token', on_click=create)
            ui.button('Close', on_click=dialog.close).props('flat')
    dialog.open()


def _copy(command: str) -> None:
    ui.clipboard.write(command)
    ui.notify('Command copied', type='positive')


def _token_row(token: EnrollmentToken, now: datetime) -> dict:
    usable = token.usable(now)
    state = 'revoked' if token.revoked else ('usable' if usable else 'used up or expired')
    return {
        'id': token.id,
        'name': token.name or '(no name)',
        'uses': f'{max(0, token.max_uses - token.uses)} of {token.max_uses}',
        'expires': f'{token.expires_at:%Y-%m-%d %H:%M} UTC',
        'state': state,
        'usable': usable,
    }


class EnrollmentTokens:
    """The user's enrollment tokens (all of them for an admin), newest first, each revocable while usable."""

    def __init__(self, services: Services, user: User) -> None:
        self.services, self.user = services, user
        with ui.expansion('Enrollment tokens', icon='key').classes('w-full').mark('enrollment tokens'):
            self.empty = ui.label('No enrollment tokens yet: Add node creates one.').classes('text-slate-600')
            columns = [*TOKEN_COLUMNS, {'name': 'revoke', 'label': '', 'field': 'id'}]
            self.table = ui.table(columns=columns, rows=[], row_key='id').classes('w-full')
            self.table.props(':grid="Quasar.Screen.lt.sm"')
            self.table.add_slot('body-cell-revoke', REVOKE_CELL)
            self.table.add_slot('item', TOKEN_CARD)
            self.table.on('revoke', lambda event: self.revoke(event.args['id'], event.args['name']))

    async def load(self) -> None:
        now = datetime.now(UTC)
        rows = [_token_row(t, now) for t in await self.services.nodes.enrollment_tokens(self.user)]
        if rows != self.table.rows:
            self.table.rows = rows
        self.empty.set_visibility(not rows)
        self.table.set_visibility(bool(rows))

    async def revoke(self, token_id: str, name: str) -> None:
        if not await confirmed(f'Revoke the enrollment token {name}? Nodes enrolled with it keep running.', 'Revoke'):
            return
        try:
            await self.services.nodes.revoke_enrollment_token(self.user, token_id)
        except EspazeError as error:
            ui.notify(str(error), type='negative')
            return
        ui.notify(f'{name} revoked', type='positive')
        await self.load()
