"""The login page."""

from fastapi.responses import RedirectResponse
from nicegui import ui

from models.errors import EspazeError
from pages.components.busy import busy
from pages.forms import FormErrors, auth_card, email_input, password_input
from pages.layout import anonymous_page_admitted, database_unavailable
from pages.session import log_in_browser, session_user
from services.registry import Services
from web.client_address import address_of
from web.login_guard import safe_next


def register(services: Services) -> None:
    @ui.page('/login', title='Log in · Espaze')
    async def login_page(redirect_to: str = '/'):
        target = safe_next(redirect_to)
        if (refused := anonymous_page_admitted()) is not None:
            return refused
        if not services.health.started:
            database_unavailable()
            return None
        if await session_user(services) is not None:
            return RedirectResponse(target, status_code=303)
        if await services.auth.needs_setup():
            with auth_card('Not set up yet'):
                ui.label('Open the one-time setup link that Espaze printed when it started.')
            return None

        async def submit() -> None:
            errors.clear()
            async with busy(button):
                try:
                    client = address_of(ui.context.client.request)
                    user = await services.auth.authenticate(email.value or '', password.value or '', client)
                except EspazeError as error:
                    errors.show(error)
                    return
            await log_in_browser(services, user, target)

        with auth_card('Log in'):
            email = email_input().on('keydown.enter', submit)
            password = password_input().on('keydown.enter', submit)
            errors = FormErrors({'email': email, 'password': password})
            button = ui.button('Log in', on_click=submit).classes('w-full')
            if await services.auth.signup_allowed():
                with ui.row().classes('gap-1 text-sm'):
                    ui.label('No account yet?')
                    ui.link('Sign up', '/register')
        return None
