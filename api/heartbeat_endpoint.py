"""The heartbeat, Espaze's hottest request, served as a plain ASGI endpoint in front of the router.

Ten thousand nodes beating every 30 s make it most of the traffic. FastAPI's routing, body and dependency
machinery cost more than the work itself, so `POST /api/nodes/{id}/heartbeat` is answered here; the FastAPI
route of the same path documents it in OpenAPI and serves it when this endpoint is not installed. Both share
`accept_heartbeat` and the error answers of `api.errors`. This lane checks the token before it reads the body
(FastAPI's fallback validates the body first).
"""

import re

from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import STILL_STARTING
from api.errors import error_response, espaze_error_response, validation_error_response
from api.node_schemas import HeartbeatRequest, HeartbeatResponse
from models.errors import EspazeError, Unauthorized
from services.registry import Services

HEARTBEAT_PATH = re.compile(r'^/api/nodes/([^/]+)/heartbeat$')
JSON_HEADERS = [(b'content-type', b'application/json')]


def parse_heartbeat(body: bytes) -> HeartbeatRequest | None:
    """The optional heartbeat body; raises pydantic's ValidationError when it is not a valid one."""
    return HeartbeatRequest.model_validate_json(body) if body.strip() else None


def node_token_of(authorization: str) -> str:
    scheme, _, node_token = authorization.partition(' ')
    if scheme.lower() != 'bearer' or not node_token:
        raise Unauthorized('Missing node token')
    return node_token


async def accept_heartbeat(
    services: Services, node_id: str, authorization: str, client_ip: str | None, beat: HeartbeatRequest | None
) -> bytes:
    """Checks the node token, records the beat; returns the JSON answer."""
    node_token = node_token_of(authorization)
    received_at = await services.heartbeats.beat(
        node_id,
        node_token,
        client_ip,
        metrics=beat.metrics.model() if beat and beat.metrics else None,
        location=beat.location.model() if beat and beat.location else None,
        agent_version=beat.agent_version if beat else None,
    )
    answer = HeartbeatResponse(server_time=received_at, next_heartbeat_seconds=services.heartbeats.interval_seconds)
    return answer.model_dump_json(by_alias=True).encode()


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message['type'] != 'http.request':
            return b''
        chunks.append(message.get('body', b''))
        if not message.get('more_body', False):
            return b''.join(chunks)


class HeartbeatEndpoint:
    """Answers heartbeat POSTs itself and passes every other request on (other methods get the router's 405)."""

    def __init__(self, app: ASGIApp, services: Services, headers: list[tuple[bytes, bytes]]) -> None:
        self.app = app
        self.services = services
        self.headers = [*JSON_HEADERS, *headers]  # the security headers, added here once rather than by a layer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = HEARTBEAT_PATH.match(scope['path']) if scope['type'] == 'http' else None
        if match is None or scope['method'] != 'POST':
            await self.app(scope, receive, send)
            return
        authorization = next((v.decode('latin-1') for k, v in scope['headers'] if k == b'authorization'), '')
        client = scope.get('client')
        refuse = _with_headers(self.headers[len(JSON_HEADERS) :], send)  # errors are rare: a wrapper is fine
        try:
            await self.services.health.wait_started(timeout=5)
            self.services.heartbeats.check(match[1], node_token_of(authorization))  # strangers learn nothing more
            beat = parse_heartbeat(await _read_body(receive))  # read only for a node that proved who it is
            answer = await accept_heartbeat(self.services, match[1], authorization, client[0] if client else None, beat)
        except EspazeError as error:
            await espaze_error_response(error)(scope, receive, refuse)
            return
        except ValidationError as error:
            await validation_error_response(error.errors(include_input=False))(scope, receive, refuse)
            return
        except TimeoutError:
            await error_response(STILL_STARTING, 503, headers={'Retry-After': '5'})(scope, receive, refuse)
            return
        await send({'type': 'http.response.start', 'status': 200, 'headers': [*self.headers, _length(answer)]})
        await send({'type': 'http.response.body', 'body': answer})


def _with_headers(headers: list[tuple[bytes, bytes]], send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message['type'] == 'http.response.start':
            message = {**message, 'headers': [*message.get('headers', []), *headers]}
        await send(message)

    return sending


def _length(body: bytes) -> tuple[bytes, bytes]:
    return b'content-length', str(len(body)).encode()
