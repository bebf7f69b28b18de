"""The API's lane: API requests skip the browser's middleware (sessions, storage, gzip, login redirects)."""

from typing import Any

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from web.body_limit import BodyLimitMiddleware
from web.request_context import RequestContextMiddleware


class PathDispatcher:
    """Sends requests for some paths to a lean stack and everything else to the full one."""

    def __init__(self, lean: ASGIApp, full: ASGIApp, paths: frozenset[str], prefixes: tuple[str, ...]) -> None:
        self.lean = lean
        self.full = full
        self.paths = paths
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get('path', '')
        if scope['type'] == 'http' and (path in self.paths or path.startswith(self.prefixes)):
            await self.lean(scope, receive, send)
        else:
            await self.full(scope, receive, send)


def _serves(route: Any, paths: frozenset[str], prefixes: tuple[str, ...]) -> bool:
    router = getattr(route, 'original_router', None)  # an included APIRouter
    path = getattr(router, 'prefix', None) if router is not None else getattr(route, 'path', '')
    path = path or ''
    if router is not None and not path:
        path = next((getattr(r, 'path', '') for r in router.routes), '')
    return path in paths or path.startswith(prefixes)


def install_api_fast_lane(
    app: Any, paths: frozenset[str], prefixes: tuple[str, ...], *endpoints: Middleware, keep: tuple = ()
) -> None:
    """Let API requests skip the browser's middleware (sessions, per-session storage, gzip, login redirects).

    Call once the app has built its middleware stack (on startup). The lean stack keeps the app's routes and
    exception handlers and only this module's middleware (request ids, JSON 500s, the body limit), then the given
    `endpoints`, ASGI middleware that answer some requests themselves, then the app's middleware of the classes
    in `keep`, ahead of the router.
    """
    full = app.middleware_stack or app.build_middleware_stack()
    app.router.routes.sort(key=lambda route: not _serves(route, paths, prefixes))  # stable: API routes first
    everything = app.user_middleware
    core = [m for m in everything if m.cls in (RequestContextMiddleware, BodyLimitMiddleware)]
    app.user_middleware = [*core, *endpoints, *(m for m in everything if m.cls in keep)]
    try:
        lean = app.build_middleware_stack()
    finally:
        app.user_middleware = everything
    app.middleware_stack = PathDispatcher(lean, full, paths, prefixes)
