"""How a public deployment is reached: an HTTPRoute on the configured Gateway (Gateway API), an Ingress, or nothing
(`ESPAZE_ROUTING` gateway | ingress | none; `auto` takes Gateway API when the cluster serves HTTPRoute and a
Gateway is configured, else Ingress). With `ESPAZE_CERT_ISSUER` in gateway mode, each host also gets a cert-manager
Certificate and an HTTPS listener of its own on the Gateway. Whatever the mode does not use is removed, so a mode
change leaves nothing stale."""

from collections.abc import Awaitable, Callable
from typing import Any

from models.cluster import AppSpec, CertificateState, ClusterSettings
from services.cluster import edge_manifests as edge
from services.cluster.custom_objects import CERTIFICATES, GATEWAYS, HTTP_ROUTES, REFERENCE_GRANTS, CustomObjects
from services.cluster.gateway import ClusterConflict, KubeGateway
from services.cluster.manifests import deployment_selector

MAX_LISTENERS = 64  # Gateway API's bound on one Gateway's listeners
CONFLICT_ATTEMPTS = 4


class EdgeRouting:
    def __init__(self, gateway: KubeGateway, settings: ClusterSettings, apply: Callable[[Any], Awaitable[Any]]) -> None:
        self.gateway = gateway
        self.settings = settings
        self.custom = CustomObjects(gateway)
        self._apply = apply
        self._mode: str | None = None

    async def serves_routes(self) -> bool:
        return await self.custom.serves(HTTP_ROUTES)

    async def mode(self) -> str:
        if self._mode is None:
            mode = self.settings.routing
            if mode == 'auto':
                mode = 'gateway' if self.settings.gateway_name and await self.serves_routes() else 'ingress'
            self._mode = mode
        return self._mode

    @property
    def _issues_certificates(self) -> bool:
        return self.settings.cert_issuer_name is not None

    async def route(self, spec: AppSpec) -> None:
        """Make the deployment reachable as the mode says (when public), and remove what the mode does not use."""
        mode = await self.mode() if spec.public else 'none'
        if mode == 'ingress':
            await self._apply(edge.ingress(spec, self.settings))
        else:
            await self.gateway.optional(self.gateway.networking.delete_namespaced_ingress, spec.name, spec.namespace)
        if mode == 'gateway':
            if self._issues_certificates:
                await self._set_listeners(spec.deployment_id, await self._certify(spec))
            await self.custom.apply(HTTP_ROUTES, edge.http_route(spec, self.settings))
        else:
            await self.remove_deployment(spec.namespace, spec.deployment_id)

    async def _certify(self, spec: AppSpec) -> list[dict]:
        """A Certificate per host (those of hosts gone removed), the grant that lets the Gateway read their
        Secrets; returns the hosts' listeners."""
        await self.custom.apply(REFERENCE_GRANTS, edge.reference_grant(spec.namespace, self.settings))
        certificates = [edge.certificate(spec, host, self.settings) for host in edge.hosts(spec, self.settings)]
        for certificate in certificates:
            await self.custom.apply(CERTIFICATES, certificate)
        names = {certificate['metadata']['name'] for certificate in certificates}
        for item in await self._own_certificates(spec.namespace, deployment_selector(spec.deployment_id)):
            if item['metadata']['name'] not in names:
                await self.custom.delete(CERTIFICATES, spec.namespace, item['metadata']['name'])
        return [edge.gateway_listener(spec, host, self.settings) for host in edge.hosts(spec, self.settings)]

    async def remove_deployment(self, namespace: str, deployment_id: str) -> int:
        """Delete the deployment's HTTPRoutes, the Certificates Espaze made for it and its Gateway listeners; how
        many objects went."""
        removed = 0
        if not await self.serves_routes():
            return removed
        selector = deployment_selector(deployment_id)
        for item in await self.custom.labelled(HTTP_ROUTES, namespace, selector):
            removed += await self.custom.delete(HTTP_ROUTES, namespace, item['metadata']['name'])
        if self._issues_certificates and await self.custom.serves(CERTIFICATES):
            for item in await self._own_certificates(namespace, selector):
                removed += await self.custom.delete(CERTIFICATES, namespace, item['metadata']['name'])
        await self._set_listeners(deployment_id, [])
        return removed

    async def _own_certificates(self, namespace: str, selector: str) -> list[dict]:
        """The Certificates Espaze made (gateway mode), not those cert-manager's ingress-shim made for an Ingress:
        the shim copies the Ingress's labels onto them, and owns and prunes them itself."""
        return [item for item in await self.custom.labelled(CERTIFICATES, namespace, selector) if not _shim_made(item)]

    async def _set_listeners(self, deployment_id: str, wanted: list[dict]) -> None:
        """The Gateway's listeners for this deployment become `wanted` (others' kept); a read and, when something
        changes, a replace that fails on a concurrent change, then tried again on a fresh read (only with an
        issuer: without one, Espaze adds no listener)."""
        if self.settings.gateway_name is None or not self._issues_certificates:
            return
        prefix = edge.listener_prefix(deployment_id)
        for _ in range(CONFLICT_ATTEMPTS):
            found = await self.custom.read_optional(
                GATEWAYS, self.settings.gateway_namespace, self.settings.gateway_name
            )
            if found is None:
                if wanted:
                    raise ClusterConflict('NotFound', f'Gateway {self._gateway_named} does not exist')
                return
            listeners = found['spec']['listeners']
            updated = [item for item in listeners if not item['name'].startswith(prefix)] + wanted
            if updated == listeners:
                return
            if len(updated) > MAX_LISTENERS:
                raise ClusterConflict(
                    'GatewayFull',
                    f'Gateway {self._gateway_named} would hold {len(updated)} listeners, more than the '
                    f'{MAX_LISTENERS} Gateway API allows: give it a wildcard certificate on its HTTPS listener '
                    f'(ESPAZE_GATEWAY_LISTENER) and unset ESPAZE_CERT_ISSUER, or use another Gateway',
                )
            found['spec']['listeners'] = updated
            try:
                await self.custom.replace(GATEWAYS, found)
                return
            except ClusterConflict as conflict:
                if conflict.reason != 'Conflict':
                    raise
        raise ClusterConflict('Conflict', f'Gateway {self._gateway_named} kept changing; try again')

    @property
    def _gateway_named(self) -> str:
        return f'{self.settings.gateway_namespace}/{self.settings.gateway_name}'

    async def labelled_everywhere(self, selector: str) -> list[tuple[str, dict]]:
        """(kind, object) of each HTTPRoute and Certificate matching `selector`, in every namespace."""
        found = []
        for kind_name, kind in (('HTTPRoute', HTTP_ROUTES), ('Certificate', CERTIFICATES)):
            if await self.custom.serves(kind):
                items = await self.custom.labelled_everywhere(kind, selector)
                found += [(kind_name, item) for item in items if not _shim_made(item)]
        return found

    async def remove(self, kind_name: str, namespace: str, name: str, deployment_id: str) -> bool:
        """Delete one object `labelled_everywhere` listed (a route's Gateway listeners with it); False if gone."""
        if kind_name == 'HTTPRoute':
            await self._set_listeners(deployment_id, [])
            return await self.custom.delete(HTTP_ROUTES, namespace, name)
        return await self.custom.delete(CERTIFICATES, namespace, name)

    async def certificates(self, spec: AppSpec) -> list[CertificateState]:
        """Each host's certificate as cert-manager reports it (Ready, or why not); none without an issuer."""
        if not self._issues_certificates or not spec.public or await self.mode() == 'none':
            return []
        if not await self.custom.serves(CERTIFICATES):
            return [
                CertificateState(h, False, 'NotServed', 'cert-manager is not installed')
                for h in edge.hosts(spec, self.settings)
            ]
        states = []
        for host in edge.hosts(spec, self.settings):
            found = await self.custom.read_optional(
                CERTIFICATES, spec.namespace, edge.tls_secret(spec, host, self.settings)
            )
            states.append(CertificateState.of(host, found))
        return states


def _shim_made(item: dict) -> bool:
    return any(ref.get('kind') == 'Ingress' for ref in item['metadata'].get('ownerReferences') or [])
