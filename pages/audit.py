"""The audit log page for admins: who did what and when, filtered by action or actor, paged on the server."""

from nicegui import ui

from models.accounts import User
from models.audit import AuditEntry
from pages.components.tables import NARROW, columns
from pages.layout import signed_in_page
from services.registry import Services

PAGE_SIZE = 50
COLUMNS = columns(
    ('at', 'When (UTC)'),
    ('actor', 'Who'),
    ('action', 'What'),
    ('target', 'On'),
    ('details', 'Details'),
)


NAMING_DETAILS = ('name', 'email_of_user')  # what older entries called the object they were about


def _row(entry: AuditEntry) -> dict[str, str]:
    """The object by its name (its id only when no name was recorded), and the other details as words."""
    named = next((entry.details[k] for k in NAMING_DETAILS if entry.details.get(k)), None)
    details = {k: v for k, v in entry.details.items() if k not in NAMING_DETAILS and v not in ('None', '')}
    return {
        'id': entry.id,
        'at': entry.at.strftime('%Y-%m-%d %H:%M:%S'),
        'actor': entry.actor_email or '-',
        'action': entry.action,
        'target': named or (f'id {entry.target[-8:]}' if entry.target else ''),
        'details': ', '.join(f'{k.replace("_", " ")}: {v}' for k, v in details.items()),
    }


def register(services: Services) -> None:
    @signed_in_page(services, '/audit', 'Audit log', admin_only=True)
    async def audit_page(admin: User) -> None:
        state = {'page': 1}
        with ui.row().classes('items-center gap-2'):
            action = ui.input('Action', placeholder='login.failed').props('outlined dense clearable')
            actor = ui.input('Who (email)').props('outlined dense clearable')

        @ui.refreshable
        async def entries() -> None:
            found = await services.audit.page(
                admin,
                (action.value or '').strip() or None,
                (actor.value or '').strip() or None,
                state['page'],
                PAGE_SIZE,
            )
            rows = [_row(e) for e in found.items]
            ui.table(columns=COLUMNS, rows=rows, row_key='id').classes('w-full').props(NARROW).mark('audit entries')
            pages = max(1, -(-found.total // PAGE_SIZE))
            with ui.row().classes('items-center gap-2'):
                ui.label(f'Page {state["page"]} of {pages} · {found.total} entries')
                if state['page'] > 1:
                    ui.button('Previous', on_click=lambda: go(state['page'] - 1)).props('flat dense')
                if state['page'] < pages:
                    ui.button('Next', on_click=lambda: go(state['page'] + 1)).props('flat dense')

        async def go(page: int) -> None:
            state['page'] = page
            await entries.refresh()

        action.on('keydown.enter', lambda: go(1))
        actor.on('keydown.enter', lambda: go(1))
        action.on_value_change(lambda: go(1))
        actor.on_value_change(lambda: go(1))
        await entries()
