"""The Account page: who you are, your password, two-factor sign-in, API tokens and sessions."""

from nicegui import app, ui

from models.accounts import User
from models.errors import EspazeError
from pages.components.api_tokens_panel import ApiTokensPanel
from pages.components.busy import busy
from pages.components.sessions_panel import SessionsPanel
from pages.components.two_factor_panel import TwoFactorPanel
from pages.forms import FormErrors, password_input
from pages.layout import signed_in_page
from services.registry import Services


def register(services: Services) -> None:
    @signed_in_page(services, '/account', 'Account')
    async def account_page(user: User) -> None:
        with ui.card().classes('w-full max-w-md'):
            ui.label(user.name).classes('font-medium')
            ui.label(f'{user.email} · {user.role.value}').classes('text-slate-600')

        async def submit() -> None:
            errors.clear()
            async with busy(button):
                try:
                    await services.auth.change_password(
                        user,
                        current.value or '',
                        new.value or '',
                        keep_session=app.state.page_guard.session_of(ui.context.client),
                        revoke_tokens=bool(revoke_tokens.value),
                    )
                except EspazeError as error:
                    errors.show(error)
                    return
            current.value = new.value = ''
            if revoke_tokens.value:
                await tokens.load()
            ui.notify('Password changed. Other sessions were logged out.', type='positive')

        with ui.card().classes('w-full max-w-md gap-3'):
            ui.label('Change password').classes('text-lg')
            current = password_input('Current password')
            new = password_input('New password', autocomplete='new-password')
            revoke_tokens = ui.checkbox('Also revoke every API token of this account')
            errors = FormErrors({'currentPassword': current, 'newPassword': new})
            button = ui.button('Change password', on_click=submit)

        second_factor = TwoFactorPanel(services, user, await services.two_factor.must_set_up(user))
        await second_factor.show()
        tokens = ApiTokensPanel(services, user)
        await tokens.load()
        with ui.card().classes('w-full max-w-3xl gap-3'):
            ui.label('Sessions').classes('text-lg')
            sessions = SessionsPanel(services, user, user, app.state.page_guard.session_of(ui.context.client))
            await sessions.load()
