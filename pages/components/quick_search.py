"""The quick search in the header: deployments, nodes and (for admins) users by name, a few of each, opened with
the search button, `/` or Ctrl+K. Each kind is read as that person may read it, one page of five."""

from nicegui import events, ui

from models.accounts import User
from models.errors import EspazeError
from models.fleet import NodeListQuery
from pages.components.busy import busy
from services.registry import Services

SHOWN = 5


class QuickSearch:
    def __init__(self, services: Services, user: User) -> None:
        self.services, self.user = services, user
        kinds = 'deployments, nodes and users' if user.is_admin else 'deployments and nodes'
        with ui.dialog().props('position=top') as self.dialog, ui.card().classes('w-full max-w-lg gap-2 mt-12'):
            self.input = ui.input(placeholder=f'Find {kinds} by name').props(
                'outlined dense autofocus clearable debounce=250 aria-label="Quick search"'
            )
            self.input.classes('w-full').on_value_change(self.search).mark('search-input')
            self.results = ui.column().classes('w-full gap-1').mark('search-results')
            ui.label('Tip: press / or Ctrl+K anywhere to search.').classes('text-xs text-slate-500')
        ui.keyboard(on_key=self.key)

    def open(self) -> None:
        self.input.value = ''
        self.results.clear()
        self.dialog.open()

    def key(self, event: events.KeyEventArguments) -> None:
        shortcut = event.key == '/' or (event.key == 'k' and (event.modifiers.ctrl or event.modifiers.meta))
        if event.action.keydown and shortcut and not self.dialog.value:
            self.open()

    async def search(self) -> None:
        text = (self.input.value or '').strip()
        self.results.clear()
        if not text:
            return
        async with busy(self.input, disable=False):
            try:
                found = await self._find(text)
            except EspazeError as error:
                with self.results:
                    ui.label(str(error)).classes('text-red-700 text-sm')
                return
        with self.results:
            if not any(items for _, items in found):
                ui.label(f'Nothing is named like “{text}”.').classes('text-slate-600')
            for kind, items in found:
                if not items:
                    continue
                ui.label(kind).classes('text-xs uppercase text-slate-500 mt-1')
                for label, target, detail in items:
                    with ui.link(target=target).classes('w-full no-underline').mark('search-hit'):
                        with ui.row().classes('w-full items-center gap-2 px-2 py-1 rounded hover:bg-slate-100'):
                            ui.label(label).classes('font-medium text-primary')
                            ui.label(detail).classes('text-xs text-slate-500 truncate')

    async def _find(self, text: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
        deployments = await self.services.deployments.page(self.user, None, text, 1, SHOWN)
        nodes = await self.services.nodes.find(self.user, NodeListQuery(text=text, page=1, page_size=SHOWN))
        found = [
            (
                'Deployments',
                [(d.name, f'/deployments/{d.id}', f'{d.status.value} · {d.source}') for d in deployments.items],
            ),
            ('Nodes', [(n.name, f'/nodes/{n.id}', f'{n.status.value} · {n.public_ip}') for n in nodes.items]),
        ]
        if self.user.is_admin:
            users = await self.services.accounts.find(self.user, text, SHOWN)
            found.append(('Users', [(u.name, '/users', f'{u.email} · {u.role.value}') for u in users]))
        return found
