import base64
import json
from datetime import timedelta

import jwt
import pytest

from models.errors import Unauthorized
from services.tokens import TokenCodec

SECRET = 's' * 64


@pytest.fixture
def codec() -> TokenCodec:
    return TokenCodec(SECRET, timedelta(minutes=15), timedelta(days=14))


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b'=').decode()


def test_access_token_round_trip_carries_the_required_claims(codec: TokenCodec):
    claims = codec.decode(codec.encode('access', 'u1', codec.access_ttl, sid='s1'), 'access')
    assert claims['sub'] == 'u1' and claims['sid'] == 's1' and claims['typ'] == 'access'
    assert claims['iss'] == 'espaze' and claims['aud'] == 'espaze'
    assert claims['exp'] - claims['iat'] == 15 * 60


@pytest.mark.parametrize('typ', ['refresh', 'node'])
def test_token_types_are_not_interchangeable(codec: TokenCodec, typ: str):
    token = codec.encode(typ, 'u1', timedelta(minutes=5))
    with pytest.raises(Unauthorized):
        codec.decode(token, 'access')


@pytest.mark.parametrize('alg', ['none', 'None', 'NONE', 'nOnE'])
def test_unsigned_tokens_are_refused(codec: TokenCodec, alg: str):
    valid = jwt.decode(codec.encode('access', 'u1', codec.access_ttl), options={'verify_signature': False})
    forged = f'{_b64({"alg": alg, "typ": "JWT"})}.{_b64(valid)}.'
    with pytest.raises(Unauthorized):
        codec.decode(forged, 'access')


@pytest.mark.parametrize('algorithm', ['HS384', 'HS512'])
def test_other_hmac_algorithms_are_refused(codec: TokenCodec, algorithm: str):
    payload = jwt.decode(codec.encode('access', 'u1', codec.access_ttl), options={'verify_signature': False})
    with pytest.raises(Unauthorized):
        codec.decode(jwt.encode(payload, SECRET, algorithm=algorithm), 'access')


def test_wrong_key_expired_and_wrong_audience_are_refused(codec: TokenCodec):
    other = TokenCodec('o' * 40, timedelta(minutes=15), timedelta(days=1))
    with pytest.raises(Unauthorized):
        codec.decode(other.encode('access', 'u1', other.access_ttl), 'access')
    with pytest.raises(Unauthorized, match='expired'):
        codec.decode(codec.encode('access', 'u1', timedelta(seconds=-1)), 'access')
    payload = jwt.decode(codec.encode('access', 'u1', codec.access_ttl), options={'verify_signature': False})
    with pytest.raises(Unauthorized):
        codec.decode(jwt.encode({**payload, 'aud': 'someone-else'}, SECRET, algorithm='HS256'), 'access')
    with pytest.raises(Unauthorized):
        codec.decode(jwt.encode({**payload, 'iss': 'someone-else'}, SECRET, algorithm='HS256'), 'access')


def test_malformed_and_oversized_tokens_are_refused(codec: TokenCodec):
    for token in ['', 'abc', 'a.b.c', 'x' * 10_000]:
        with pytest.raises(Unauthorized):
            codec.decode(token, 'access')
