"""The rollout engine: moves each in-flight deployment one step from what the cluster actually shows.

pending -> building (a build Job) or deploying (a given image) -> running, or failed with the reason. Every step
is idempotent and every transition is a compare-and-set on the status, so a restart, or two replicas running the
engine at once, never creates anything twice.
"""

import asyncio
import contextvars
import logging
from datetime import UTC, datetime

from models.cluster import AppSpec, BuildRequest, EventInfo, PodInfo, RolloutState
from models.deployments import IN_FLIGHT, Deployment, Status
from models.errors import EspazeError, RateLimited, UpstreamFailed
from repositories.deployment_index import RolloutFacts
from repositories.deployments import DeploymentRepository
from repositories.read_model import Row
from services.accounts import AccountService
from services.cluster.service import ClusterService
from services.deployments.diagnosis import SCHEDULING_PATIENCE_SECONDS, Verdict, diagnose
from services.deployments.hosts import HostClaims
from services.github.service import GitHubService
from services.github.statuses import CommitStatuses
from services.infrastructure.leases import LeaseLost, fence
from services.infrastructure.secret_box import SecretBox

log = logging.getLogger(__name__)
BUILD_LOG_LINES = 8
CONCURRENT_ADVANCES = 16
DEADLINE_GRACE_SECONDS = 30  # the cluster's own progress deadline comes first; this catches a cluster that never says


def clone_url(html_url: str) -> str:
    return html_url.rstrip('/') + '.git'


class RolloutEngine:
    def __init__(
        self,
        *,
        deployments: DeploymentRepository,
        hosts: HostClaims,
        cluster: ClusterService,
        github: GitHubService,
        accounts: AccountService,
        box: SecretBox,
        registry: str,
        deploy_deadline_seconds: float,
        statuses: CommitStatuses,
    ) -> None:
        self._statuses = statuses
        self._deployments = deployments
        self._hosts = hosts
        self._cluster = cluster
        self._github = github
        self._accounts = accounts
        self._box = box
        self.registry = registry
        self._deploy_deadline = deploy_deadline_seconds + DEADLINE_GRACE_SECONDS
        self._scheduling_patience = SCHEDULING_PATIENCE_SECONDS
        self.advances = 0
        self._steps: dict[str, asyncio.Task] = {}  # deployment id -> its step, queued or under way in this process
        self._workers = asyncio.Semaphore(CONCURRENT_ADVANCES)
        self._stopped = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._look_context: contextvars.Context | None = None

    async def app_spec(self, deployment: Deployment, image: str, sealed: dict[str, bytes] | None = None) -> AppSpec:
        config = deployment.configuration
        sealed = sealed if sealed is not None else await self._deployments.sealed_secret_env(deployment.id)
        return AppSpec(
            deployment_id=deployment.id,
            namespace=deployment.namespace,
            name=deployment.name,
            image=image,
            port=config.port,
            replicas=config.replicas,
            env=dict(config.env),
            secret_env={name: self._box.open(value)[0] for name, value in sealed.items()},
            resources=config.resources,
            health_check_path=config.health_check_path,
            public=config.public,
            node_selector=dict(config.node_selector),
            domains=await self._hosts.routed_domains(deployment),
        )

    async def look(self) -> int:
        """The scheduled pass: a step queued for each in-flight deployment with something to do, unless it is taking
        one already; returns how many are in flight. The in-flight deployments come from this replica's read model
        and the watches (no request); the steps run on CONCURRENT_ADVANCES workers after the look, each on a fresh
        read (a controller's informer and work queue): a look costs the same with 250 rollouts in flight as with
        10, and a slow step holds up only its own deployment."""
        self._hear_rollouts(asyncio.get_running_loop())
        return len(self._queue_steps())

    def _hear_rollouts(self, loop: asyncio.AbstractEventLoop) -> None:
        """A Deployment the watch sees rolled out gets its step now, not at the next look: queued in this look's
        context, so that the step still fences on the lease the look ran under."""
        self._loop, self._look_context = loop, contextvars.copy_context()
        self._cluster.reads.rollouts.on_rolled_out = self._rolled_out
        self._cluster.reads.rollouts.start()  # (already following, unless this is the first look)

    def _rolled_out(self, deployment_id: str) -> None:  # in the watch's thread
        try:
            self._loop.call_soon_threadsafe(self._step_if_deploying, deployment_id, context=self._look_context)
        except RuntimeError:  # the loop is closed: this process is stopping
            pass

    def _step_if_deploying(self, deployment_id: str) -> None:
        row = self._deployments.index.get(deployment_id)
        if row is not None and row.status == Status.DEPLOYING.value and deployment_id not in self._steps:
            self._queue(deployment_id)

    async def tick(self) -> int:
        """This replica's read model caught up, one look, and the steps it queued taken (for tests, which drive the
        engine themselves); returns how many were in flight."""
        await self._deployments.index.catch_up()
        rows = self._queue_steps()
        await asyncio.gather(*(self._steps[row.id] for row in rows if row.id in self._steps))
        return len(rows)

    def _queue_steps(self) -> list[Row]:
        rows = self._deployments.in_flight_rows()
        for row in rows:
            if row.id not in self._steps and not self._nothing_to_decide(row):
                self._queue(row.id)
        return rows

    def kick(self, deployment: Deployment) -> None:
        """Take its next step now, rather than at the next look (a look racing it is harmless: every step is
        idempotent and every transition a compare-and-set)."""
        if deployment.id not in self._steps:
            self._queue(deployment.id)

    def _queue(self, deployment_id: str) -> None:
        if self._stopped:
            return
        task = asyncio.create_task(self._step(deployment_id))
        self._steps[deployment_id] = task
        task.add_done_callback(lambda _: self._steps.pop(deployment_id, None))

    async def _step(self, deployment_id: str) -> None:
        """A queued step, on the deployment as it is now: one line in the log when it cannot be taken (the next
        look queues it again)."""
        try:
            async with self._workers:
                deployment = await self._deployments.get(deployment_id)
                if deployment is not None and deployment.status in IN_FLIGHT:
                    await self._advance_guarded(deployment)
        except LeaseLost:
            log.warning('deployment %s: the rollouts lease went to another process, which advances it', deployment_id)
        except Exception as error:
            log.error('deployment %s: step failed: %s: %s', deployment_id, type(error).__name__, error)

    def stop(self) -> None:
        """Drop the steps queued or under way, and queue no more (at shutdown: the next look of any replica takes
        them again)."""
        self._stopped = True
        for task in list(self._steps.values()):
            task.cancel()

    async def idle(self) -> None:
        """Until every step queued or under way in this process is taken."""
        while self._steps:
            await asyncio.gather(*self._steps.values(), return_exceptions=True)

    async def advance_now(self, deployment: Deployment) -> None:
        """One step now, unless one is queued or under way for it (a kick and a look at once would ask the cluster
        twice)."""
        if deployment.id in self._steps:
            return
        task = asyncio.create_task(self._advance_guarded(deployment))
        self._steps[deployment.id] = task
        try:
            await task
        finally:
            self._steps.pop(deployment.id, None)

    async def _advance_guarded(self, deployment: Deployment) -> None:
        """What fails for a while is tried again at the next look, what is refused for good fails."""
        try:
            await self.advance(deployment)
        except (UpstreamFailed, RateLimited) as error:  # the cluster or GitHub failed this time: try again
            log.warning('deployment %s: %s', deployment.id, error)
        except EspazeError as error:  # refused for good (credential, permission, invalid): say why
            await self._moved(deployment, Status.FAILED, str(error), refused=True)

    async def advance(self, deployment: Deployment) -> None:
        await fence()  # a holder paused past its lease acts no more: the new holder advances this deployment
        self.advances += 1
        step = {Status.PENDING: self._pending, Status.BUILDING: self._building, Status.DEPLOYING: self._deploying}
        await step[deployment.status](deployment)

    async def _moved(
        self, deployment: Deployment, status: Status, reason: str, refused: bool = False, **fields
    ) -> Deployment | None:
        """Move on from the step just taken, unless a newer release or another replica moved it meanwhile; the
        commit hears of it."""
        running = status == Status.RUNNING
        if running:
            fields['running_release'] = deployment.release
        moved = await self._deployments.transition(
            deployment.id, deployment.status, status, reason, expected_release=deployment.release, **fields
        )
        if moved is None:
            return None
        if running:
            await self._deployments.record_ran(deployment.id, deployment.release)
        await self._statuses.report(moved, status, reason, refused)
        return moved

    def built_image(self, deployment: Deployment) -> str:
        """Where the build of its commit is pushed: under the owner's space in Espaze's registry, tagged by commit."""
        return f'{self.registry}/{deployment.owner_id}/{deployment.name}:{deployment.commit_sha}'

    async def _pending(self, deployment: Deployment) -> None:
        await self._cluster.ensure_namespace(deployment.owner_id)
        if deployment.image:  # given, built before, or rolled back to: no build
            await self._cluster.deploy(await self.app_spec(deployment, deployment.image))
            await self._moved(deployment, Status.DEPLOYING, f'Rolling out {deployment.image}')
            return
        owner = await self._accounts.enabled_user(deployment.owner_id)
        if owner is None:
            await self._moved(deployment, Status.FAILED, 'The owner is disabled', refused=True)
            return
        repository = await self._github.repository(owner, deployment.github_repo)
        credential = await self._github.connections.credential(owner)
        build = BuildRequest(
            deployment.id,
            clone_url(repository.html_url),
            deployment.commit_sha or '',
            deployment.configuration.dockerfile_path,
            self.built_image(deployment),
            credential.token if repository.private else None,
        )
        job = await self._cluster.start_build(build)
        moved = await self._moved(deployment, Status.BUILDING, f'Building commit {build.commit_sha[:7]}', build_job=job)
        if moved is None and (await self._deployments.get(deployment.id) or deployment).build_job != job:
            await self._cluster.cancel_build(job)  # a newer release came meanwhile and does not need this build

    async def _building(self, deployment: Deployment) -> None:
        status = await self._cluster.build_status(deployment.build_job or '')
        if status.state == 'succeeded':
            image = self.built_image(deployment)
            await self._deployments.record_built(deployment.id, deployment.commit_sha or '', image, status.digest)
            await self._cluster.deploy(await self.app_spec(deployment, image))
            await self._moved(deployment, Status.DEPLOYING, f'Image built; rolling out {image}', image=image)
        elif status.state in ('failed', 'missing'):
            logs = await self._cluster.build_logs(deployment.build_job or '', tail=BUILD_LOG_LINES)
            last = ' | '.join(line for line in logs.splitlines() if line.strip())
            reason = f'Build failed: {status.message}' + (f'. Last build log lines: {last}' if last else '')
            await self._moved(deployment, Status.FAILED, reason)

    def _nothing_to_decide(self, row: Row) -> bool:
        """A rollout the watches show still under way (no request), no pod in trouble, none left unscheduled past
        the patience. Anything else, and every decision, is made on fresh reads of the cluster."""
        if row.status != Status.DEPLOYING.value:
            return False
        facts: RolloutFacts = row.extra
        elapsed = (datetime.now(UTC) - facts.phase_started_at).total_seconds()
        try:
            state, pods = self._cluster.reads.informed(facts.namespace, facts.name, row.id)
        except UpstreamFailed:  # the watches have not listed yet
            return False
        verdict = self._verdict(state, pods, [], facts.replicas, elapsed)
        return verdict.outcome == 'waiting' and not self._unscheduled(pods, elapsed)

    def _unscheduled(self, pods: list[PodInfo], elapsed: float) -> bool:
        """A pod no node took, past the patience: its events may say that no node can run it."""
        return elapsed >= self._scheduling_patience and any(p.node is None for p in pods)

    def _verdict(
        self,
        state: RolloutState | None,
        pods: list[PodInfo],
        events: list[EventInfo],
        replicas: int,
        elapsed: float,
        memory_limit: str = '',
    ) -> Verdict:
        return diagnose(
            state,
            pods,
            events,
            replicas,
            elapsed,
            self._deploy_deadline,
            memory_limit=memory_limit,
            scheduling_patience_seconds=self._scheduling_patience,
        )

    async def _deploying(self, deployment: Deployment) -> None:
        elapsed = (datetime.now(UTC) - deployment.phase_started_at).total_seconds()
        reads = self._cluster.reads
        state = await reads.rollout(deployment.namespace, deployment.name)
        pods = await reads.pods(deployment.namespace, deployment.id)
        config = deployment.configuration
        verdict = self._verdict(state, pods, [], config.replicas, elapsed, config.resources.memory_limit)
        if verdict.outcome == 'failed' or self._unscheduled(pods, elapsed):  # the events say why (hundreds, maybe)
            events = await reads.events(deployment.namespace, {deployment.name})
            verdict = self._verdict(state, pods, events, config.replicas, elapsed, config.resources.memory_limit)
        if verdict.outcome == 'waiting':
            return
        reason = verdict.reason
        if 'crashing' in reason and pods:
            lines = await reads.logs(deployment.namespace, pods[0].name, tail=BUILD_LOG_LINES)
            reason += '. Last log lines: ' + ' | '.join(line for line in lines.splitlines() if line.strip())
        await self._moved(deployment, Status(verdict.outcome), reason)
