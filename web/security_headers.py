"""Security headers on every HTTP answer (pages, API, errors, static files): a Content Security Policy that allows
only this origin (NiceGUI's Vue templates need inline scripts and eval), no sniffing, no referrer, no framing,
and HSTS when Espaze serves TLS itself."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
DOCS_POLICY = POLICY.replace(  # FastAPI's /docs loads Swagger UI from its CDN
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'", "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net"
).replace("style-src 'self' 'unsafe-inline'", "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net")
HSTS = 'max-age=31536000; includeSubDomains'


def security_headers(tls: bool, path: str = '') -> list[tuple[bytes, bytes]]:
    """The headers every answer carries (the /docs page allows Swagger UI's CDN)."""
    common = [
        (b'x-content-type-options', b'nosniff'),
        (b'referrer-policy', b'no-referrer'),
        (b'x-frame-options', b'DENY'),
        (b'permissions-policy', b'geolocation=(), camera=(), microphone=()'),
        (b'cross-origin-opener-policy', b'same-origin'),
    ] + ([(b'strict-transport-security', HSTS.encode())] if tls else [])
    return [*common, (b'content-security-policy', (DOCS_POLICY if path == '/docs' else POLICY).encode())]


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, tls: bool = False) -> None:
        self.app = app
        self.headers = security_headers(tls)
        self.docs_headers = security_headers(tls, '/docs')
        self.api_headers = [*self.headers, (b'cache-control', b'no-store')]  # API answers are per caller: never cached

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        path = scope.get('path', '')
        added = self.docs_headers if path == '/docs' else self.api_headers if path.startswith('/api/') else self.headers

        async def with_headers(message: Message) -> None:
            if message['type'] == 'http.response.start':
                headers = message.get('headers', [])
                if not any(name == b'content-security-policy' for name, _ in headers):  # an error answer has them
                    message = {**message, 'headers': [*headers, *added]}
            await send(message)

        await self.app(scope, receive, with_headers)
