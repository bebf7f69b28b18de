"""Security headers on pages, the API, errors, static files and the heartbeat lane; HSTS only under TLS."""

import pytest
from nicegui.testing import User

from tests.support.api_helpers import admin_tokens, bearer, started

REQUIRED_CSP = ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'self'")


@pytest.mark.parametrize(
    ('method', 'path', 'status'),
    [
        ('GET', '/login', 200),
        ('GET', '/no-such-page', 303),  # to the login page
        ('GET', '/api/auth/me', 401),
        ('POST', '/api/auth/login', 422),
        ('GET', '/api/nodes/nope', 401),
        ('POST', '/api/nodes/000000000000000000000000/heartbeat', 401),
        ('GET', '/assets/favicon.svg', 200),
        ('GET', '/openapi.json', 200),
        ('GET', '/healthz', 200),
    ],
)
async def test_every_answer_carries_the_security_headers(method: str, path: str, status: int, user: User):
    await started()
    response = await user.http_client.request(method, path, json={} if method == 'POST' else None)
    assert response.status_code == status, response.text
    policy = response.headers['content-security-policy']
    assert all(directive in policy for directive in REQUIRED_CSP), policy
    assert response.headers['x-content-type-options'] == 'nosniff'
    assert response.headers['referrer-policy'] == 'no-referrer'
    assert response.headers['x-frame-options'] == 'DENY'
    assert 'strict-transport-security' not in response.headers  # plain HTTP: HSTS would be a lie
    assert 'access-control-allow-origin' not in response.headers


async def test_no_origin_is_reflected_and_no_credentials_are_offered_to_other_sites(user: User):
    await started()
    response = await user.http_client.options(
        '/api/auth/login', headers={'Origin': 'https://evil.example', 'Access-Control-Request-Method': 'POST'}
    )
    assert 'access-control-allow-origin' not in response.headers
    assert 'access-control-allow-credentials' not in response.headers


@pytest.fixture
def behind_a_tls_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_PUBLIC_URL', 'https://espaze.example.com')


async def test_behind_a_tls_proxy_answers_carry_hsts(behind_a_tls_proxy: None, user: User):
    for path in ('/healthz', '/login', '/api/auth/me'):
        response = await user.http_client.get(path)
        assert response.headers['strict-transport-security'].startswith('max-age='), path


async def test_error_answers_carry_the_security_headers_and_api_answers_are_not_cached(
    user: User, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    admin = bearer(await admin_tokens(user.http_client))
    too_large = await user.http_client.post('/api/auth/login', content=b'x' * 2_000_000)
    assert too_large.status_code == 413
    me = await user.http_client.get('/api/auth/me', headers=admin)
    services = await started()

    async def broken(*args, **kwargs):
        raise RuntimeError('a bug, not input')

    monkeypatch.setattr(services.deployments, 'page', broken)
    failed = await user.http_client.get('/api/deployments', headers=admin)
    caplog.clear()  # the bug's traceback is expected here
    assert failed.status_code == 500 and 'a bug' not in failed.text
    for answer in (too_large, me, failed):
        assert answer.headers['x-content-type-options'] == 'nosniff', answer.request.url
        assert 'content-security-policy' in answer.headers
    assert me.headers['cache-control'] == 'no-store'
    assert failed.headers['cache-control'] == 'no-store'
