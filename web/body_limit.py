"""A bound on the size of request bodies: 413 past it."""

from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runtime.request_id import current_request_id
from web.asgi import header, send_json


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
        declared = header(scope, b'content-length')
        if declared is not None:
            if not declared.isdigit() or int(declared) > self.max_bytes:
                await send_json(send, 413, too_large, current_request_id(), self.error_headers)
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
                await send_json(send, 413, too_large, current_request_id(), self.error_headers)
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
