"""JSON Web Tokens: HS256 only, with typed purposes that are never interchangeable."""

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt

from models.errors import Unauthorized

ALGORITHM = 'HS256'
ISSUER = 'espaze'
AUDIENCE = 'espaze'
MAX_TOKEN_CHARS = 4096
TokenType = Literal['access', 'refresh', 'node']


def token_hash(token: str) -> str:
    """What Espaze stores instead of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_opaque_token() -> str:
    """A random URL-safe token with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


class TokenCodec:
    def __init__(self, secret: str, access_ttl: timedelta, refresh_ttl: timedelta) -> None:
        self._secret = secret
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl

    def encode(self, typ: TokenType, subject: str, ttl: timedelta, **claims: Any) -> str:
        """Sign a token of one purpose for one subject."""
        now = datetime.now(UTC)
        payload = {
            'sub': subject,
            'iat': now,
            'nbf': now,
            'exp': now + ttl,
            'typ': typ,
            'iss': ISSUER,
            'aud': AUDIENCE,
            'jti': uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM)

    def decode(self, token: str, typ: TokenType) -> dict[str, Any]:
        """The claims of a valid token of this purpose; anything else raises Unauthorized."""
        if len(token) > MAX_TOKEN_CHARS:
            raise Unauthorized('Invalid token')
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={'require': ['sub', 'iat', 'exp', 'typ', 'iss', 'aud', 'jti']},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized('Token expired') from None
        except jwt.PyJWTError:
            raise Unauthorized('Invalid token') from None
        if claims.get('typ') != typ or not isinstance(claims.get('sub'), str):
            raise Unauthorized('Invalid token')
        return claims
