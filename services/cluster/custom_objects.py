"""Custom resources (Gateway API, cert-manager) through the official client's CustomObjectsApi: whether the
cluster serves a kind (asked once, through discovery), and create-or-replace, list, read and delete of one kind."""

from dataclasses import dataclass

from services.cluster.gateway import ClusterConflict, KubeGateway


@dataclass(frozen=True)
class CustomKind:
    group: str
    version: str
    plural: str

    def at(self, namespace: str, *name: str) -> tuple[str, ...]:
        """The CustomObjectsApi arguments for this kind in a namespace (and for one object of it, named)."""
        return (self.group, self.version, namespace, self.plural, *name)


HTTP_ROUTES = CustomKind('gateway.networking.k8s.io', 'v1', 'httproutes')
GATEWAYS = CustomKind('gateway.networking.k8s.io', 'v1', 'gateways')
REFERENCE_GRANTS = CustomKind('gateway.networking.k8s.io', 'v1', 'referencegrants')
CERTIFICATES = CustomKind('cert-manager.io', 'v1', 'certificates')


class CustomObjects:
    def __init__(self, gateway: KubeGateway) -> None:
        self.gateway = gateway
        self._served: dict[tuple[str, str], set[str]] = {}

    async def serves(self, kind: CustomKind) -> bool:
        """Whether the cluster serves this kind (each group's discovery asked once per process)."""
        key = (kind.group, kind.version)
        if key not in self._served:
            custom = self.gateway.custom
            found = await self.gateway.optional(custom.get_api_resources, kind.group, kind.version)
            self._served[key] = {r.name for r in (found.resources or [])} if found is not None else set()
        return kind.plural in self._served[key]

    async def apply(self, kind: CustomKind, body: dict) -> dict:
        """Create the object, or replace the one of the same name."""
        custom, namespace, name = self.gateway.custom, body['metadata']['namespace'], body['metadata']['name']
        try:
            return await self.gateway.call(custom.create_namespaced_custom_object, *kind.at(namespace), body)
        except ClusterConflict as conflict:
            if conflict.reason != 'AlreadyExists':
                raise
        current = await self.read(kind, namespace, name)
        body['metadata']['resourceVersion'] = current['metadata']['resourceVersion']
        return await self.gateway.call(custom.replace_namespaced_custom_object, *kind.at(namespace, name), body)

    async def read(self, kind: CustomKind, namespace: str, name: str) -> dict:
        return await self.gateway.call(self.gateway.custom.get_namespaced_custom_object, *kind.at(namespace, name))

    async def read_optional(self, kind: CustomKind, namespace: str, name: str) -> dict | None:
        custom = self.gateway.custom
        return await self.gateway.optional(custom.get_namespaced_custom_object, *kind.at(namespace, name))

    async def replace(self, kind: CustomKind, body: dict) -> dict:
        """Replace as read: a 409 `Conflict` when it changed since (its resourceVersion is sent)."""
        namespace, name = body['metadata']['namespace'], body['metadata']['name']
        return await self.gateway.call(
            self.gateway.custom.replace_namespaced_custom_object, *kind.at(namespace, name), body
        )

    async def labelled(self, kind: CustomKind, namespace: str, selector: str) -> list[dict]:
        custom = self.gateway.custom
        found = await self.gateway.call(
            custom.list_namespaced_custom_object, *kind.at(namespace), label_selector=selector
        )
        return found.get('items') or []

    async def labelled_everywhere(self, kind: CustomKind, selector: str) -> list[dict]:
        found = await self.gateway.call(
            self.gateway.custom.list_cluster_custom_object,
            kind.group,
            kind.version,
            kind.plural,
            label_selector=selector,
        )
        return found.get('items') or []

    async def delete(self, kind: CustomKind, namespace: str, name: str) -> bool:
        """False when it was already gone."""
        custom = self.gateway.custom
        return (
            await self.gateway.optional(custom.delete_namespaced_custom_object, *kind.at(namespace, name)) is not None
        )
