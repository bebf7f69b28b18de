"""Settings: the GitHub connection (token or OAuth, its state), webhooks for admins, and a repository browser."""

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, ui

from models.accounts import User
from models.errors import EspazeError
from models.github import GitHubConnection, LinkState
from pages.components.busy import busy
from pages.components.confirm import confirmed
from pages.components.repo_picker import RepositoryPicker
from pages.components.webhooks_panel import webhooks_card
from pages.forms import FormErrors, password_input
from pages.layout import signed_in_page
from services.registry import Services
from web.login_guard import SESSION_KEY
from web.oauth_cookie import bind_oauth_to_browser

GITHUB_SIGN_IN = '/settings/github/sign-in'
OAUTH_OUTCOME = {
    'linked': ('GitHub account linked.', 'positive'),
    'failed': ('GitHub sign-in did not complete. Please start again.', 'negative'),
}


def _describe(connection: GitHubConnection) -> list[str]:
    lines = [
        f'Linked as {connection.login} with {"OAuth" if connection.kind == "oauth" else "a token"} ({connection.hint})'
    ]
    if connection.scopes is not None:
        lines.append(f'Scopes: {", ".join(connection.scopes) or "none"}')
    else:
        lines.append('Fine-grained token: permissions are set on GitHub')
    if connection.expires_at is not None:
        lines.append(f'Expires {connection.expires_at:%Y-%m-%d %H:%M} UTC')
    return lines


def register(services: Services) -> None:
    @app.get(GITHUB_SIGN_IN, include_in_schema=False)
    async def github_sign_in(request: Request) -> RedirectResponse:
        """Start a GitHub sign-in for this browser's user: off to GitHub, with the cookie the callback wants."""
        session_id = request.session.get(SESSION_KEY)
        user = await services.auth.user_for_session(session_id) if session_id else None
        if user is None:
            return RedirectResponse('/login?redirect_to=%2Fsettings', status_code=303)
        try:
            url, browser_nonce = await services.github.connections.start_oauth(user)
        except EspazeError:
            return RedirectResponse('/settings?github=failed', status_code=303)
        answer = RedirectResponse(url, status_code=303)
        bind_oauth_to_browser(request, answer, browser_nonce)
        return answer

    @signed_in_page(services, '/settings', 'Settings')
    async def settings_page(user: User) -> None:
        request: Request = ui.context.client.request
        outcome = OAUTH_OUTCOME.get(request.query_params.get('github', ''))
        if outcome:
            ui.notify(outcome[0], type=outcome[1])
        connection = await services.github.connections.status(user)
        with ui.card().classes('w-full max-w-3xl gap-3'):
            ui.label('GitHub').classes('text-lg')
            await _connection_card(services, user, connection)
        if user.is_admin:
            with ui.card().classes('w-full max-w-3xl gap-3').mark('notifications'):
                await webhooks_card(services, user)
        with ui.card().classes('w-full max-w-3xl gap-3'):
            ui.label('Repositories').classes('text-lg')
            ui.label('What Espaze can see with this connection, and whether a branch can be built.').classes(
                'text-sm text-slate-600'
            )
            if connection.state == LinkState.RELINK:
                ui.label('Re-link GitHub above to browse your repositories.').classes('text-amber-800')
                return
            picker = RepositoryPicker(services, user, linked=connection.state == LinkState.LINKED)
            await picker.load()


async def _connection_card(services: Services, user: User, connection: GitHubConnection) -> None:
    connections = services.github.connections

    async def link() -> None:
        errors.clear()
        async with busy(link_button):
            try:
                await connections.link_token(user, token.value or '')
            except EspazeError as error:
                errors.show(error)
                return
        token.value = ''
        ui.navigate.to('/settings?github=linked')

    async def disconnect() -> None:
        question = 'Disconnect GitHub? Push to deploy stops for your repositories and their webhooks are removed.'
        if not await confirmed(question, 'Disconnect'):
            return
        await services.hooks.disconnect(user)
        ui.notify('GitHub disconnected', type='positive')
        ui.navigate.to('/settings')

    def sign_in() -> None:
        ui.navigate.to(GITHUB_SIGN_IN)  # an HTTP answer can give this browser the cookie the sign-in is bound to

    if connection.state == LinkState.NONE:
        ui.label("Not linked. Public repositories only, at GitHub's lower rate limit (60 requests an hour).").mark(
            'github-state'
        )
    elif connection.state == LinkState.RELINK:
        with ui.row().classes('items-center gap-2 bg-amber-50 p-2 rounded w-full').mark('github-state'):
            ui.icon('warning', color='amber-9')
            ui.label(f'Re-link GitHub: {connection.reason}.').classes('text-amber-900')
    else:
        with ui.column().classes('gap-1').mark('github-state'):
            for line in _describe(connection):
                ui.label(line)
    if connection.state != LinkState.NONE:
        ui.button('Disconnect GitHub', on_click=disconnect, color='red-7').props('outline')
    ui.separator()
    replace = (
        'To use another token, paste it' if connection.state != LinkState.NONE else 'Paste a personal access token'
    )
    ui.label(f'{replace} (classic with the repo scope, or fine-grained with Contents: read).')
    with ui.row().classes('w-full items-start gap-2'):
        token = password_input('GitHub token', autocomplete='off').classes('grow max-w-md')
        link_button = ui.button('Link token', on_click=link)
    errors = FormErrors({'token': token})
    if connections.oauth_enabled:
        ui.button('Sign in with GitHub', icon='login', on_click=sign_in).props('outline')
