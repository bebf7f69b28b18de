"""A request id and one log line per request, and a JSON 500 for the API."""

import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runtime.request_id import request_id_var
from web.asgi import header, send_json

log = logging.getLogger('espaze.requests')

_SAFE_REQUEST_ID = re.compile(r'^[A-Za-z0-9._-]{1,64}$')
_QUIET_PREFIXES = ('/_nicegui',)


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
        incoming = header(scope, b'x-request-id')
        request_id = incoming if incoming and _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
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
            await send_json(send, 500, body, request_id, self.error_headers)
        finally:
            elapsed = time.perf_counter() - started
            elapsed_ms = elapsed * 1000
            if self.observe is not None:
                self.observe(scope, status, elapsed)
            level = logging.DEBUG if path.startswith(_QUIET_PREFIXES) else logging.INFO
            log.log(level, '%s %s %s %.1fms [request %s]', scope.get('method'), path, status, elapsed_ms, request_id)
            request_id_var.reset(token)
