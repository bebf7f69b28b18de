"""The HTTP/1.1 protocol Espaze runs uvicorn with: uvicorn's httptools protocol plus the two bounds it lacks against
anonymous clients. A request's head (request line and headers) may take at most `max_head_bytes`, else the answer
is 431 and the connection closes; and a client has `head_timeout` seconds from connecting, or from starting a
request, to finish sending its head, else the connection closes. Idle keep-alive connections close after uvicorn's
`timeout_keep_alive`, and page sockets that stop answering pings after `ws_ping_timeout`."""

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_MESSAGE = b'Request header fields too large\n'
TOO_LARGE = (
    b'HTTP/1.1 431 Request Header Fields Too Large\r\n'
    b'content-type: text/plain; charset=utf-8\r\n'
    b'content-length: ' + str(len(_MESSAGE)).encode() + b'\r\n'
    b'x-content-type-options: nosniff\r\n'
    b'connection: close\r\n\r\n' + _MESSAGE
)


def bounded_http_protocol(max_head_bytes: int, head_timeout: float) -> type[HttpToolsProtocol]:
    """The protocol class for uvicorn's `http=`, with these bounds."""
    return type(
        'BoundedHttpProtocol', (BoundedHttpProtocol,), {'max_head_bytes': max_head_bytes, 'head_timeout': head_timeout}
    )


class BoundedHttpProtocol(HttpToolsProtocol):
    max_head_bytes = 64 * 1024
    head_timeout = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_bytes = 0
        self._reading_head = True
        self._head_deadline: asyncio.TimerHandle | None = None
        self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self._reading_head or self.transport.is_closing():
            return
        self._head_bytes += len(data)  # still no end of the head in what arrived so far
        if self._head_bytes > self.max_head_bytes:
            self._disarm_head_deadline()
            self.transport.write(TOO_LARGE)
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head = True
        self._head_bytes = 0
        self._arm_head_deadline()

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._disarm_head_deadline()
        super().on_headers_complete()

    def _arm_head_deadline(self) -> None:
        if self._head_deadline is None:
            self._head_deadline = self.loop.call_later(self.head_timeout, self._head_too_slow)

    def _disarm_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if self._reading_head and not self.transport.is_closing():
            self.transport.close()
