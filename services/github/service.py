"""Browsing GitHub for a user: repositories, search, branches, commits, exact branch SHAs and Dockerfiles.

Lists are cached per user for a short time to spare the rate limit; once GitHub says the limit is reached,
no call is made for that user until the time GitHub gave. Calls that reach GitHub count against the user's
`ESPAZE_GITHUB_LOOKUPS_PER_MINUTE`.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from cachetools import TTLCache
from github import Github

from models.accounts import User
from models.errors import Conflict, RateLimited, ValidationFailed
from models.github import Branch, Commit, DockerfileCheck, Repository, RepositoryPage
from models.limits import Limit
from services.github import calls
from services.github.client import CredentialRejected, GitHubGateway
from services.github.connection import GitHubConnections
from services.github.names import branch_name, file_path, git_ref, repository_name
from services.infrastructure.rate_limits import RateLimiter

T = TypeVar('T')
PAGE_SIZE = 30
MAX_QUERY = 256
CACHED_ENTRIES = 10_000


def _query(text: str | None) -> str:
    text = (text or '').strip()
    if len(text) > MAX_QUERY or any(ord(c) < 32 for c in text):
        raise ValidationFailed('q', f'must be at most {MAX_QUERY} printable characters')
    return text


class GitHubService:
    def __init__(
        self,
        *,
        connections: GitHubConnections,
        gateway: GitHubGateway,
        cache_seconds: float,
        limiter: RateLimiter,
        lookups_limit: Limit,
    ) -> None:
        self.connections = connections
        self._gateway = gateway
        self._limiter = limiter
        self._lookups_limit = lookups_limit
        self._cache: TTLCache | None = TTLCache(CACHED_ENTRIES, cache_seconds) if cache_seconds > 0 else None
        self._blocked_until: dict[str, datetime] = {}

    async def ensure_indexes(self) -> None:
        await self.connections.ensure_indexes()

    async def _call(self, user: User, work: Callable[[Github], T], cache_key: tuple | None = None) -> T:
        credential = await self.connections.credential(user)
        who = credential.owner_id if credential.token else ''
        key = (who, self.connections.generations.get(who, 0), *cache_key) if cache_key else None
        if key is not None and self._cache is not None and key in self._cache:
            return self._cache[key]
        blocked = self._blocked_until.get(who)
        if blocked is not None and blocked > datetime.now(UTC):
            raise _limited(blocked, who)
        await self._limiter.take(self._lookups_limit, user.id)  # only calls that reach GitHub count
        try:
            result = await self._gateway.call(credential.token, work)
        except CredentialRejected:
            raise await self.connections.rejected(credential) from None
        except RateLimited as limited:
            self._blocked_until[who] = limited.resets_at
            if who:
                raise
            raise _limited(limited.resets_at, who) from None
        if key is not None and self._cache is not None:
            self._cache[key] = result
        return result

    async def act(self, user: User, work: Callable[[Github], T]) -> T:
        """A change made on GitHub with the user's connection (never cached)."""
        return await self._call(user, work)

    async def authenticated(self, user: User) -> bool:
        return (await self.connections.credential(user)).token is not None

    async def repositories(self, user: User, query: str | None = None, page: int = 1) -> RepositoryPage:
        """The user's own repositories, newest first, optionally filtered by name, `PAGE_SIZE` a page."""
        if page < 1 or page > 1000:
            raise ValidationFailed('page', 'must be between 1 and 1000')
        text = _query(query).lower()
        if not await self.authenticated(user):
            raise Conflict('Link a GitHub account to list your repositories; public ones can be searched without')
        everything = await self._call(user, calls.own_repositories, ('repos',))
        matching = [r for r in everything if text in r.full_name.lower()] if text else everything
        start = (page - 1) * PAGE_SIZE
        return RepositoryPage(matching[start : start + PAGE_SIZE], page, len(matching) > start + PAGE_SIZE)

    async def search(self, user: User, query: str) -> list[Repository]:
        """GitHub's repository search (`GET /search/repositories`)."""
        text = _query(query)
        if not text:
            raise ValidationFailed('q', 'must not be empty')
        return await self._call(user, lambda gh: calls.search_repositories(gh, text), ('search', text))

    async def repository(self, user: User, full_name: str) -> Repository:
        name = '/'.join(repository_name(full_name))
        return await self._call(user, lambda gh: calls.repository(gh, name), ('repo', name))

    async def branches(self, user: User, full_name: str) -> list[Branch]:
        name = '/'.join(repository_name(full_name))
        return await self._call(user, lambda gh: calls.branches(gh, name), ('branches', name))

    async def commits(self, user: User, full_name: str, branch: str) -> list[Commit]:
        name, branch = '/'.join(repository_name(full_name)), branch_name(branch)
        return await self._call(user, lambda gh: calls.commits(gh, name, branch), ('commits', name, branch))

    async def branch_sha(self, user: User, full_name: str, branch: str) -> str:
        """The exact commit a branch points at now (never cached: a deployment builds exactly this)."""
        name, branch = '/'.join(repository_name(full_name)), branch_name(branch)
        return await self._call(user, lambda gh: calls.branch_sha(gh, name, branch))

    async def dockerfile(self, user: User, full_name: str, ref: str, path: str = 'Dockerfile') -> DockerfileCheck:
        """Whether `path` is a file at `ref` (a branch, resolved to its commit first, or a commit SHA)."""
        name, ref, path = '/'.join(repository_name(full_name)), git_ref(ref), file_path(path)
        sha = ref if calls.SHA.fullmatch(ref) else await self.branch_sha(user, name, ref)
        return await self._call(user, lambda gh: calls.dockerfile(gh, name, sha, path), ('dockerfile', name, sha, path))


def _limited(resets_at: datetime, who: str) -> RateLimited:
    """GitHub's limit, with what to do about it when it is the small one for unauthenticated reads."""
    if who:
        return RateLimited(resets_at)
    return RateLimited(
        resets_at,
        f"GitHub's limit for reads without an account (60 an hour from this server) is reached until "
        f'{resets_at:%H:%M} UTC. Link a GitHub account in Settings to read with your own limit.',
    )
