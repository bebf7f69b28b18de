"""ASGI middleware: a request id and one log line per request, a JSON 500 for the API, and a body size limit."""

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger('espaze.requests')

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar('request_id', default='-')
_SAFE_REQUEST_ID = re.compile(r'^[A-Za-z0-9._-]{1,64}$')
_QUIET_PREFIXES = ('/_nicegui',)


def current_request_id() -> str:
    return _request_id.get()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get('headers', []):
        if key == name:
            return value.decode('latin-1')
    return None


async def _send_json(
    send: Send, status: int, body: dict[str, Any], request_id: str, extra: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            'type': 'http.response.start',
            'status': status,
            'headers': [
                (b'content-type', b'application/json'),
                (b'content-length', str(len(payload)).encode()),
                (b'x-request-id', request_id.encode()),
                (b'cache-control', b'no-store'),
                *extra,
            ],
        }
    )
    await send({'type': 'http.response.body', 'body': payload})


class RequestContextMiddleware:
    """Tags each request with an id (echoed as X-Request-ID), logs method, path, status and duration.

    Query strings are never logged: they may carry tokens (the setup link does).
    """

    def __init__(
        self,
        app: ASGIApp,
        observe: Callable[[Scope, int, float], None] | None = None,
        error_headers: Sequence[tuple[bytes, bytes]] = (),
    ) -> None:
        self.error_headers = error_headers  # its own answers may be sent from outside the security headers' layer
        self.app = app
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b'x-request-id')
        request_id = incoming if incoming and _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message['type'] == 'http.response.start':
                status = message['status']
                response_started = True
                message = {**message, 'headers': [*message.get('headers', []), (b'x-request-id', request_id.encode())]}
            await send(message)

        path = scope.get('path', '')
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception('unhandled error [request %s] %s %s', request_id, scope.get('method'), path)
            if response_started or not path.startswith('/api'):
                raise
            body = {'error': 'Internal server error', 'requestId': request_id}
            await _send_json(send, 500, body, request_id, self.error_headers)
        finally:
            elapsed = time.perf_counter() - started
            elapsed_ms = elapsed * 1000
            if self.observe is not None:
                self.observe(scope, status, elapsed)
            level = logging.DEBUG if path.startswith(_QUIET_PREFIXES) else logging.INFO
            log.log(level, '%s %s %s %.1fms [request %s]', scope.get('method'), path, status, elapsed_ms, request_id)
            _request_id.reset(token)


class BodyLimitMiddleware:
    """Answers 413 when a request body is larger than the limit, declared or streamed.

    A body without Content-Length is read here (up to the limit) and replayed to the app.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, error_headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
        self.error_headers = error_headers
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        too_large = {'error': f'Request body larger than {self.max_bytes} bytes', 'requestId': current_request_id()}
        declared = _header(scope, b'content-length')
        if declared is not None:
            if not declared.isdigit() or int(declared) > self.max_bytes:
                await _send_json(send, 413, too_large, current_request_id(), self.error_headers)
                return
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message['type'] != 'http.request':
                return
            body += message.get('body', b'')
            if len(body) > self.max_bytes:
                await _send_json(send, 413, too_large, current_request_id(), self.error_headers)
                return
            if not message.get('more_body', False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {'type': 'http.request', 'body': bytes(body), 'more_body': False}

        await self.app(scope, replay, send)


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
