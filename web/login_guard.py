"""The guard in front of every page: a browser without a session goes to the login page (the API checks its own
bearer tokens)."""

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.middleware.base import BaseHTTPMiddleware

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
    '/session/start',
    '/session/end',
    '/auth/oidc/start',
    '/auth/oidc/callback',
}
PUBLIC_PREFIXES = ('/_nicegui', '/api/', '/assets/', '/docs/')


def safe_next(path: str | None) -> str:
    """A same-site path to return to after login; anything else becomes '/'."""
    if not path or not path.startswith('/') or path.startswith(('//', '/\\')) or any(c in path for c in '\r\n\t'):
        return '/'
    return path


def login_target(path: str) -> str:
    """The login page, returning to `path` afterwards."""
    return '/login' if path in ('', '/') else f'/login?redirect_to={quote(safe_next(path), safe="")}'


def login_redirect(path: str) -> RedirectResponse:
    return RedirectResponse(login_target(path), status_code=303)


class LoginRequiredMiddleware(BaseHTTPMiddleware):
    """Sends a browser without a session to the login page; the API checks its own bearer tokens."""

    async def dispatch(self, request: Request, call_next):
        path = request.url.path
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES) or request.session.get(SESSION_KEY):
            return await call_next(request)
        return login_redirect(path)
