"""The repository webhooks behind push to deploy: one per repository, made through the GitHub connection of the
first owner who turns auto-deploy on, with a random secret sealed at rest; removed when nothing deploys on push."""

import hashlib
import hmac
import ipaddress
import logging
import secrets
import urllib.parse
from datetime import UTC, datetime

from models.accounts import User
from models.errors import Conflict, EspazeError, NotFound
from models.github import RepositoryHook
from repositories.deployment_documents import repo_key
from repositories.github_hooks import GitHubHookRepository
from services.accounts import AccountService
from services.github import calls
from services.github.service import GitHubService
from services.infrastructure.secret_box import SecretBox, Unreadable

DELIVERIES_PATH = '/api/github/webhooks'
log = logging.getLogger(__name__)


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    """GitHub's `X-Hub-Signature-256`: `sha256=` and the hex HMAC-SHA256 of the raw body, compared in constant time."""
    expected = 'sha256=' + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), (header or '').encode())


def unreachable_because(url: str) -> str | None:
    """Why GitHub cannot reach this address (a loopback or private host), or None."""
    host = urllib.parse.urlsplit(url).hostname or ''
    if host == 'localhost' or host.endswith('.localhost'):
        return f'{host} is this machine only'
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if address.is_loopback:
        return f'{host} is this machine only'
    if address.is_private or address.is_link_local:
        return f'{host} is a private address'
    return None


class RepositoryHooks:
    def __init__(
        self,
        *,
        hooks: GitHubHookRepository,
        github: GitHubService,
        accounts: AccountService,
        box: SecretBox,
        public_url: str,
    ) -> None:
        self._hooks = hooks
        self._github = github
        self._accounts = accounts
        self._box = box
        self.url = public_url.rstrip('/') + DELIVERIES_PATH

    async def ensure_indexes(self) -> None:
        await self._hooks.ensure_indexes()

    @property
    def warning(self) -> str | None:
        """What to say next to the auto-deploy switch when GitHub cannot reach Espaze's public address."""
        why = unreachable_because(self.url)
        if why is None:
            return None
        return (
            f'GitHub cannot reach {self.url} ({why}). The webhook is made anyway: put a tunnel or proxy in front '
            'and set ESPAZE_PUBLIC_URL to its address.'
        )

    async def ensure(self, user: User, github_repo: str) -> RepositoryHook:
        """The repository's hook, made now through the user's connection if it has none."""
        key = repo_key(github_repo)
        found = await self._hooks.hook(key)
        if found is not None:
            return found
        secret = secrets.token_hex(32)
        try:
            hook_id = await self._github.act(user, lambda gh: calls.create_hook(gh, github_repo, self.url, secret))
        except NotFound:
            raise Conflict(
                f'GitHub did not let your account add a webhook to {github_repo}: it needs admin rights on it'
            ) from None
        hook = RepositoryHook(key, github_repo, hook_id, user.id, datetime.now(UTC))
        if not await self._hooks.save(hook, self._box.seal(secret)):  # another request made one meanwhile
            await self._github.act(user, lambda gh: calls.delete_hook(gh, github_repo, hook_id))
            return await self._hooks.hook(key) or hook
        log.info('webhook %s made on %s', hook_id, github_repo)
        return hook

    async def remove(self, github_repo: str) -> None:
        """Remove the repository's hook from GitHub (through its maker's connection) and forget it."""
        hook = await self._hooks.hook(repo_key(github_repo))
        if hook is None:
            return
        maker = await self._accounts.enabled_user(hook.owner_id)
        if maker is not None:
            try:
                await self._github.act(maker, lambda gh: calls.delete_hook(gh, hook.github_repo, hook.hook_id))
            except EspazeError as error:  # GitHub keeps an orphan hook; its deliveries will be refused
                log.warning('webhook %s on %s could not be removed: %s', hook.hook_id, hook.github_repo, error)
        await self._hooks.remove(hook.repo_key)

    async def disconnect(self, user: User) -> None:
        """Forget the user's GitHub connection, once the hooks it made are removed from GitHub."""
        for hook in await self._hooks.made_by(user.id):
            await self.remove(hook.github_repo)
        await self._github.connections.disconnect(user)

    async def signer(
        self, hook_id: str | None, body: bytes, signature: str | None
    ) -> tuple[RepositoryHook | None, bool]:
        """The hook a delivery names (None if unknown), and whether its secret signed this body."""
        found = await self._hooks.secret(int(hook_id)) if hook_id and hook_id.isdigit() and len(hook_id) < 20 else None
        if found is None:
            return None, False
        hook, sealed = found
        try:
            secret, _ = self._box.open(sealed)
        except Unreadable:
            return hook, False
        return hook, signature_matches(secret, body, signature)
