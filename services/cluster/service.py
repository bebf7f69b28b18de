"""What Espaze does on a cluster: namespaces per owner, a deployment's objects, scale, restart, delete, builds."""

import asyncio
import json
import re
import time
from datetime import UTC, datetime

from kubernetes import client as k8s

from models.cluster import AppSpec, BuildRequest, BuildStatus, ClusterSettings, LabelledObject
from models.deployments import owner_namespace
from models.errors import NotFound
from services.cluster import manifests
from services.cluster.gateway import ClusterConflict, KubeGateway
from services.cluster.reads import ClusterReads
from services.cluster.routing import EdgeRouting

CONFLICT_ATTEMPTS = 4
NAMESPACE_APPLIED_FOR = 30.0  # seconds
DIGEST = re.compile(r'sha256:[0-9a-f]{64}')
APP_KINDS = ('Ingress', 'Service', 'Deployment', 'Secret', 'ConfigMap')


def _metadata_digest(message: str | None) -> str | None:
    try:
        digest = json.loads(message or '').get('containerimage.digest')
    except (ValueError, AttributeError):
        return None
    return digest if isinstance(digest, str) and DIGEST.fullmatch(digest) else None


class _Kind:
    """The create, read, replace and delete calls of one kind of object."""

    def __init__(self, create, read, replace, delete, listing, namespaced: bool = True, everywhere=None) -> None:
        self.create, self.read, self.replace, self.delete, self.list = create, read, replace, delete, listing
        self.namespaced = namespaced
        self.list_everywhere = everywhere


class ClusterService:
    def __init__(
        self, gateway: KubeGateway, settings: ClusterSettings, sandbox: bool = False, live_seconds: float = 1.5
    ) -> None:
        self.gateway = gateway
        self.settings = settings
        self.sandbox = sandbox  # only for the banner that says so
        self.reads = ClusterReads(gateway, sandbox, live_seconds)
        self.routing = EdgeRouting(gateway, settings, self.apply)
        self._namespace_locks: dict[str, asyncio.Lock] = {}
        self._namespaces_applied: dict[str, float] = {}
        core, apps, batch, net = gateway.core, gateway.apps, gateway.batch, gateway.networking
        self._kinds = {
            'Namespace': _Kind(
                core.create_namespace,
                core.read_namespace,
                core.replace_namespace,
                core.delete_namespace,
                core.list_namespace,
                namespaced=False,
            ),
            'ResourceQuota': _Kind(
                core.create_namespaced_resource_quota,
                core.read_namespaced_resource_quota,
                core.replace_namespaced_resource_quota,
                core.delete_namespaced_resource_quota,
                core.list_namespaced_resource_quota,
            ),
            'NetworkPolicy': _Kind(
                net.create_namespaced_network_policy,
                net.read_namespaced_network_policy,
                net.replace_namespaced_network_policy,
                net.delete_namespaced_network_policy,
                net.list_namespaced_network_policy,
            ),
            'ConfigMap': _Kind(
                core.create_namespaced_config_map,
                core.read_namespaced_config_map,
                core.replace_namespaced_config_map,
                core.delete_namespaced_config_map,
                core.list_namespaced_config_map,
                everywhere=core.list_config_map_for_all_namespaces,
            ),
            'Secret': _Kind(
                core.create_namespaced_secret,
                core.read_namespaced_secret,
                core.replace_namespaced_secret,
                core.delete_namespaced_secret,
                core.list_namespaced_secret,
                everywhere=core.list_secret_for_all_namespaces,
            ),
            'Deployment': _Kind(
                apps.create_namespaced_deployment,
                apps.read_namespaced_deployment,
                apps.replace_namespaced_deployment,
                apps.delete_namespaced_deployment,
                apps.list_namespaced_deployment,
                everywhere=apps.list_deployment_for_all_namespaces,
            ),
            'Service': _Kind(
                core.create_namespaced_service,
                core.read_namespaced_service,
                core.replace_namespaced_service,
                core.delete_namespaced_service,
                core.list_namespaced_service,
                everywhere=core.list_service_for_all_namespaces,
            ),
            'Ingress': _Kind(
                net.create_namespaced_ingress,
                net.read_namespaced_ingress,
                net.replace_namespaced_ingress,
                net.delete_namespaced_ingress,
                net.list_namespaced_ingress,
                everywhere=net.list_ingress_for_all_namespaces,
            ),
            'Job': _Kind(
                batch.create_namespaced_job,
                batch.read_namespaced_job,
                batch.replace_namespaced_job,
                batch.delete_namespaced_job,
                batch.list_namespaced_job,
                everywhere=batch.list_job_for_all_namespaces,
            ),
        }

    async def apply(self, obj):
        """Create the object, or replace it when it exists: on a 409 read it again, a bounded number of times."""
        kind = self._kinds[obj.kind]
        name, namespace = obj.metadata.name, obj.metadata.namespace
        scope = () if not kind.namespaced else (namespace,)
        for _ in range(CONFLICT_ATTEMPTS):
            try:
                return await self.gateway.call(kind.create, *scope, obj)
            except ClusterConflict as conflict:
                if conflict.reason != 'AlreadyExists':
                    raise
            current = await self.gateway.call(kind.read, name, *scope)
            obj.metadata.resource_version = current.metadata.resource_version
            if obj.kind == 'Service':  # immutable once allocated
                obj.spec.cluster_ip, obj.spec.cluster_ips = current.spec.cluster_ip, current.spec.cluster_ips
            try:
                return await self.gateway.call(kind.replace, name, *scope, obj)
            except ClusterConflict as conflict:
                if conflict.reason == 'AlreadyExists':
                    raise
            except NotFound:
                pass  # deleted meanwhile: create it again
            obj.metadata.resource_version = None
        raise ClusterConflict('Conflict', f'{obj.kind} {name} kept changing while Espaze applied it; try again')

    async def ensure_namespace(self, owner_id: str) -> str:
        """The owner's namespace `espaze-<owner id>`, with Pod Security, quota and network policy (idempotent).
        One owner's deploys apply it one at a time (at once they would conflict), and not again within
        NAMESPACE_APPLIED_FOR: a burst of one owner's deploys applies it once; drift is mended after that."""
        name = owner_namespace(owner_id)
        async with self._namespace_locks.setdefault(name, asyncio.Lock()):
            applied = self._namespaces_applied.get(name)
            if applied is not None and time.monotonic() - applied < NAMESPACE_APPLIED_FOR:
                return name
            await self.apply(manifests.namespace(name, owner_id, self.settings))
            for extra in (manifests.resource_quota(name, self.settings), manifests.network_policy(name, self.settings)):
                if extra is not None:
                    await self.apply(extra)
            self._namespaces_applied[name] = time.monotonic()
        return name

    async def deploy(self, spec: AppSpec, restarted_at: str | None = None) -> None:
        """Apply every object of one deployment, and route it as the routing mode says (or not, when private)."""
        await self.apply(manifests.config_map(spec))
        await self.apply(manifests.secret(spec))
        await self.apply(manifests.deployment(spec, restarted_at, self.settings.progress_deadline_seconds))
        await self.apply(manifests.service(spec))
        await self.routing.route(spec)

    async def scale(self, namespace: str, name: str, replicas: int) -> None:
        body = {'spec': {'replicas': replicas}}
        await self.gateway.call(self.gateway.apps.patch_namespaced_deployment_scale, name, namespace, body)

    async def stop(self, namespace: str, name: str) -> None:
        """Scale to 0 replicas if the Deployment exists."""
        body = {'spec': {'replicas': 0}}
        await self.gateway.optional(self.gateway.apps.patch_namespaced_deployment_scale, name, namespace, body)

    async def restart(self, namespace: str, name: str, at: datetime | None = None) -> str:
        """Roll every pod, as `kubectl rollout restart` does; returns the time written."""
        stamp = (at or datetime.now(UTC)).strftime('%Y-%m-%dT%H:%M:%SZ')
        body = {'spec': {'template': {'metadata': {'annotations': {manifests.RESTARTED_AT: stamp}}}}}
        await self.gateway.call(self.gateway.apps.patch_namespaced_deployment, name, namespace, body)
        return stamp

    async def delete_deployment(self, namespace: str, deployment_id: str) -> int:
        """Delete every object labelled with this deployment's id; returns how many."""
        selector = manifests.deployment_selector(deployment_id)
        deleted = 0
        for kind_name in APP_KINDS:
            kind = self._kinds[kind_name]
            found = await self.gateway.call(kind.list, namespace, label_selector=selector)
            for item in found.items:
                if await self.gateway.optional(kind.delete, item.metadata.name, namespace) is not None:
                    deleted += 1
        return deleted + await self.routing.remove_deployment(namespace, deployment_id)

    async def labelled_objects(self) -> list[LabelledObject]:
        """Every object Espaze made for a deployment, in any namespace (its builds included)."""
        selector = f'{manifests.MANAGED_BY}=espaze,{manifests.DEPLOYMENT_ID}'
        found = []
        for kind_name in (*APP_KINDS, 'Job'):
            listing = await self.gateway.call(self._kinds[kind_name].list_everywhere, label_selector=selector)
            for item in listing.items:
                meta = item.metadata
                created = meta.creation_timestamp or datetime.now(UTC)
                found.append(
                    LabelledObject(kind_name, meta.namespace, meta.name, meta.labels[manifests.DEPLOYMENT_ID], created)
                )
        for kind_name, item in await self.routing.labelled_everywhere(selector):
            meta = item['metadata']
            created = datetime.fromisoformat(meta['creationTimestamp'].replace('Z', '+00:00'))
            found.append(
                LabelledObject(
                    kind_name, meta['namespace'], meta['name'], meta['labels'][manifests.DEPLOYMENT_ID], created
                )
            )
        return found

    async def remove(self, obj: LabelledObject) -> bool:
        """Delete one object listed by `labelled_objects` (a Job with its pods); False if it was already gone."""
        if obj.kind in ('HTTPRoute', 'Certificate'):
            return await self.routing.remove(obj.kind, obj.namespace, obj.name, obj.deployment_id)
        options = k8s.V1DeleteOptions(propagation_policy='Background') if obj.kind == 'Job' else None
        extra = {'body': options} if options else {}
        return await self.gateway.optional(self._kinds[obj.kind].delete, obj.name, obj.namespace, **extra) is not None

    async def start_build(self, build: BuildRequest) -> str:
        """Create the build Job (and, for a private repository, the Secret it reads the token from)."""
        await self.apply(manifests.build_namespace(self.settings))
        job = await self.apply(manifests.build_job(build, self.settings))
        if build.git_token:
            await self.apply(manifests.build_secret(build, self.settings, job.metadata.uid))
        return job.metadata.name

    async def build_status(self, job_name: str) -> BuildStatus:
        job = await self.gateway.optional(
            self.gateway.batch.read_namespaced_job, job_name, self.settings.build_namespace
        )
        if job is None:
            return BuildStatus('missing', 'The build job no longer exists')
        status = job.status or k8s.V1JobStatus()
        for condition in status.conditions or []:
            if condition.status == 'True' and condition.type in ('Complete', 'Failed'):
                await self._drop_build_secret(job_name)
                if condition.type == 'Failed':
                    return BuildStatus('failed', condition.message or condition.reason)
                return BuildStatus('succeeded', condition.message or condition.reason, await self._digest(job_name))
        return BuildStatus('running' if status.active else 'pending')

    async def _digest(self, job_name: str) -> str | None:
        """The digest BuildKit wrote to its metadata file (the build pod's termination message), if any."""
        pods = await self.gateway.call(
            self.gateway.core.list_namespaced_pod, self.settings.build_namespace, label_selector=f'job-name={job_name}'
        )
        for pod in pods.items:
            for container in (pod.status.container_statuses if pod.status else None) or []:
                terminated = container.state.terminated if container.state else None
                digest = _metadata_digest(terminated.message if terminated else None)
                if digest:
                    return digest
        return None

    async def cancel_build(self, job_name: str) -> None:
        """Stop a build: its Job and pod go, and the Secret it read the token from."""
        options = k8s.V1DeleteOptions(propagation_policy='Background')
        batch = self.gateway.batch
        await self.gateway.optional(batch.delete_namespaced_job, job_name, self.settings.build_namespace, body=options)
        await self._drop_build_secret(job_name)

    async def _drop_build_secret(self, job_name: str) -> None:
        core = self.gateway.core
        await self.gateway.optional(core.delete_namespaced_secret, f'{job_name}-git', self.settings.build_namespace)

    async def build_logs(self, job_name: str, tail: int = 500) -> str:
        pods = await self.gateway.call(
            self.gateway.core.list_namespaced_pod, self.settings.build_namespace, label_selector=f'job-name={job_name}'
        )
        if not pods.items:
            return ''
        return await self.reads.logs(self.settings.build_namespace, pods.items[0].metadata.name, tail=tail)
