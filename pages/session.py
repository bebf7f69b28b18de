"""The browser session: which user this browser is logged in as, and the guard in front of every page.

The id of the browser's Espaze session lives in the signed session cookie. A login never turns the cookie a browser
already had into a signed-in one: it opens a session that only a one-time ticket claims, at /session/start, which
answers with a new cookie (a new NiceGUI identity, what the old one stored dropped). Logout does the same at
/session/end, so a cookie planted before login or kept after logout opens nothing."""

import uuid
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, ui

from models.accounts import User
from services.registry import Services
from web.client_address import address_of
from web.login_guard import SESSION_KEY, safe_next


def current_session_id() -> str | None:
    """The id of the Espaze session the browser presented when this page loaded, if any (not checked)."""
    return ui.context.client.request.session.get(SESSION_KEY)


async def session_user(services: Services) -> User | None:
    """The enabled user of the session the browser presented when this page loaded, or None."""
    session_id = current_session_id()
    return await services.auth.user_for_session(session_id) if session_id else None


async def log_in_browser(services: Services, user: User, then: str = '/') -> None:
    """Open a session for `user` and send the browser to claim it, which gives it a new session identity."""
    request = ui.context.client.request
    ticket = await services.auth.start_ui_session(user, address_of(request), request.headers.get('user-agent'))
    ui.navigate.to(f'/session/start?{urlencode({"ticket": ticket, "next": safe_next(then)})}')


async def log_out_browser(services: Services, session_id: str | None) -> None:
    """End the page's session, then give the browser a new session identity (dropping what the old one stored)."""
    if session_id:
        await services.auth.logout(session_id)
    ui.navigate.to('/session/end')


def _renew_identity(request: Request, session_id: str | None) -> None:
    """Drop what the browser's old identity stored and give it a new one, holding `session_id` if given."""
    app.storage.user.clear()  # NiceGUI then removes its file, and prunes the emptied object
    request.session.clear()
    request.session['id'] = str(uuid.uuid4())  # the session middleware signs and sends the new cookie
    if session_id:
        request.session[SESSION_KEY] = session_id


def register_identity_routes(services: Services) -> None:
    """/session/start claims a login ticket, /session/end follows a logout; both rotate the session cookie."""

    @app.get('/session/start', include_in_schema=False)
    async def start_session(request: Request, ticket: str = '', next: str = '/') -> RedirectResponse:
        session_id = await services.auth.claim_ui_session(ticket[:200])
        if session_id is None:
            return RedirectResponse('/login', status_code=303)
        _renew_identity(request, session_id)
        return RedirectResponse(safe_next(next), status_code=303)

    @app.get('/session/end', include_in_schema=False)
    async def end_session(request: Request) -> RedirectResponse:
        held = request.session.get(SESSION_KEY)
        if held and await services.auth.user_for_session(held) is not None:
            return RedirectResponse('/', status_code=303)  # a live session ends only by logging out (no CSRF)
        _renew_identity(request, None)
        return RedirectResponse('/login', status_code=303)
