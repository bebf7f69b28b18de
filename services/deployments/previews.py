"""A preview per pull request: a deployment of its own, `<name>-pr-<number>`, built from the pull request's head,
with its parent's configuration (its secret variables only when the owner allows it, and never for a fork)."""

import dataclasses

from models.accounts import User
from models.deployments import Deployment, preview_name
from models.errors import Conflict, EspazeError, NotFound
from models.github import DeliveryOutcome, PullRequestEvent
from repositories.deployments import DeploymentRepository
from services.deployments.operations import DeploymentOperations
from services.deployments.service import DeploymentService


class Previews:
    def __init__(
        self,
        *,
        deployments: DeploymentRepository,
        service: DeploymentService,
        operations: DeploymentOperations,
        max_previews: int,
    ) -> None:
        self._deployments = deployments
        self._service = service
        self._operations = operations
        self.max_previews = max_previews

    async def of(self, user: User, parent_id: str) -> list[Deployment]:
        parent = await self._service.readable(user, parent_id)
        return await self._deployments.previews_of(parent.id)

    async def _find(self, parent: Deployment, number: int) -> Deployment | None:
        return next((p for p in await self._deployments.previews_of(parent.id) if p.pull_request == number), None)

    async def handle(self, owner: User, parent: Deployment, event: PullRequestEvent) -> DeliveryOutcome:
        """Open, update or remove the pull request's preview of `parent`, or say why not."""

        def outcome(action: str, reason: str) -> DeliveryOutcome:
            return DeliveryOutcome(parent.id, action, reason)

        config = parent.configuration
        if not config.previews:
            return outcome('ignored', 'Previews are off')
        if parent.branch != event.base_ref:
            into = f'{parent.branch[:100]}, not {event.base_ref[:100]}'
            return outcome('ignored', f'It previews pull requests into {into}')
        existing = await self._find(parent, event.number)
        if event.action == 'closed':
            if existing is None:
                return outcome('ignored', f'Pull request #{event.number} has no preview')
            await self._service.remove(owner, existing)
            return outcome('removed', f'Preview {existing.name} removed')
        if event.action not in ('opened', 'reopened', 'synchronize'):
            return outcome('ignored', f'Pull requests that are {event.action[:40]} change no preview')
        if config.image:
            return outcome('ignored', 'It runs a prebuilt image: a pull request has nothing to build')
        if event.from_fork and not config.preview_forks:
            return outcome('ignored', 'Pull requests from forks are not built unless the owner allows it')
        note = f'Pull request #{event.number} at {event.head_sha[:7]}'
        try:
            if existing is not None:
                moved = await self._operations.deploy_commit(
                    owner, existing, event.head_sha, 'preview', note, f'github:{event.author}'
                )
                return outcome('deployed', f'Preview {moved.name}: release #{moved.release} from {event.head_sha[:7]}')
            created = await self._open(owner, parent, event, note)
        except (Conflict, NotFound) as refused:
            return outcome('ignored', str(refused))
        except EspazeError as error:
            return outcome('ignored', f'The preview could not be made: {error}')
        return outcome('deployed', f'Preview {created.name} from {event.head_sha[:7]}')

    async def _open(self, owner: User, parent: Deployment, event: PullRequestEvent, note: str) -> Deployment:
        live = await self._deployments.previews_of(parent.id)
        for oldest in live[: max(0, len(live) - self.max_previews + 1)]:
            await self._service.remove(owner, oldest)
        with_secrets = parent.configuration.preview_secrets and not event.from_fork
        sealed = await self._deployments.sealed_secret_env(parent.id) if with_secrets else {}
        configuration = dataclasses.replace(
            parent.configuration,
            auto_deploy=False,
            watch_paths=(),
            previews=False,
            preview_secrets=False,
            preview_forks=False,
            domains=(),
        )
        request = dataclasses.replace(
            parent.asking_for(configuration, dict.fromkeys(sealed, '')), name=preview_name(parent.name, event.number)
        )
        return await self._service.store_new(
            owner, request, event.head_sha, sealed, 'preview', note, preview_of=parent, pull_request=event.number
        )
