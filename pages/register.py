"""The sign-up page."""

from nicegui import ui

from models.errors import EspazeError
from pages.components.busy import busy
from pages.forms import FormErrors, auth_card, email_input, password_input
from pages.layout import anonymous_page_admitted
from pages.session import log_in_browser
from services.registry import Services
from web.client_address import address_of


def register(services: Services) -> None:
    @ui.page('/register', title='Sign up · Espaze')
    async def register_page():
        if (refused := anonymous_page_admitted()) is not None:
            return refused
        if not await services.auth.signup_allowed():
            with auth_card('Sign-up is closed'):
                ui.label('This instance does not take sign-ups. Ask an admin for an account.')
                ui.link('Log in', '/login')
            return

        async def submit() -> None:
            errors.clear()
            async with busy(button):
                try:
                    client = address_of(ui.context.client.request)
                    user = await services.auth.register(email.value or '', password.value or '', name.value, client)
                except EspazeError as error:
                    errors.show(error)
                    return
            await log_in_browser(services, user)

        with auth_card('Create your account'):
            name = ui.input('Name').props('autocomplete=name outlined').classes('w-full')
            email = email_input()
            password = password_input(autocomplete='new-password')
            ui.label('8 to 72 bytes.').classes('text-xs text-slate-500 -mt-2')
            errors = FormErrors({'name': name, 'email': email, 'password': password})
            button = ui.button('Sign up', on_click=submit).classes('w-full')
            with ui.row().classes('gap-1 text-sm'):
                ui.label('Already have an account?')
                ui.link('Log in', '/login')
