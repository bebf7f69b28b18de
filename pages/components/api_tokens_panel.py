"""The Account page's API tokens: create one (name, scopes, expiry; its secret shown once), list them with their
scopes, expiry and last use, and revoke any at once."""

from datetime import UTC, datetime

from nicegui import ui

from models.accounts import User
from models.api_tokens import DEFAULT_DAYS, MOST_DAYS, ApiToken, Scope
from models.errors import EspazeError
from pages.components.busy import busy
from pages.components.confirm import confirmed
from pages.components.tables import NARROW, columns
from pages.components.time_text import ago
from services.registry import Services

TOKEN_COLUMNS = columns(
    ('name', 'Name'), ('scopes', 'Scopes'), ('created', 'Created'), ('expires', 'Expires'), ('used', 'Last used')
)
REVOKE_CELL = (
    '<q-td :props="props"><q-btn flat dense color="negative" label="Revoke" '
    '@click="$parent.$emit(\'revoke\', props.row)" /></q-td>'
)
SCOPE_HELP = {
    Scope.READ: 'read: everything this account may read',
    Scope.DEPLOY: 'deploy: create, redeploy, scale, restart, roll back, cancel',
    Scope.ADMIN: 'admin: everything else an admin may do',
}


def _row(token: ApiToken, now: datetime) -> dict:
    expired = token.expires_at <= now
    return {
        'id': token.id,
        'name': token.name,
        'scopes': ', '.join(token.scopes),
        'created': f'{token.created_at:%Y-%m-%d}',
        'expires': 'expired' if expired else f'{token.expires_at:%Y-%m-%d}',
        'used': f'{ago(token.last_used_at, now)} · {token.uses} uses' if token.last_used_at else 'never',
    }


class ApiTokensPanel:
    def __init__(self, services: Services, user: User) -> None:
        self.services, self.user = services, user
        with ui.card().classes('w-full max-w-3xl gap-3'):
            ui.label('API tokens').classes('text-lg')
            ui.label('For curl and CI: send one as "Authorization: Bearer espat_…" to /api.').classes(
                'text-sm text-slate-600'
            )
            with ui.row().classes('w-full items-start gap-2'):
                self.name = ui.input('Token name', placeholder='GitHub Actions').props('outlined dense stack-label')
                self.days = ui.number('Expires in (days)', value=DEFAULT_DAYS, min=1, max=MOST_DAYS, precision=0)
                self.days.props('outlined dense stack-label').classes('w-40')
            offered = [s for s in Scope if s != Scope.ADMIN or user.is_admin]
            offered = [s for s in offered if s != Scope.DEPLOY or user.can_manage]
            self.scopes = {scope: ui.checkbox(SCOPE_HELP[scope], value=scope == Scope.READ) for scope in offered}
            self.create_button = ui.button('Create token', on_click=self.create)
            self.shown_once = ui.column().classes('w-full gap-1')
            self.empty = ui.label('No API tokens yet.').classes('text-slate-600')
            self.table = ui.table(
                columns=[*TOKEN_COLUMNS, {'name': 'revoke', 'label': '', 'field': 'id'}], rows=[], row_key='id'
            ).classes('w-full')
            self.table.props(NARROW).mark('api tokens')
            self.table.add_slot('body-cell-revoke', REVOKE_CELL)
            self.table.on('revoke', lambda event: self.revoke(event.args['id'], event.args['name']))

    async def load(self) -> None:
        now = datetime.now(UTC)
        self.table.rows = [_row(t, now) for t in await self.services.api_tokens.of_user(self.user)]
        self.empty.set_visibility(not self.table.rows)
        self.table.set_visibility(bool(self.table.rows))

    async def create(self) -> None:
        chosen = [scope.value for scope, box in self.scopes.items() if box.value]
        async with busy(self.create_button):
            try:
                _, secret = await self.services.api_tokens.create(
                    self.user, self.name.value or '', chosen, int(self.days.value or DEFAULT_DAYS)
                )
            except EspazeError as error:
                ui.notify(str(error), type='warning')
                return
        self.name.value = ''
        self.shown_once.clear()
        with self.shown_once:
            ui.label('Copy the token now: Espaze shows it only once.').classes('font-medium')
            ui.label(secret).classes('font-mono text-xs break-all bg-slate-100 text-slate-900 p-2 rounded').mark(
                'new api token'
            )
            ui.button('Copy token', icon='content_copy', on_click=lambda: ui.clipboard.write(secret)).props('outline')
        await self.load()

    async def revoke(self, token_id: str, name: str) -> None:
        if not await confirmed(f'Revoke the API token {name}? Whatever uses it stops working at once.', 'Revoke'):
            return
        try:
            await self.services.api_tokens.revoke(self.user, token_id)
        except EspazeError as error:
            ui.notify(str(error), type='warning')
        self.shown_once.clear()
        await self.load()
