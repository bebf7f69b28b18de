"""The one-time setup page that creates the first admin."""

from nicegui import ui

from models.errors import EspazeError
from pages.components.busy import busy
from pages.forms import FormErrors, auth_card, email_input, password_input
from pages.layout import anonymous_page_admitted
from pages.session import log_in_browser
from services.registry import Services


def register(services: Services) -> None:
    @ui.page('/setup', title='Set up · Espaze')
    async def setup_page(token: str = ''):
        if (refused := anonymous_page_admitted()) is not None:
            return refused
        if not await services.auth.setup_token_valid(token):
            with auth_card('Setup link not valid'):
                ui.label('This setup link is not valid or was already used.')
                ui.link('Log in', '/login')
            return

        async def submit() -> None:
            errors.clear()
            async with busy(button):
                try:
                    admin = await services.auth.complete_setup(
                        token, email.value or '', password.value or '', name.value
                    )
                except EspazeError as error:
                    errors.show(error)
                    return
            await log_in_browser(services, admin)

        with auth_card('Create the first admin'):
            name = ui.input('Name').props('autocomplete=name outlined').classes('w-full')
            email = email_input()
            password = password_input(autocomplete='new-password')
            errors = FormErrors({'name': name, 'email': email, 'password': password})
            button = ui.button('Create admin', on_click=submit).classes('w-full')
