"""The browser's way through single sign-on: /auth/oidc/start sends it to the provider, /auth/oidc/callback takes
the provider's answer and opens a session the way a password login does (a one-time ticket claimed at
/session/start, which gives the browser a new session cookie). A refused sign-in goes back to the login page with
a reason it names, never the details."""

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app

from services.registry import Services
from services.single_sign_on import SignOnRefused
from web.client_address import address_of
from web.login_guard import safe_next

START_PATH = '/auth/oidc/start'
CALLBACK_PATH = '/auth/oidc/callback'
NEXT_KEY = 'sso_next'


def register_single_sign_on_routes(services: Services) -> None:
    sso = services.single_sign_on
    if sso is None:
        return

    @app.get(START_PATH, include_in_schema=False)
    async def start(request: Request, next: str = '/') -> RedirectResponse:
        request.session[NEXT_KEY] = safe_next(next)
        try:
            return await sso.redirect(request)
        except SignOnRefused as refused:
            return RedirectResponse(f'/login?sso_error={refused.reason}', status_code=303)

    @app.get(CALLBACK_PATH, include_in_schema=False)
    async def callback(request: Request) -> RedirectResponse:
        address = address_of(request)
        try:
            user = await sso.finish(request, address)
        except SignOnRefused as refused:
            return RedirectResponse(f'/login?sso_error={refused.reason}', status_code=303)
        ticket = await services.auth.start_ui_session(user, address, request.headers.get('user-agent'))
        then = safe_next(request.session.pop(NEXT_KEY, '/'))
        return RedirectResponse(f'/session/start?{urlencode({"ticket": ticket, "next": then})}', status_code=303)
