"""Small ASGI helpers the middleware share: reading a header, answering JSON."""

import json
from collections.abc import Sequence
from typing import Any

from starlette.types import Scope, Send


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get('headers', []):
        if key == name:
            return value.decode('latin-1')
    return None


async def send_json(
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
