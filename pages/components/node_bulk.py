"""Actions on the nodes selected in the Nodes table: add a label, revoke their tokens, delete them (each asked
first). Every node is checked by the service as if acted on alone; what fails is named, the rest is done."""

from collections.abc import Awaitable, Callable

from nicegui import ui

from models.accounts import User
from models.errors import EspazeError
from pages.components.busy import busy
from pages.components.confirm import confirmed
from services.registry import Services


class BulkActions:
    def __init__(self, services: Services, user: User, done: Callable[[], Awaitable[None]]) -> None:
        self.services, self.user, self.done = services, user, done
        self.table: ui.table | None = None
        with ui.row().classes('w-full items-center gap-2 bg-slate-100 rounded p-2').mark('bulk') as self.bar:
            self.count = ui.label().classes('font-medium')
            self.label = ui.input('Label to add').props('outlined dense').classes('w-48').mark('bulk label')
            self.add = ui.button('Add label', icon='label', on_click=self.add_label).props('outline')
            self.revoke = ui.button('Revoke tokens', color='warning', on_click=self.revoke_tokens).props('outline')
            self.delete = ui.button('Delete', color='negative', on_click=self.delete_nodes).props('outline')
        self.bar.set_visibility(False)

    def attach(self, table: ui.table) -> None:
        self.table = table
        table.on_select(self.selection_changed)

    def selection_changed(self) -> None:
        chosen = self.chosen()
        self.count.set_text(f'{len(chosen)} selected')
        self.bar.set_visibility(bool(chosen))

    def chosen(self) -> list[dict]:
        return list(self.table.selected) if self.table is not None else []

    async def _each(self, button: ui.button, action, verb: str) -> None:
        """Run `action(node_id)` on every selected node; one toast says how many it was done to and what failed."""
        chosen = self.chosen()
        failed: list[str] = []
        async with busy(button):
            for row in chosen:
                try:
                    await action(row['id'])
                except EspazeError as error:
                    failed.append(f'{row["name"]}: {error}')
        done = len(chosen) - len(failed)
        if failed:
            ui.notify(f'{verb} {done} of {len(chosen)}. ' + '; '.join(failed[:3]), type='warning', multi_line=True)
        else:
            ui.notify(f'{verb} {done} node{"s" if done != 1 else ""}', type='positive')
        if self.table is not None:
            self.table.selected = []
        await self.done()
        self.selection_changed()

    async def add_label(self) -> None:
        key, separator, value = (self.label.value or '').partition('=')
        self.label.error = None
        if not separator or not key.strip():
            self.label.error = 'Must look like key=value'
            return
        nodes = self.services.nodes

        async def label(node_id: str) -> None:
            node = await nodes.get(self.user, node_id)
            await nodes.update(self.user, node_id, None, node.labels | {key.strip(): value.strip()})

        await self._each(self.add, label, f'Labelled {key.strip()}={value.strip()} on')

    async def revoke_tokens(self) -> None:
        count = len(self.chosen())
        question = f'Revoke the tokens of {count} nodes? Their heartbeats are refused until each enrolls again.'
        if await confirmed(question, 'Revoke tokens'):
            await self._each(
                self.revoke, lambda node_id: self.services.nodes.revoke_token(self.user, node_id), 'Revoked'
            )

    async def delete_nodes(self) -> None:
        names = ', '.join(row['name'] for row in self.chosen()[:5])
        more = f' and {len(self.chosen()) - 5} more' if len(self.chosen()) > 5 else ''
        question = f'Delete {names}{more}? Their tokens and history are removed too.'
        if await confirmed(question, 'Delete'):
            await self._each(self.delete, lambda node_id: self.services.nodes.delete(self.user, node_id), 'Deleted')
