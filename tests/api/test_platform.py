"""Health probes, request ids, body limits, error answers and what never reaches a log."""

import logging

import pytest
from nicegui import app
from nicegui.testing import User

from repositories.database import open_database, ping
from tests.support.api_helpers import PASSWORD, admin_tokens, bearer, login, signup, started


async def test_health_and_readiness(user: User):
    await started()
    assert (await user.http_client.get('/healthz')).json() == {'status': 'ok'}
    ready = await user.http_client.get('/readyz')
    assert ready.status_code == 200 and ready.json() == {'status': 'ready'}


async def test_ping_fails_within_its_timeout_when_the_database_is_unreachable():
    client, db = open_database('mongodb://127.0.0.1:9/?directConnection=true', timeout_seconds=1)
    try:
        assert await ping(db, timeout_seconds=1) is False
    finally:
        await client.close()


async def test_every_answer_carries_a_request_id_and_a_safe_incoming_one_is_kept(user: User):
    response = await user.http_client.get('/healthz')
    assert len(response.headers['x-request-id']) == 32
    kept = await user.http_client.get('/healthz', headers={'X-Request-ID': 'trace-123'})
    assert kept.headers['x-request-id'] == 'trace-123'
    replaced = await user.http_client.get('/healthz', headers={'X-Request-ID': 'bad id\r\nx'})
    assert replaced.headers['x-request-id'] != 'bad id\r\nx'


async def test_oversized_bodies_get_413_and_change_nothing(user: User):
    await admin_tokens(user.http_client)
    big = {'email': 'big@example.com', 'password': PASSWORD, 'name': 'x' * 2_000_000}
    declared = await user.http_client.post('/api/auth/register', json=big)
    assert declared.status_code == 413 and 'requestId' in declared.json()

    async def chunks():
        for _ in range(40):
            yield b'x' * 65_536

    streamed = await user.http_client.post(
        '/api/auth/register', content=chunks(), headers={'Content-Type': 'application/json'}
    )
    assert streamed.status_code == 413
    unauthenticated = await user.http_client.post(
        '/api/auth/login', json={'email': 'big@example.com', 'password': PASSWORD}
    )
    assert unauthenticated.status_code == 401


async def test_unexpected_error_is_a_json_500_with_request_id_and_no_trace(
    user: User, caplog: pytest.LogCaptureFixture
):
    async def explode() -> None:
        raise RuntimeError('internal detail that must not leak')

    app.add_api_route('/api/test-explode', explode)
    response = await user.http_client.get('/api/test-explode')
    assert response.status_code == 500
    body = response.json()
    assert body == {'error': 'Internal server error', 'requestId': response.headers['x-request-id']}
    assert 'internal detail' not in response.text
    assert any(body['requestId'] in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
    caplog.clear()  # the error was expected; the user fixture fails a test on unexpected ERROR logs


async def test_validation_errors_name_the_field_without_echoing_the_input(user: User):
    await admin_tokens(user.http_client)
    secret = 'S3cret!' * 200
    response = await user.http_client.post('/api/auth/login', json={'email': 'a@example.com', 'password': secret})
    assert response.status_code == 422
    assert response.json()['fields'][0]['field'] == 'password'
    assert 'S3cret!' not in response.text
    malformed = await user.http_client.post(
        '/api/auth/login', content=b'{not json', headers={'Content-Type': 'application/json'}
    )
    assert malformed.status_code == 422


async def test_no_password_or_token_reaches_the_logs(user: User, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    admin = await admin_tokens(user.http_client)
    operator = await signup(user.http_client, 'op@example.com')
    await user.http_client.post('/api/auth/refresh', json={'refreshToken': operator['refreshToken']})
    await user.http_client.get('/api/auth/me', headers=bearer(admin))
    await user.http_client.post('/api/auth/login', json={'email': 'op@example.com', 'password': 'wrong password'})
    await login(user.http_client, 'op@example.com')
    logged = '\n'.join(r.getMessage() for r in caplog.records)
    assert 'espaze.requests' in {r.name for r in caplog.records}
    for secret in (PASSWORD, 'wrong password', admin['accessToken'], operator['refreshToken'], operator['accessToken']):
        assert secret not in logged


async def test_openapi_describes_the_api_and_docs_are_served(user: User):
    schema = (await user.http_client.get('/openapi.json')).json()
    for path in (
        '/api/auth/register',
        '/api/auth/login',
        '/api/auth/refresh',
        '/api/auth/logout',
        '/api/auth/me',
        '/api/users',
        '/api/users/{user_id}',
        '/healthz',
        '/readyz',
    ):
        assert path in schema['paths'], path
    assert not any(path in schema['paths'] for path in ('/login', '/'))
    assert (await user.http_client.get('/docs')).status_code == 200


async def test_openapi_documents_the_error_answers_espaze_sends(user: User):
    schema = (await user.http_client.get('/openapi.json')).json()
    login = schema['paths']['/api/auth/login']['post']['responses']
    assert login['422']['content']['application/json']['schema'] == {'$ref': '#/components/schemas/Error'}
    assert 'Retry-After' in login['429']['headers'] and {'401', '404', '503'} <= set(login)
    assert 'HTTPValidationError' not in schema['components']['schemas']  # FastAPI's 422 shape is not what we send
    assert all(path.startswith('/api/') or path in ('/healthz', '/readyz') for path in schema['paths'])
    refused = (await user.http_client.post('/api/auth/login', json={'email': 'x'})).json()
    assert set(refused) <= set(schema['components']['schemas']['Error']['properties'])


async def test_a_405_lists_every_method_the_path_serves(user: User):
    answer = await user.http_client.request('OPTIONS', '/api/settings')
    assert answer.status_code == 405
    assert answer.headers['allow'] == 'GET, HEAD, PATCH'
