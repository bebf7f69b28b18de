"""The audit log page for admins: who did what and when, filtered by action or actor, paged on the server."""

from nicegui import ui

from models.accounts import User
from pages.layout import signed_in_page
from services.registry import Services

PAGE_SIZE = 50
COLUMNS = [
    {'name': k, 'label': label, 'field': k, 'align': 'left'}
    for k, label in (
        ('at', 'When (UTC)'),
        ('actor', 'Who'),
        ('action', 'What'),
        ('target', 'On'),
        ('details', 'Details'),
    )
]


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
            rows = [
                {
                    'id': e.id,
                    'at': e.at.strftime('%Y-%m-%d %H:%M:%S'),
                    'actor': e.actor_email or '-',
                    'action': e.action,
                    'target': e.target or '',
                    'details': ', '.join(f'{k}: {v}' for k, v in e.details.items()),
                }
                for e in found.items
            ]
            ui.table(columns=COLUMNS, rows=rows, row_key='id').classes('w-full').mark('audit entries')
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
