"""The Users admin page: roles, disabling accounts, and whether sign-up is open."""

from nicegui import ui

from models.accounts import Role, User
from models.errors import EspazeError
from pages.components.confirm import confirmed
from pages.layout import signed_in_page
from services.registry import Services

PAGE_SIZE = 50


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

        async def go_to(page: int) -> None:
            state['page'] = page
            user_list.refresh()

        signup = ui.switch('Allow sign-up', value=await services.auth.signup_allowed())
        signup.on_value_change(lambda e: set_signup(e.value))

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
