"""The "Add node" dialog: creates an enrollment token and shows the exact agent command to copy."""

import shlex
from datetime import timedelta

from nicegui import ui

from models.accounts import User
from models.errors import EspazeError
from services.registry import Services


def agent_command(server: str, token: str) -> str:
    """The command that enrolls a node and keeps it beating."""
    return (
        f'python agent.py --server {shlex.quote(server)} --enrollment-token {shlex.quote(token)} '
        '--latitude <LATITUDE> --longitude <LONGITUDE>'
    )


def _server_url() -> str:
    return str(ui.context.client.request.base_url).rstrip('/')


def add_node_dialog(services: Services, user: User) -> None:
    """Open the dialog; the token's secret is shown once, in the command."""
    server = _server_url()
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-2xl gap-3'):
        ui.label('Add a node').classes('text-lg font-semibold')
        ui.label('Create an enrollment token, then run the agent on the node with the command shown.')
        name = ui.input('Token name', placeholder='rack 4, Lisbon').props('outlined dense')
        uses = ui.number('Nodes it may enroll', value=1, min=1, max=10_000, precision=0).props('outlined dense')
        hours = ui.number('Valid for (hours)', value=24, min=1, max=720, precision=0).props('outlined dense')
        result = ui.column().classes('w-full gap-2')

        async def create() -> None:
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
            result.clear()
            with result:
                ui.label('Run this on the node (the token is shown only now):').classes('font-medium')
                ui.code(agent_command(server, secret), language='bash').classes('w-full').mark('agent command')
            create_button.disable()

        with ui.row().classes('gap-2'):
            create_button = ui.button('Create enrollment token', on_click=create)
            ui.button('Close', on_click=dialog.close).props('flat')
    dialog.open()
