"""How a public deployment is reached: an HTTPRoute on the configured Gateway (Gateway API), an Ingress, or nothing
(`ESPAZE_ROUTING` gateway | ingress | none; `auto` takes Gateway API when the cluster serves HTTPRoute and a
Gateway is configured, else Ingress). Whatever the mode does not use is removed, so a mode change leaves nothing
stale."""

from collections.abc import Awaitable, Callable
from typing import Any

from models.cluster import AppSpec, ClusterSettings
from services.cluster import manifests
from services.cluster.gateway import ClusterConflict, KubeGateway

ROUTE_GROUP, ROUTE_VERSION, ROUTES = 'gateway.networking.k8s.io', 'v1', 'httproutes'


def _at(namespace: str, *name: str) -> tuple[str, ...]:
    """The custom-object arguments of HTTPRoutes in a namespace (and of one, named)."""
    return (ROUTE_GROUP, ROUTE_VERSION, namespace, ROUTES, *name)


class EdgeRouting:
    def __init__(self, gateway: KubeGateway, settings: ClusterSettings, apply: Callable[[Any], Awaitable[Any]]) -> None:
        self.gateway = gateway
        self.settings = settings
        self._apply = apply
        self._serves_routes: bool | None = None
        self._mode: str | None = None

    async def serves_routes(self) -> bool:
        """Whether the cluster serves Gateway API's HTTPRoute (asked once, through discovery)."""
        if self._serves_routes is None:
            found = await self.gateway.optional(self.gateway.custom.get_api_resources, ROUTE_GROUP, ROUTE_VERSION)
            self._serves_routes = found is not None and any(r.name == ROUTES for r in found.resources or [])
        return self._serves_routes

    async def mode(self) -> str:
        if self._mode is None:
            mode = self.settings.routing
            if mode == 'auto':
                mode = 'gateway' if self.settings.gateway_name and await self.serves_routes() else 'ingress'
            self._mode = mode
        return self._mode

    async def route(self, spec: AppSpec) -> None:
        """Make the deployment reachable as the mode says (when public), and remove what the mode does not use."""
        mode = await self.mode() if spec.public else 'none'
        if mode == 'ingress':
            await self._apply(manifests.ingress(spec, self.settings))
        else:
            await self.gateway.optional(self.gateway.networking.delete_namespaced_ingress, spec.name, spec.namespace)
        custom = self.gateway.custom
        if mode == 'gateway':
            await self._apply_route(manifests.http_route(spec, self.settings))
        elif await self.serves_routes():
            await self.gateway.optional(custom.delete_namespaced_custom_object, *_at(spec.namespace, spec.name))

    async def _apply_route(self, body: dict) -> dict:
        custom, namespace, name = self.gateway.custom, body['metadata']['namespace'], body['metadata']['name']
        try:
            return await self.gateway.call(custom.create_namespaced_custom_object, *_at(namespace), body)
        except ClusterConflict as conflict:
            if conflict.reason != 'AlreadyExists':
                raise
        current = await self.gateway.call(custom.get_namespaced_custom_object, *_at(namespace, name))
        body['metadata']['resourceVersion'] = current['metadata']['resourceVersion']
        return await self.gateway.call(custom.replace_namespaced_custom_object, *_at(namespace, name), body)

    async def remove_labelled(self, namespace: str, selector: str) -> int:
        """Delete the HTTPRoutes matching `selector` in the namespace; how many."""
        if not await self.serves_routes():
            return 0
        custom = self.gateway.custom
        found = await self.gateway.call(custom.list_namespaced_custom_object, *_at(namespace), label_selector=selector)
        return sum([await self.remove_route(namespace, item['metadata']['name']) for item in found.get('items') or []])

    async def labelled_everywhere(self, selector: str) -> list[dict]:
        """The HTTPRoutes matching `selector` in every namespace (none when the cluster serves no HTTPRoute)."""
        if not await self.serves_routes():
            return []
        found = await self.gateway.call(
            self.gateway.custom.list_cluster_custom_object, ROUTE_GROUP, ROUTE_VERSION, ROUTES, label_selector=selector
        )
        return found.get('items') or []

    async def remove_route(self, namespace: str, name: str) -> bool:
        """Delete one HTTPRoute; False when it was already gone."""
        custom = self.gateway.custom
        return await self.gateway.optional(custom.delete_namespaced_custom_object, *_at(namespace, name)) is not None
