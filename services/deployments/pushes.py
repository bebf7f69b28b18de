"""Push to deploy: GitHub's webhook deliveries checked, recorded once, answered at once and acted on after.

A push to a watched branch redeploys exactly its `after` commit; tags, deleted branches, other branches, pushes
that touch no watched path and pushes already overtaken by a newer head are ignored, each with its reason.
"""

import asyncio
import fnmatch
import json
import logging
from datetime import UTC, datetime, timedelta

from models.deployments import Deployment
from models.errors import Conflict, EspazeError, Unauthorized, ValidationFailed
from models.github import Delivery, DeliveryOutcome, PullRequestEvent, RepositoryHook
from models.limits import Limit
from repositories.deployment_documents import repo_key
from repositories.deployments import DeploymentRepository
from repositories.github_hooks import GitHubHookRepository
from services.accounts import AccountService
from services.deployments.operations import DeploymentOperations
from services.deployments.previews import Previews
from services.github.hooks import RepositoryHooks
from services.github.names import SHA
from services.github.service import GitHubService
from services.infrastructure.rate_limits import RateLimiter

log = logging.getLogger(__name__)
ZERO_SHA = '0' * 40
LOST_AFTER_SECONDS = 300
LOST = "Espaze stopped before acting on it: redeliver it from the hook's page on GitHub"
MAX_ID = 100


def _changed_files(payload: dict) -> set[str]:
    files: set[str] = set()
    for commit in payload.get('commits') or []:
        for kind in ('added', 'modified', 'removed'):
            files.update(str(path) for path in commit.get(kind) or [])
    return files


def _pull_request(payload: dict) -> PullRequestEvent | None:
    """The pull request a delivery is about, or None when it does not read as one."""
    pull = payload.get('pull_request')
    if not isinstance(pull, dict):
        return None
    head, base = pull.get('head') or {}, pull.get('base') or {}
    head_repo = str(((head.get('repo') or {}).get('full_name')) or '')  # None when the fork was deleted
    base_repo = str(((base.get('repo') or {}).get('full_name')) or '')
    sha, number = str(head.get('sha') or ''), payload.get('number', pull.get('number'))
    if not SHA.fullmatch(sha) or not isinstance(number, int) or not base.get('ref'):
        return None
    return PullRequestEvent(
        action=str(payload.get('action') or '')[:40],
        number=number,
        head_sha=sha,
        base_ref=str(base['ref'])[:255],
        from_fork=not head_repo or repo_key(head_repo) != repo_key(base_repo),
        author=str((pull.get('user') or {}).get('login') or 'someone')[:100],
    )


def _watched(patterns: tuple[str, ...], files: set[str]) -> bool:
    return any(fnmatch.fnmatchcase(path, pattern) for path in files for pattern in patterns)


class PushDeploys:
    def __init__(
        self,
        *,
        hooks: RepositoryHooks,
        records: GitHubHookRepository,
        deployments: DeploymentRepository,
        operations: DeploymentOperations,
        accounts: AccountService,
        github: GitHubService,
        limiter: RateLimiter,
        deliveries_limit: Limit,
        previews: Previews,
    ) -> None:
        self._previews = previews
        self._limiter = limiter
        self._deliveries_limit = deliveries_limit
        self._hooks = hooks
        self._records = records
        self._deployments = deployments
        self._operations = operations
        self._accounts = accounts
        self._github = github
        self._working: set[asyncio.Task] = set()

    async def receive(
        self, address: str, event: str, delivery_id: str, hook_id: str | None, signature: str | None, body: bytes
    ) -> tuple[int, dict]:
        """Check and record a delivery; returns (status code, answer). The work itself happens afterwards."""
        await self._limiter.take(self._deliveries_limit, address)
        now = datetime.now(UTC)
        event, delivery_id = event[:MAX_ID], delivery_id[:MAX_ID]
        hook, signed = await self._hooks.signer(hook_id, body, signature)
        if hook is None or not signed:
            note = 'Signature did not match: ignored' if hook else 'Unknown hook: ignored'
            await self._records.received(
                Delivery(
                    delivery_id,
                    event,
                    hook.hook_id if hook else None,
                    hook.repo_key if hook else None,
                    False,
                    now,
                    state='done',
                    note=note,
                )
            )
            raise Unauthorized('The X-Hub-Signature-256 signature does not match this hook')
        if not delivery_id:
            raise ValidationFailed('X-GitHub-Delivery', 'is missing: GitHub names every delivery')
        try:
            payload = json.loads(body)
        except ValueError:
            raise ValidationFailed('body', 'is not JSON') from None
        if not isinstance(payload, dict):
            raise ValidationFailed('body', 'is not a JSON object')
        ref, after = str(payload.get('ref') or '')[:300], str(payload.get('after') or '')[:40] or None
        delivery = Delivery(delivery_id, event, hook.hook_id, hook.repo_key, True, now, ref or None, after)
        if not await self._records.received(delivery):
            return 200, {'status': 'duplicate', 'detail': 'This delivery was received before: ignored'}
        if event == 'ping':
            await self._records.finished(delivery_id, 'Ping: the hook reaches Espaze', [])
            return 200, {'status': 'pong'}
        task = asyncio.create_task(self._act(hook, delivery, event, payload))
        self._working.add(task)
        task.add_done_callback(self._working.discard)
        return 202, {'status': 'accepted'}

    async def deliveries(self, found: Deployment) -> list[tuple[Delivery, DeliveryOutcome | None]]:
        """The newest deliveries to its repository's hook, each with what came of it for this deployment."""
        return [(d, d.outcome_for(found.id)) for d in await self._records.recent(repo_key(found.github_repo))]

    async def sweep_lost(self) -> int:
        """Deliveries a stopped process never acted on are marked lost (GitHub can redeliver them)."""
        before = datetime.now(UTC) - timedelta(seconds=LOST_AFTER_SECONDS)
        return await self._records.give_up_queued(before, LOST)

    async def settled(self) -> None:
        """Wait for the deliveries being acted on (tests, shutdown)."""
        while self._working:
            await asyncio.gather(*list(self._working), return_exceptions=True)

    async def _act(self, hook: RepositoryHook, delivery: Delivery, event: str, payload: dict) -> None:
        try:
            note, outcomes = await self._outcomes(hook, event, payload)
        except Exception:  # never lost silently: the delivery says it failed
            log.exception('delivery %s could not be handled', delivery.delivery_id)
            note, outcomes = 'Espaze could not handle this delivery (see its log)', []
        await self._records.finished(delivery.delivery_id, note, outcomes)

    async def _outcomes(self, hook: RepositoryHook, event: str, payload: dict) -> tuple[str, list[DeliveryOutcome]]:
        repository = str((payload.get('repository') or {}).get('full_name') or '')
        if repo_key(repository) != hook.repo_key:
            return f'Names {repository[:100]!r}, not the repository of its hook: ignored', []
        deployments = await self._deployments.watching(repository)
        if event == 'pull_request':
            return await self._pull_request(deployments, payload)
        if event != 'push':
            return f'{event[:40]} events do not deploy', []
        ref, after = str(payload.get('ref') or ''), str(payload.get('after') or '')
        if not ref.startswith('refs/heads/'):
            return self._all_ignored(deployments, f'{ref[:100]} is not a branch')
        if payload.get('deleted') or after == ZERO_SHA:
            return self._all_ignored(deployments, f'{ref[:100]} was deleted: nothing to deploy')
        branch, files = ref.removeprefix('refs/heads/'), _changed_files(payload)
        outcomes = [await self._push(d, branch, after, files, payload) for d in deployments]
        return f'Push of {after[:7]} to {branch[:100]}', outcomes

    async def _pull_request(self, deployments: list[Deployment], payload: dict) -> tuple[str, list[DeliveryOutcome]]:
        pull = _pull_request(payload)
        if pull is None:
            return 'Not a pull request Espaze can read: ignored', []
        outcomes = []
        for parent in deployments:
            owner = await self._accounts.enabled_user(parent.owner_id)
            if owner is None:
                outcomes.append(DeliveryOutcome(parent.id, 'ignored', 'Its owner is disabled'))
                continue
            outcomes.append(await self._previews.handle(owner, parent, pull))
        return f'Pull request #{pull.number} {pull.action}', outcomes

    def _all_ignored(self, deployments: list[Deployment], reason: str) -> tuple[str, list[DeliveryOutcome]]:
        return f'{reason}: ignored', [DeliveryOutcome(d.id, 'ignored', reason) for d in deployments]

    async def _push(self, found: Deployment, branch: str, after: str, files: set[str], payload: dict):
        def ignored(reason: str) -> DeliveryOutcome:
            return DeliveryOutcome(found.id, 'ignored', reason)

        config = found.configuration
        if not config.auto_deploy:
            return ignored('Auto-deploy is off')
        if found.branch != branch:
            return ignored(f'It deploys {found.branch[:100]}, not {branch[:100]}')
        if found.commit_sha == after:
            return ignored(f'Already at {after[:7]}')
        if config.watch_paths and files and not _watched(config.watch_paths, files):
            return ignored('No changed file matches its watch paths')
        owner = await self._accounts.enabled_user(found.owner_id)
        if owner is None:
            return ignored('Its owner is disabled')
        try:
            head = await self._github.branch_sha(owner, found.github_repo, branch)
        except EspazeError as error:
            log.warning(
                'deployment %s: the head of %s could not be read (%s); deploying the push', found.id, branch, error
            )
            head = after
        if head != after:
            return ignored(f'{branch[:100]} is at {head[:7]} now: a newer push deploys it')
        pusher = str((payload.get('pusher') or {}).get('name') or 'someone')[:100]
        for _ in range(3):
            try:
                moved = await self._operations.deploy_commit(
                    owner, found, after, 'push', f'Push of {after[:7]} to {branch}', f'github:{pusher}'
                )
            except Conflict:  # changed meanwhile: read it again and try again, a few times
                found = await self._deployments.get(found.id) or found
                continue
            return DeliveryOutcome(found.id, 'deployed', f'Release #{moved.release} from {after[:7]}')
        return ignored('It kept changing meanwhile: push again or redeploy')
