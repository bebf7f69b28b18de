"""Deployments as people see them: create, read (pages, pods, events, logs, releases), delete. What is done to
one that exists is in `operations`.

The owner or an admin may change a deployment; viewers read every deployment; anyone else gets NotFound, and
no cluster call is made for them.
"""

import dataclasses
import logging
from datetime import UTC, datetime

from models.accounts import User
from models.cluster import EventInfo, PodInfo
from models.deployments import Deployment, DeploymentPage, DeploymentRequest, Intent, Release, Status
from models.errors import Conflict, Forbidden, NotFound, ValidationFailed
from models.limits import Limit
from repositories.deployments import DeploymentRepository
from services.audit import AuditLog
from services.cluster.service import ClusterService
from services.deployments.engine import RolloutEngine
from services.deployments.hosts import HostClaims
from services.deployments.rules import check_registry_space, checked_request
from services.github.hooks import RepositoryHooks
from services.github.service import GitHubService
from services.infrastructure.rate_limits import RateLimiter
from services.infrastructure.secret_box import SecretBox

MAX_PAGE_SIZE = 100
log = logging.getLogger(__name__)


class DeploymentService:
    def __init__(
        self,
        *,
        deployments: DeploymentRepository,
        engine: RolloutEngine,
        cluster: ClusterService,
        github: GitHubService,
        box: SecretBox,
        max_replicas: int,
        audit: AuditLog,
        limiter: RateLimiter,
        operations_limit: Limit,
        hosts: HostClaims,
        hooks: RepositoryHooks,
    ) -> None:
        self._hosts = hosts
        self._hooks = hooks
        self._audit = audit
        self._limiter = limiter
        self._operations_limit = operations_limit
        self._deployments = deployments
        self.engine = engine
        self._cluster = cluster
        self._github = github
        self._box = box
        self.max_replicas = max_replicas

    async def ensure_indexes(self) -> None:
        await self._deployments.ensure_indexes()
        if await self._hosts.is_unclaimed():
            for host in await self._hosts.backfill(await self._deployments.public_names()):
                log.warning('%s is the host of two deployments; only the first keeps it: rename the others', host)

    async def readable(self, user: User, deployment_id: str) -> Deployment:
        found = await self._deployments.get(deployment_id)
        if found is None or not found.readable_by(user):
            raise NotFound('No such deployment')
        return found

    async def changeable(self, user: User, deployment_id: str) -> Deployment:
        """The deployment if the user may change it now (owner or admin, within the operations rate limit)."""
        found = await self.readable(user, deployment_id)
        await self._limiter.take(self._operations_limit, user.id)
        if not found.changeable_by(user):
            raise Forbidden('Only its owner or an admin can change this deployment')
        if found.status == Status.DELETED:
            raise Conflict('This deployment was deleted; its record is kept as history')
        return found

    async def create(self, user: User, request: DeploymentRequest) -> Deployment:
        """Check everything, then record it as `pending` with release #1; the engine does the rest."""
        if not user.can_manage:
            raise Forbidden('Viewers cannot deploy')
        checked_request(request, self.max_replicas, self._hosts.apps_domain)
        check_registry_space(self.engine.registry, user.id, request.image)
        commit_sha = None
        if request.image is None:
            check = await self._github.dockerfile(user, request.github_repo, request.branch, request.dockerfile_path)
            if not check.exists:
                raise ValidationFailed(
                    'configuration.dockerfilePath',
                    f'{check.reason}: add one, or give a prebuilt image to skip the build',
                )
            commit_sha = check.ref
        hooked = request.configuration().hears_github
        if hooked:
            await self._hooks.ensure(user, request.github_repo)
        sealed = {name: self._box.seal(value) for name, value in request.secret_env.items()}
        try:
            return await self.store_new(user, request, commit_sha, sealed, 'deploy', 'First deploy')
        except Exception:  # not created: a hook made for it alone goes
            if hooked:
                await self.unhook_if_unused(request.github_repo)
            raise

    async def store_new(
        self,
        user: User,
        request: DeploymentRequest,
        commit_sha: str | None,
        sealed: dict[str, bytes],
        kind: str,
        note: str,
        *,
        preview_of: Deployment | None = None,
        pull_request: int | None = None,
    ) -> Deployment:
        """Record a checked request as `pending` with release #1 (its host claimed); the engine does the rest."""
        claimed = await self._hosts.claim(user.id, request.name) if request.public else False
        domains = []
        try:
            domains = await self._hosts.claim_domains(user.id, request.name, set(request.domains))
            new = Deployment.new(user.id, request, commit_sha, datetime.now(UTC))
            new = dataclasses.replace(new, preview_of=preview_of.id if preview_of else None, pull_request=pull_request)
            first = Intent(kind, note, commit_sha, request.image, new.configuration, sealed, user.email)
            deployment = await self._deployments.create(new, first)
        except Conflict:
            if claimed:
                await self._hosts.release(user.id, request.name)
            await self._hosts.release_domains(user.id, request.name, set(domains))
            raise
        await self._audit.record(user, f'deployment.{kind}', deployment.id, name=deployment.name, note=note)
        return deployment

    async def page(
        self, user: User, status: Status | None, text: str | None, page: int, page_size: int
    ) -> DeploymentPage:
        if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValidationFailed('page', f'page from 1, pageSize from 1 to {MAX_PAGE_SIZE}')
        return await self._deployments.page(
            user.readable_owner, status, (text or '').strip()[:100] or None, page, page_size
        )

    async def counts(self, user: User) -> dict[str, int]:
        """Deployments by status: yours, or all of them for admins and viewers."""
        return await self._deployments.counts(user.readable_owner)

    async def own_ids(self, user: User, deployment_ids: set[str]) -> set[str]:
        """Which of these deployments the user may read."""
        if user.reads_everything:
            return set(deployment_ids)
        return await self._deployments.owned_among(user.id, deployment_ids)

    async def unhook_if_unused(self, github_repo: str) -> None:
        """The repository's webhook goes when no live deployment of it deploys on push any more."""
        if not any(d.configuration.hears_github for d in await self._deployments.watching(github_repo)):
            await self._hooks.remove(github_repo)

    async def delete(self, user: User, deployment_id: str) -> None:
        """Remove its cluster objects (and its previews'); the record stays as history."""
        await self.remove(user, await self.changeable(user, deployment_id))

    async def remove(self, actor: User, found: Deployment) -> None:
        for preview in await self._deployments.previews_of(found.id):
            await self.remove(actor, preview)
        await self._cluster.delete_deployment(found.namespace, found.id)
        await self._deployments.transition(found.id, found.status, Status.DELETED, 'Deleted', deleted=True)
        await self._hosts.release(found.owner_id, found.name)
        await self._hosts.release_domains(found.owner_id, found.name, set(found.configuration.domains))
        await self._audit.record(actor, 'deployment.delete', found.id, name=found.name)
        if found.configuration.hears_github:
            await self.unhook_if_unused(found.github_repo)

    async def releases(self, user: User, deployment_id: str) -> tuple[Deployment, list[Release]]:
        """The deployment as it is now, with its releases, newest first."""
        found = await self.readable(user, deployment_id)
        return found, await self._deployments.releases(found.id)

    async def pods(self, user: User, deployment_id: str) -> list[PodInfo]:
        found = await self.readable(user, deployment_id)
        return await self._cluster.reads.live_pods(found.namespace, found.id)

    async def events(self, user: User, deployment_id: str) -> list[EventInfo]:
        found = await self.readable(user, deployment_id)
        return await self._cluster.reads.events(found.namespace, {found.name})

    async def logs(self, user: User, deployment_id: str, pod: str | None, tail: int) -> str:
        """An app pod's log (the first pod when none is named), or the build's while it builds or failed building."""
        found = await self.readable(user, deployment_id)
        if not 1 <= tail <= 5000:
            raise ValidationFailed('tail', 'must be between 1 and 5000')
        pods = await self._cluster.reads.live_pods(found.namespace, found.id)
        if pod is None and not pods and found.build_job:
            return await self._cluster.build_logs(found.build_job, tail)
        names = [p.name for p in pods]
        chosen = pod or (names[0] if names else None)
        if chosen is None or chosen not in names:
            raise NotFound('No such pod in this deployment')
        return await self._cluster.reads.live_logs(found.namespace, chosen, tail)

    async def build_logs(self, user: User, deployment_id: str, tail: int = 500) -> str:
        found = await self.readable(user, deployment_id)
        return await self._cluster.build_logs(found.build_job, tail) if found.build_job else ''
