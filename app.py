"""Espaze's entry: load settings, build, install the HTTP plumbing, register the API and pages, ui.run."""

import asyncio
import os
import sys
from pathlib import Path

from config import ConfigurationError, load_settings, resolve_secrets

try:
    settings = load_settings()
    secrets = resolve_secrets(settings)
except ConfigurationError as error:
    sys.exit(f'Espaze cannot start. {error}')

os.environ.setdefault('NICEGUI_STORAGE_PATH', str((settings.data_dir / 'sessions').resolve()))

from nicegui import app, core, ui
from starlette.middleware import Middleware

import api
import bootstrap
import pages
from api.heartbeat_endpoint import HeartbeatEndpoint
from pages.errors import register_error_page
from runtime import log_format
from web.api_fast_lane import install_api_fast_lane
from web.body_limit import BodyLimitMiddleware
from web.client_address import trusted_networks
from web.http_limits import bounded_http_protocol
from web.login_guard import LoginRequiredMiddleware
from web.request_context import RequestContextMiddleware
from web.security_headers import SecurityHeadersMiddleware, security_headers

log_format.configure(settings.log_level, settings.log_format)
espaze = bootstrap.build(settings, secrets)
espaze.start()
services = espaze.services
headers = security_headers(settings.browsers_use_https)

app.state.services = services
app.state.https_cookies = settings.browsers_use_https
app.state.trusted_networks = trusted_networks(settings.trusted_proxies)
app.add_middleware(LoginRequiredMiddleware)
app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, error_headers=headers)
app.add_middleware(RequestContextMiddleware, observe=services.telemetry.observe_request, error_headers=headers)
app.add_middleware(SecurityHeadersMiddleware, tls=settings.browsers_use_https)
core.sio.eio.cors_allowed_origins = None  # NiceGUI allows every origin; pages of other sites may not open a socket
app.add_static_files('/assets', Path(__file__).parent / 'assets')
api.register(app)
pages.register_all(services, settings.session_watch_seconds, settings.anonymous_pages_per_address)
register_error_page()
background: set[asyncio.Task] = set()


async def startup() -> None:
    lane = Middleware(HeartbeatEndpoint, services=services, headers=headers)
    api_paths = frozenset({'/healthz', '/readyz', '/metrics', '/openapi.json'})
    install_api_fast_lane(app, api_paths, ('/api/',), lane, keep=(SecurityHeadersMiddleware,))
    background.add(asyncio.create_task(espaze.prepare_when_the_database_answers()))


async def shutdown() -> None:
    for task in background:
        task.cancel()
    await espaze.stop()


app.on_startup(startup)
app.on_shutdown(shutdown)

if __name__ in {'__main__', '__mp_main__'}:
    ui.run(
        host=settings.host,
        port=settings.port,
        title='Espaze',
        favicon=Path(__file__).parent / 'assets' / 'favicon.svg',
        storage_secret=secrets.storage_secret,
        fastapi_docs=True,
        reload=False,
        show=False,
        show_welcome_message=False,
        log_config=log_format.uvicorn_log_config(),
        ssl_certfile=str(settings.tls_certfile) if settings.tls_enabled else None,
        ssl_keyfile=str(settings.tls_keyfile) if settings.tls_enabled else None,
        session_middleware_kwargs={'https_only': True, 'same_site': 'lax'} if settings.browsers_use_https else None,
        http=bounded_http_protocol(settings.http_max_head_bytes, settings.http_head_timeout_seconds),
        proxy_headers=False,  # only ESPAZE_TRUSTED_PROXIES are believed (web/client_address.py), never uvicorn's
    )
