"""Calls to GitHub through PyGithub: off the event loop, bounded in time, retried only when it may help.

Every call runs a synchronous function on a PyGithub client in a worker thread and returns plain values.
GitHub's answers become Espaze errors here: 401 -> CredentialRejected, rate limits -> RateLimited (with the
time GitHub gives), 404 -> NotFound, 403 -> Forbidden; timeouts and 5xx are retried with backoff, then
UpstreamFailed. No message ever holds the credential.
"""

import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import requests
from cachetools import LRUCache
from github import Auth, Github, GithubException
from github.GithubException import BadCredentialsException, UnknownObjectException

from models.errors import EspazeError, Forbidden, NotFound, RateLimited, UpstreamFailed
from services.outbound import OutboundPolicy, Transient

T = TypeVar('T')
NOT_FOUND = 'Not found on GitHub, or the token has no access to it'
CLIENTS_KEPT = 256
logging.getLogger('github').setLevel(logging.WARNING)  # PyGithub's debug lines echo request bodies


class CredentialRejected(EspazeError):
    """GitHub answered 401: the token was revoked, expired or never valid."""


def rate_limit_reset(headers: dict[str, str], now: datetime) -> datetime | None:
    """When GitHub lets us call again, if these response headers say we are rate limited."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    retry_after = headers.get('retry-after', '')
    if retry_after.isdigit():
        return now + timedelta(seconds=int(retry_after))
    if headers.get('x-ratelimit-remaining') == '0':
        reset = headers.get('x-ratelimit-reset', '')
        return datetime.fromtimestamp(int(reset), UTC) if reset.isdigit() else now + timedelta(minutes=1)
    return None


def _mapped(error: Exception) -> Exception:
    if isinstance(error, BadCredentialsException):
        return CredentialRejected('GitHub refused the credential')
    if isinstance(error, GithubException):
        reset = rate_limit_reset(error.headers or {}, datetime.now(UTC)) if error.status in (403, 429) else None
        if reset is not None:
            return RateLimited(reset)
        if error.status == 401:
            return CredentialRejected('GitHub refused the credential')
        if isinstance(error, UnknownObjectException) or error.status == 404:
            return NotFound(NOT_FOUND)
        if error.status == 403:
            return Forbidden('GitHub refused: the token lacks the permission this needs (for example repo contents)')
        if error.status >= 500:
            return Transient(f'GitHub answered HTTP {error.status}')
        return UpstreamFailed(f'GitHub answered HTTP {error.status}')
    if isinstance(error, requests.Timeout | TimeoutError):
        return Transient('GitHub did not answer in time')
    if isinstance(error, requests.ConnectionError):
        return Transient('GitHub could not be reached')
    return error


class GitHubGateway:
    def __init__(self, base_url: str, timeout_seconds: float, attempts: int = 3, backoff_seconds: float = 0.5) -> None:
        self.base_url = base_url
        self._timeout = timeout_seconds
        self._policy = OutboundPolicy('GitHub', timeout_seconds * 3, attempts, backoff_seconds, '; try again shortly')
        self._clients: LRUCache[str, Github] = LRUCache(CLIENTS_KEPT)

    def _client(self, token: str | None) -> Github:
        key = hashlib.sha256(token.encode()).hexdigest() if token else ''
        client = self._clients.get(key)
        if client is None:
            client = Github(
                base_url=self.base_url,
                auth=Auth.Token(token) if token else None,
                timeout=max(1, round(self._timeout)),
                retry=None,
                per_page=100,
                seconds_between_requests=None,
                seconds_between_writes=None,
                lazy=True,
            )
            self._clients[key] = client
        return client

    def forget(self, token: str) -> None:
        """Drop the client kept for a token that was disconnected or refused."""
        self._clients.pop(hashlib.sha256(token.encode()).hexdigest(), None)

    async def call(self, token: str | None, work: Callable[[Github], T]) -> T:
        """Run `work` with a client for `token` (None: unauthenticated) in a thread, within the limits."""
        client = self._client(token)
        return await self._policy.call(lambda: work(client), _mapped)
