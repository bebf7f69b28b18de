"""The sessions of one account as a table (browser or API, device, address, started, last seen), each with an End
button, and "End all others". The Account page shows the viewer's own; the Users page shows anyone's to an admin."""

from nicegui import ui

from models.accounts import User
from models.errors import EspazeError
from pages.components.confirm import confirmed
from pages.components.tables import NARROW, columns
from pages.components.time_text import ago
from services.registry import Services
from services.session_list import SessionView

SESSION_COLUMNS = columns(
    ('kind', 'Kind'), ('device', 'Device'), ('address', 'Address'), ('started', 'Started'), ('seen', 'Last seen')
)
END_CELL = (
    '<q-td :props="props"><span v-if="props.row.current" class="text-caption text-grey-8">this session</span>'
    '<q-btn v-else flat dense color="negative" label="End" @click="$parent.$emit(\'end\', props.row)" /></q-td>'
)


def _row(view: SessionView) -> dict:
    return {
        'id': view.id,
        'kind': 'Browser' if view.kind == 'browser' else 'API',
        'device': view.device,
        'address': view.address or '-',
        'started': f'{view.started_at:%Y-%m-%d %H:%M} UTC' if view.started_at else '-',
        'seen': ago(view.last_seen_at),
        'current': view.current,
    }


class SessionsPanel:
    def __init__(self, services: Services, viewer: User, account: User, current: str | None = None) -> None:
        self.services, self.viewer, self.account, self.current = services, viewer, account, current
        self.table = ui.table(
            columns=[*SESSION_COLUMNS, {'name': 'end', 'label': '', 'field': 'id'}], rows=[], row_key='id'
        ).classes('w-full')
        self.table.props(NARROW).mark(f'sessions {account.email}')
        self.table.add_slot('body-cell-end', END_CELL)
        self.table.on('end', lambda event: self.end(event.args['id'], event.args['device']))
        label = 'End all other sessions' if current else 'End all sessions'
        self.end_all_button = ui.button(label, on_click=self.end_all).props('outline color=negative')

    async def load(self) -> None:
        views = await self.services.sessions.of_user(self.viewer, self.account.id, self.current)
        self.table.rows = [_row(view) for view in views]
        self.end_all_button.set_visibility(any(not view.current for view in views))

    async def end(self, session_id: str, device: str) -> None:
        if not await confirmed(f'End the session on {device}? Its pages go to the login page.', 'End session'):
            return
        try:
            await self.services.sessions.end(self.viewer, self.account.id, session_id)
        except EspazeError as error:
            ui.notify(str(error), type='warning')
        await self.load()

    async def end_all(self) -> None:
        whose = 'every other session of yours' if self.current else f'every session of {self.account.email}'
        if not await confirmed(f'End {whose}?', 'End sessions'):
            return
        ended = await self.services.sessions.end_others(self.viewer, self.account.id, keep=self.current)
        ui.notify(f'{ended} sessions ended', type='positive')
        await self.load()
