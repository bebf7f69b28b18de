"""The login page: email and password (then a code, for an account with two-factor), and single sign-on."""

from urllib.parse import urlencode

from fastapi.responses import RedirectResponse
from nicegui import ui

from models.accounts import NO_CODES, SecondFactorCodes
from models.errors import EspazeError, SecondFactorNeeded
from pages.components.busy import busy
from pages.forms import FormErrors, auth_card, email_input, password_input
from pages.layout import anonymous_page_admitted, database_unavailable
from pages.session import log_in_browser, session_user
from pages.single_sign_on import START_PATH
from services.registry import Services
from services.single_sign_on import REASONS
from web.client_address import address_of
from web.login_guard import safe_next

RECOVERY_LINK = 'Use a recovery code instead'
CODE_PROMPT = 'Enter the 6-digit code from your authenticator app.'


def register(services: Services) -> None:
    @ui.page('/login', title='Log in · Espaze')
    async def login_page(redirect_to: str = '/', sso_error: str = ''):
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
            code_errors.clear()
            asking_code = code_step.visible
            async with busy(code_button if asking_code else button):
                try:
                    client = address_of(ui.context.client.request)
                    given = code.value or ''
                    codes = SecondFactorCodes(recovery=given) if recovery_mode else SecondFactorCodes(totp=given)
                    user = await services.auth.authenticate(
                        email.value or '', password.value or '', client, codes if asking_code else NO_CODES
                    )
                except SecondFactorNeeded:
                    password_step.set_visibility(False)
                    code_step.set_visibility(True)
                    code.run_method('focus')
                    return
                except EspazeError as error:
                    (code_errors if asking_code else errors).show(error)
                    code.value = ''
                    return
            await log_in_browser(services, user, target)

        recovery_mode = False

        def switch_code_kind() -> None:
            nonlocal recovery_mode
            recovery_mode = not recovery_mode
            code.value = ''
            code.props(f'label="{"Recovery code" if recovery_mode else "Authentication code"}"')
            switch.set_text('Use the authenticator app instead' if recovery_mode else RECOVERY_LINK)
            prompt.set_text('Enter one of your recovery codes (each works once).' if recovery_mode else CODE_PROMPT)

        with auth_card('Log in'):
            if sso_error in REASONS:
                ui.label(REASONS[sso_error]).classes('text-red-700 text-sm').props('role=alert').mark('sso error')
            if services.single_sign_on is not None:
                ui.button(
                    f'Sign in with {services.single_sign_on.name}',
                    icon='login',
                    on_click=lambda: ui.navigate.to(f'{START_PATH}?{urlencode({"next": target})}'),
                ).classes('w-full').props('outline')
                if services.auth.password_login:
                    ui.label('or').classes('w-full text-center text-sm text-slate-500')
            with ui.column().classes('w-full gap-3 p-0') as password_step:
                email = email_input().on('keydown.enter', submit)
                password = password_input().on('keydown.enter', submit)
                errors = FormErrors({'email': email, 'password': password})
                button = ui.button('Log in', on_click=submit).classes('w-full')
                if await services.auth.signup_allowed():
                    with ui.row().classes('gap-1 text-sm'):
                        ui.label('No account yet?')
                        ui.link('Sign up', '/register')
            with ui.column().classes('w-full gap-3 p-0') as code_step:
                prompt = ui.label(CODE_PROMPT).classes('text-sm')
                code = (
                    ui.input('Authentication code')
                    .props('autocomplete=one-time-code outlined')
                    .classes('w-full')
                    .on('keydown.enter', submit)
                )
                code_errors = FormErrors({'code': code})
                code_button = ui.button('Verify', on_click=submit).classes('w-full')
                switch = ui.button(RECOVERY_LINK, on_click=switch_code_kind).props('flat dense no-caps')
            code_step.set_visibility(False)
            password_step.set_visibility(services.auth.password_login)
        return None
