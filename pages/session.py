"""The browser session: which user this browser is logged in as, and the guard in front of every page."""

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app
from starlette.middleware.base import BaseHTTPMiddleware

from models import User
from services.registry import Services

SESSION_KEY = 'session_id'
PUBLIC_PATHS = {
    '/login',
    '/register',
    '/setup',
    '/healthz',
    '/readyz',
    '/metrics',
    '/docs',
    '/openapi.json',
    '/favicon.ico',
}
PUBLIC_PREFIXES = ('/_nicegui', '/api/', '/assets/', '/docs/')


def safe_next(path: str | None) -> str:
    """A same-site path to return to after login; anything else becomes '/'."""
    if not path or not path.startswith('/') or path.startswith(('//', '/\\')) or any(c in path for c in '\r\n\t'):
        return '/'
    return path


def login_redirect(path: str) -> RedirectResponse:
    target = '/login' if path in ('', '/') else f'/login?redirect_to={quote(safe_next(path), safe="")}'
    return RedirectResponse(target, status_code=303)


class LoginRequiredMiddleware(BaseHTTPMiddleware):
    """Sends a browser without a session to the login page; the API checks its own bearer tokens."""

    async def dispatch(self, request: Request, call_next):
        path = request.url.path
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES) or app.storage.user.get(SESSION_KEY):
            return await call_next(request)
        return login_redirect(path)


async def session_user(services: Services) -> User | None:
    """The enabled user of this browser's session; a revoked or expired session is forgotten."""
    session_id = app.storage.user.get(SESSION_KEY)
    if not session_id:
        return None
    user = await services.auth.user_for_session(session_id)
    if user is None:
        app.storage.user.pop(SESSION_KEY, None)
    return user


async def log_in_browser(services: Services, user: User) -> None:
    app.storage.user[SESSION_KEY] = await services.auth.start_ui_session(user)


async def log_out_browser(services: Services) -> None:
    session_id = app.storage.user.pop(SESSION_KEY, None)
    if session_id:
        await services.auth.logout(session_id)
