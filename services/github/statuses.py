"""Commit statuses: each build and rollout reported on its commit through the owner's GitHub connection
(`espaze/<name>`: pending, success, failure or error), in order, retried a few times, never holding up a deploy."""

import logging
from datetime import UTC, datetime, timedelta

from models.deployments import Deployment, Status
from models.errors import EspazeError
from repositories.commit_statuses import CommitStatusRepository
from services.accounts import AccountService
from services.github import calls
from services.github.service import GitHubService

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
FIRST_RETRY_SECONDS = 2
DESCRIPTION_LENGTH = 140  # GitHub's limit


def github_state(status: Status, refused: bool) -> str | None:
    """The commit status a deployment's status is reported as (None: not reported)."""
    if status in (Status.PENDING, Status.BUILDING, Status.DEPLOYING):
        return 'pending'
    if status == Status.RUNNING:
        return 'success'
    if status == Status.FAILED:
        return 'error' if refused else 'failure'
    return None


class CommitStatuses:
    def __init__(
        self,
        *,
        statuses: CommitStatusRepository,
        github: GitHubService,
        accounts: AccountService,
        public_url: str,
    ) -> None:
        self._statuses = statuses
        self._github = github
        self._accounts = accounts
        self._public_url = public_url.rstrip('/')

    async def ensure_indexes(self) -> None:
        await self._statuses.ensure_indexes()

    async def report(self, deployment: Deployment, status: Status, reason: str, refused: bool = False) -> None:
        """Queue the status of a deployment built from a commit (prebuilt images have none to report on)."""
        state = github_state(status, refused)
        if state is None or not deployment.commit_sha or deployment.configuration.image:
            return
        body = {
            'state': state,
            'description': reason if len(reason) <= DESCRIPTION_LENGTH else reason[: DESCRIPTION_LENGTH - 1] + '…',
            'context': f'espaze/{deployment.name}',
            'target_url': f'{self._public_url}/deployments/{deployment.id}',
        }
        try:
            await self._statuses.add(
                deployment.id,
                deployment.owner_id,
                deployment.github_repo,
                deployment.commit_sha,
                body,
                datetime.now(UTC),
            )
        except Exception as error:  # a report never fails the deploy it describes
            log.warning('deployment %s: its commit status could not be queued: %s', deployment.id, error)

    async def send_due(self) -> int:
        """Send what is due, oldest first; a status waiting for a retry holds back the later ones of its deployment."""
        now, sent = datetime.now(UTC), 0
        held: set[str] = set()
        for pending in await self._statuses.outstanding():
            if pending.deployment_id in held:
                continue
            if pending.next_at.replace(tzinfo=UTC) > now:
                held.add(pending.deployment_id)
                continue
            owner = await self._accounts.enabled_user(pending.owner_id)
            try:
                if owner is None:
                    raise EspazeError('the owner is disabled')
                await self._github.act(
                    owner, lambda gh, p=pending: calls.create_status(gh, p.github_repo, p.sha, p.body)
                )
            except EspazeError as error:
                attempts = pending.attempts + 1
                retry = (
                    timedelta(seconds=FIRST_RETRY_SECONDS * 2 ** (attempts - 1)) if attempts < MAX_ATTEMPTS else None
                )
                await self._statuses.failed(pending.id, str(error), retry, now)
                log.warning('commit status for %s not sent (attempt %d): %s', pending.sha[:7], attempts, error)
                if retry is not None:
                    held.add(pending.deployment_id)
                continue
            await self._statuses.sent(pending.id, now)
            sent += 1
        return sent
