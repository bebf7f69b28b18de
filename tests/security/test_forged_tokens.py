"""Forged and misplaced tokens against the API: each is a 401, whatever it claims."""

import base64
import json
import time

import jwt
import pytest
from nicegui.testing import User

from tests.support.api_helpers import admin_tokens, started


def _b64(part: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b'=').decode()


def _claims(token: str) -> dict:
    return jwt.decode(token, options={'verify_signature': False})


async def test_forged_access_tokens_are_refused(user: User):
    tokens = await admin_tokens(user.http_client)
    claims = _claims(tokens['accessToken'])
    secret = (await started()).auth._tokens._secret  # signed with the right key, and still refused below
    forged = [f'{_b64({"alg": alg, "typ": "JWT"})}.{_b64(claims)}.' for alg in ('none', 'None', 'NONE', 'nOnE')]
    forged += [jwt.encode(claims, 'not the key but long enough for hmac' * 2, algorithm='HS256')]
    forged += [tokens['refreshToken']]  # the wrong type
    forged += [jwt.encode({**claims, 'nbf': int(time.time()) + 3600}, secret, algorithm='HS256')]  # not yet valid
    forged += [jwt.encode(claims, secret, algorithm='HS512')]  # another algorithm, even with the right key
    forged += [jwt.encode({**claims, 'exp': int(time.time()) - 5}, secret, algorithm='HS256')]
    forged += [jwt.encode({**claims, 'aud': 'elsewhere'}, secret, algorithm='HS256')]
    forged += [jwt.encode({**claims, 'iss': 'elsewhere'}, secret, algorithm='HS256')]
    forged += [jwt.encode({**claims, 'typ': 'node'}, secret, algorithm='HS256')]
    forged += ['x' * 20_000, tokens['accessToken'] + 'x', tokens['accessToken'][:-5]]
    for token in forged:
        response = await user.http_client.get('/api/auth/me', headers={'Authorization': f'Bearer {token}'})
        assert response.status_code == 401, token[:60]
    assert (
        await user.http_client.get('/api/auth/me', headers={'Authorization': f'Bearer {tokens["accessToken"]}'})
    ).status_code == 200


@pytest.mark.parametrize('name', ['access_token', 'token', 'accessToken', 'authorization'])
async def test_a_token_in_the_query_string_is_not_accepted(name: str, user: User):
    tokens = await admin_tokens(user.http_client)
    response = await user.http_client.get(f'/api/auth/me?{name}={tokens["accessToken"]}')
    assert response.status_code == 401
