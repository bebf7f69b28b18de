"""What people do to a deployment that exists: scale, reconfigure, start, restart, redeploy, deploy a commit, roll
back, cancel. Each is a new release (the newest intent wins), accepted whatever the deployment is doing."""

import dataclasses

from models.accounts import User
from models.deployments import IN_FLIGHT, Configuration, Deployment, Intent, Release, Status
from models.errors import Conflict, NotFound, ValidationFailed
from repositories.deployments import DeploymentRepository
from services.audit import AuditLog
from services.cluster.service import ClusterService
from services.deployments.engine import RolloutEngine
from services.deployments.hosts import HostClaims
from services.deployments.rules import check_registry_space, checked_request
from services.deployments.service import DeploymentService
from services.github.hooks import RepositoryHooks
from services.github.service import GitHubService
from services.infrastructure.secret_box import SecretBox

RACED = 'Someone changed this deployment at the same moment: reload it and try again'


class DeploymentOperations:
    def __init__(
        self,
        *,
        service: DeploymentService,
        deployments: DeploymentRepository,
        engine: RolloutEngine,
        cluster: ClusterService,
        github: GitHubService,
        box: SecretBox,
        audit: AuditLog,
        hosts: HostClaims,
        hooks: RepositoryHooks,
    ) -> None:
        self._service = service
        self._deployments = deployments
        self._engine = engine
        self._cluster = cluster
        self._github = github
        self._box = box
        self._audit = audit
        self._hosts = hosts
        self._hooks = hooks

    async def _retarget(self, user: User, found: Deployment, intent: Intent) -> Deployment:
        """Make `intent` the next release. The newest intent wins: a build it no longer needs is stopped, and an
        image it already has is applied at once (the engine then watches it become ready)."""
        keeps_build = found.status == Status.BUILDING and intent.image is None and intent.commit_sha == found.commit_sha
        if keeps_build:
            status, reason, job = Status.BUILDING, f'{intent.note}; its build goes on', found.build_job
        else:
            status, reason, job = Status.PENDING, intent.note, None
        moved = await self._deployments.retarget(found, intent, status, reason, job)
        if moved is None:
            raise Conflict(RACED)
        await self._audit.record(user, f'deployment.{intent.kind}', found.id, name=found.name, note=intent.note)
        if found.status == Status.BUILDING and found.build_job and not keeps_build:
            await self._cluster.cancel_build(found.build_job)
        if moved.image:
            await self._engine.advance_now(moved)
            return await self._deployments.get(found.id) or moved
        self._engine.kick(moved)  # the build starts now, not at the next tick
        return moved

    def _intent(
        self, user: User, found: Deployment, kind: str, note: str, configuration: Configuration, sealed
    ) -> Intent:
        """The current build with a new configuration."""
        return Intent(kind, note, found.commit_sha, found.image, configuration, sealed, user.email)

    async def scale(self, user: User, deployment_id: str, replicas: int) -> Deployment:
        found = await self._service.changeable(user, deployment_id)
        if not 0 <= replicas <= self._service.max_replicas:
            raise ValidationFailed('replicas', f'must be between 0 and {self._service.max_replicas}')
        configuration = dataclasses.replace(found.configuration, replicas=replicas)
        sealed = await self._deployments.sealed_secret_env(found.id)
        intent = self._intent(user, found, 'scale', f'Scaled to {replicas} replicas', configuration, sealed)
        return await self._retarget(user, found, intent)

    async def reconfigure(self, user: User, deployment_id: str, changes: dict, secret_env: dict | None) -> Deployment:
        """Change the configuration (port, env, resources, health check, public, placement) as a new release.

        `secret_env` sets the given secret variables; a None value removes one. Values already stored stay sealed.
        """
        found = await self._service.changeable(user, deployment_id)
        if changes.get('image') is not None:
            self._check_new_image(found, changes['image'])
        configuration = dataclasses.replace(found.configuration, **changes)
        sealed = await self._deployments.sealed_secret_env(found.id)
        for name, value in (secret_env or {}).items():
            if value is None:
                sealed.pop(name, None)
        new_values = {name: value for name, value in (secret_env or {}).items() if value is not None}
        names = sorted(set(sealed) | set(new_values))
        asked = found.asking_for(configuration, dict.fromkeys(names, '') | new_values)
        checked_request(asked, self._service.max_replicas, self._hosts.apps_domain)
        sealed |= {name: self._box.seal(value) for name, value in new_values.items()}
        configuration = dataclasses.replace(configuration, secret_env_names=tuple(names))
        hooked = configuration.hears_github and not found.configuration.hears_github
        claimed = configuration.public and not found.configuration.public
        if claimed:
            await self._hosts.claim(found.owner_id, found.name)
        added, removed = [], set()
        try:
            new_domains = set(configuration.domains) - set(found.configuration.domains)
            added = await self._hosts.claim_domains(found.owner_id, found.name, new_domains)
            removed = set(found.configuration.domains) - set(configuration.domains)
            if hooked:
                await self._hooks.ensure(user, found.github_repo)
            intent = self._intent(user, found, 'configuration', 'Configuration changed', configuration, sealed)
            if configuration.image != found.configuration.image:
                note = f'Image changed to {configuration.image}'
                intent = dataclasses.replace(intent, kind='image', note=note, image=configuration.image)
            moved = await self._retarget(user, found, intent)
        except Exception:  # nothing changed: what was taken for the change is given back
            if claimed:
                await self._hosts.release(found.owner_id, found.name)
            await self._hosts.release_domains(found.owner_id, found.name, set(added))
            if hooked:
                await self._service.unhook_if_unused(found.github_repo)
            raise
        if found.configuration.public and not configuration.public:
            await self._hosts.release(found.owner_id, found.name)
        await self._hosts.release_domains(found.owner_id, found.name, removed)
        if found.configuration.hears_github and not configuration.hears_github:
            await self._service.unhook_if_unused(found.github_repo)
        return moved

    def _check_new_image(self, found: Deployment, image: str) -> None:
        if found.configuration.image is None:
            raise ValidationFailed(
                'configuration.image', 'this deployment builds its repository; only a prebuilt image can be changed'
            )
        check_registry_space(self._engine.registry, found.owner_id, image)

    async def start(self, user: User, deployment_id: str) -> Deployment:
        """Scale a stopped deployment back to the replicas it last ran with (1 if it never ran more)."""
        found = await self._service.changeable(user, deployment_id)
        if found.status != Status.STOPPED:
            raise Conflict('Only a stopped deployment can be started')
        earlier = [r.configuration.replicas for r in await self._deployments.releases(found.id)]
        return await self.scale(user, deployment_id, next((n for n in earlier if n > 0), 1))

    async def restart(self, user: User, deployment_id: str) -> Deployment:
        """Roll its pods. While a new build is on its way the pods that run now are rolled; it replaces them later."""
        found = await self._service.changeable(user, deployment_id)
        if found.status == Status.STOPPED:
            raise Conflict('A stopped deployment has no pods to restart: start it')
        try:
            stamp = await self._cluster.restart(found.namespace, found.name)
        except NotFound:
            raise Conflict('Nothing runs yet: its pods start when the build is ready') from None
        await self._audit.record(user, 'deployment.restart', found.id, name=found.name)
        if found.status in (Status.PENDING, Status.BUILDING):
            return found
        moved = await self._deployments.transition(
            found.id, found.status, Status.DEPLOYING, f'Restarted at {stamp}', expected_release=found.release
        )
        if moved is None:
            raise Conflict(RACED)
        return moved

    async def redeploy(self, user: User, deployment_id: str) -> Deployment:
        """Build the branch's latest commit (or re-apply a prebuilt image) as a new release."""
        found = await self._service.changeable(user, deployment_id)
        commit_sha, image = None, found.configuration.image
        if image is None:
            commit_sha = await self._github.branch_sha(user, found.github_repo, found.branch)
        note = f'Redeploy of {image}' if image else f'Redeploy of {found.branch}'
        return await self.deploy_commit(user, found, commit_sha, 'redeploy', note, user.email)

    async def deploy_commit(
        self, user: User, found: Deployment, commit_sha: str | None, kind: str, note: str, by: str
    ) -> Deployment:
        """Deploy exactly `commit_sha` (a prebuilt image's deployment re-applies its image) as a new release."""
        sealed = await self._deployments.sealed_secret_env(found.id)
        image = found.configuration.image
        intent = Intent(kind, note, None if image else commit_sha, image, found.configuration, sealed, by)
        return await self._retarget(user, found, intent)

    async def rollback(self, user: User, deployment_id: str, number: int) -> Deployment:
        """Re-apply exactly the image and configuration of release `number` (no rebuild), as a new release."""
        found = await self._service.changeable(user, deployment_id)
        stored = await self._deployments.release(found.id, number)
        if stored is None or stored[0].image is None:
            raise NotFound(f'No release #{number} with an image to roll back to')
        return await self._back_to(user, found, *stored, 'rollback', f'Rollback to #{number}')

    async def _back_to(
        self, user: User, found: Deployment, release: Release, sealed: dict[str, bytes], kind: str, note: str
    ) -> Deployment:
        """A new release running exactly an earlier one's image and configuration (push settings kept as they are)."""
        configuration = release.configuration.keeping_github_settings_of(found.configuration)
        intent = Intent(kind, note, release.commit_sha, release.image, configuration, sealed, user.email)
        return await self._retarget(user, found, intent)

    async def cancel(self, user: User, deployment_id: str) -> Deployment:
        """Stop a build or rollout and go back to the last release that ran; with none, stop."""
        found = await self._service.changeable(user, deployment_id)
        if found.status not in IN_FLIGHT:
            raise Conflict(f'Nothing to cancel: the deployment is {found.status.value}')
        back = await self._deployments.release(found.id, found.running_release) if found.running_release else None
        if back is not None and back[0].image:
            note = f'Cancelled #{found.release}; back to #{back[0].number}'
            return await self._back_to(user, found, *back, 'cancel', note)
        moved = await self._deployments.transition(
            found.id, found.status, Status.STOPPED, 'Cancelled before any release ran', expected_release=found.release
        )
        if moved is None:
            raise Conflict(RACED)
        if found.build_job:
            await self._cluster.cancel_build(found.build_job)
        await self._cluster.stop(found.namespace, found.name)
        await self._audit.record(user, 'deployment.cancel', found.id, name=found.name)
        return moved
