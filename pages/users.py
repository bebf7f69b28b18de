"""The Users admin page: roles, disabling accounts, resetting a second factor, whether sign-up is open and who
must sign in with two factors."""

from nicegui import ui

from models.accounts import Role, TwoFactorPolicy, User
from models.errors import EspazeError
from pages.components.confirm import confirmed
from pages.components.sessions_panel import SessionsPanel
from pages.layout import signed_in_page
from services.registry import Services

PAGE_SIZE = 50
POLICY_WORDS = {TwoFactorPolicy.OFF: 'nobody', TwoFactorPolicy.ADMINS: 'admins', TwoFactorPolicy.EVERYONE: 'everyone'}


def register(services: Services) -> None:
    @signed_in_page(services, '/users', 'Users', admin_only=True)
    async def users_page(admin: User) -> None:
        state = {'page': 1}

        async def set_signup(allowed: bool) -> None:
            await services.accounts.set_signup_allowed(admin, allowed)
            ui.notify('Sign-up is open' if allowed else 'Sign-up is closed')

        async def change(user: User, role: Role | None = None, disabled: bool | None = None) -> None:
            question = f'Disable {user.email}? Their sessions end at once and they cannot log in.'
            if disabled and not await confirmed(question, 'Disable'):
                user_list.refresh()  # the switch goes back
                return
            try:
                await services.accounts.update_user(admin, user.id, role, disabled)
            except EspazeError as error:
                ui.notify(str(error), type='warning')
            else:
                ui.notify(f'{user.email} updated', type='positive')
            user_list.refresh()

        async def reset_second_factor(user: User) -> None:
            if not await confirmed(
                f'Reset the second factor of {user.email}? They sign in with a password alone '
                'until they set up a new one.',
                'Reset',
            ):
                return
            try:
                await services.two_factor.reset(admin, user.id)
            except EspazeError as error:
                ui.notify(str(error), type='warning')
            else:
                ui.notify(f'Second factor of {user.email} reset', type='positive')
            user_list.refresh()

        async def show_sessions(user: User) -> None:
            with ui.dialog() as dialog, ui.card().classes('w-full max-w-3xl gap-3'):
                ui.label(f'Sessions of {user.email}').classes('text-lg')
                panel = SessionsPanel(services, admin, user)
                ui.button('Close', on_click=dialog.close).props('flat')
            await panel.load()
            dialog.open()

        async def set_policy(policy: str) -> None:
            await services.two_factor.set_policy(admin, TwoFactorPolicy(policy))
            ui.notify(f'Two-factor sign-in required: {POLICY_WORDS[TwoFactorPolicy(policy)]}')

        async def go_to(page: int) -> None:
            state['page'] = page
            user_list.refresh()

        signup = ui.switch('Allow sign-up', value=await services.auth.signup_allowed())
        signup.on_value_change(lambda e: set_signup(e.value))
        ui.select(
            {p.value: POLICY_WORDS[p] for p in TwoFactorPolicy},
            value=(await services.two_factor.policy()).value,
            label='Two-factor sign-in required of',
            on_change=lambda e: set_policy(e.value),
        ).props('dense outlined').classes('w-64').mark('two-factor policy')

        @ui.refreshable
        async def user_list() -> None:
            result = await services.accounts.list_users(admin, state['page'], PAGE_SIZE)
            ui.label(f'{result.total} accounts').classes('text-slate-600')
            with ui.column().classes('w-full gap-2'):
                for user in result.items:
                    with ui.card().classes('w-full').props('flat bordered'):
                        with ui.row().classes('w-full items-center justify-between gap-2'):
                            with ui.column().classes('gap-0 min-w-0'):
                                ui.label(user.name).classes('font-medium truncate')
                                ui.label(user.email).classes('text-sm text-slate-600 truncate')
                            with ui.row().classes('items-center gap-2'):
                                ui.button('Sessions', on_click=lambda u=user: show_sessions(u)).props(
                                    'flat dense no-caps'
                                ).mark(f'sessions of {user.email}')
                                if user.two_factor:
                                    ui.button('Reset 2FA', on_click=lambda u=user: reset_second_factor(u)).props(
                                        'flat dense no-caps'
                                    ).mark(f'reset two-factor {user.email}')
                                ui.select(
                                    [r.value for r in Role],
                                    value=user.role.value,
                                    on_change=lambda e, u=user: change(u, role=Role(e.value)),
                                ).props(f'dense outlined aria-label="Role of {user.email}"').mark(f'role {user.email}')
                                ui.switch(
                                    'Active',
                                    value=not user.disabled,
                                    on_change=lambda e, u=user: change(u, disabled=not e.value),
                                ).props(f'aria-label="Active: {user.email}"').mark(f'active {user.email}')
            pages = max(1, -(-result.total // PAGE_SIZE))
            if pages > 1:
                with ui.row().classes('items-center gap-2'):
                    ui.button('Previous', on_click=lambda: go_to(state['page'] - 1)).props(
                        'flat' + (' disable' if state['page'] <= 1 else '')
                    )
                    ui.label(f'Page {state["page"]} of {pages}')
                    ui.button('Next', on_click=lambda: go_to(state['page'] + 1)).props(
                        'flat' + (' disable' if state['page'] >= pages else '')
                    )

        await user_list()
