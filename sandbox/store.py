"""Objects of the sandbox cluster, kept as the JSON the API server would keep, with its errors and versions."""

import copy
import itertools
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from sandbox.changes import ChangeLog
from sandbox.custom_resources import CUSTOM_RESOURCES
from sandbox.resource import Resource
from sandbox.selectors import matches_fields, matches_labels

RESOURCES = [
    Resource('', 'v1', 'namespaces', 'Namespace', False),
    Resource('', 'v1', 'nodes', 'Node', False),
    Resource('', 'v1', 'configmaps', 'ConfigMap', True),
    Resource('', 'v1', 'secrets', 'Secret', True),
    Resource('', 'v1', 'services', 'Service', True),
    Resource('', 'v1', 'pods', 'Pod', True),
    Resource('', 'v1', 'events', 'Event', True),
    Resource('', 'v1', 'resourcequotas', 'ResourceQuota', True),
    Resource('apps', 'v1', 'deployments', 'Deployment', True),
    Resource('batch', 'v1', 'jobs', 'Job', True),
    Resource('networking.k8s.io', 'v1', 'ingresses', 'Ingress', True),
    Resource('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', True),
    *CUSTOM_RESOURCES,
]
BY_PATH = {(r.group, r.version, r.plural): r for r in RESOURCES}
BY_KIND = {r.kind: r for r in RESOURCES}
DNS_SUBDOMAIN = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')


class ApiError(Exception):
    """An answer shaped as the API server's `Status`."""

    def __init__(self, code: int, reason: str, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = {
            'kind': 'Status',
            'apiVersion': 'v1',
            'metadata': {},
            'status': 'Failure',
            'message': message,
            'reason': reason,
            'details': details or {},
            'code': code,
        }


def not_found(resource: Resource, name: str) -> ApiError:
    label = f'{resource.plural}.{resource.group}' if resource.group else resource.plural
    return ApiError(404, 'NotFound', f'{label} "{name}" not found', {'name': name, 'kind': resource.plural})


def invalid(resource: Resource, name: str, causes: list[tuple[str, str]]) -> ApiError:
    text = '; '.join(f'{field}: Invalid value: {message}' for field, message in causes)
    details = {
        'name': name,
        'kind': resource.kind,
        'causes': [{'reason': 'FieldValueInvalid', 'message': m, 'field': f} for f, m in causes],
    }
    return ApiError(422, 'Invalid', f'{resource.kind} "{name}" is invalid: {text}', details)


def now_text() -> str:
    return datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch (what strategic merge does for the fields Espaze patches)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


class Store:
    """Objects by kind, then namespace, then name; every change numbered and kept for watches (changes.py)."""

    def __init__(self) -> None:
        self._kinds: dict[str, dict[str, dict[str, dict]]] = {}  # plural -> namespace -> name -> object
        self._versions = itertools.count(1000)
        self.version = '999'
        self.changes = ChangeLog()

    def _space(self, resource: Resource, namespace: str | None) -> dict[str, dict]:
        return self._kinds.setdefault(resource.plural, {}).setdefault(namespace or '', {})

    def _stamp(self, obj: dict, kind: str) -> dict:
        self.version = obj['metadata']['resourceVersion'] = str(next(self._versions))
        self.changes.add(int(self.version), kind, obj)
        return obj

    def get(self, resource: Resource, namespace: str | None, name: str) -> dict:
        obj = self.find(resource, namespace, name)
        if obj is None:
            raise not_found(resource, name)
        return obj

    def find(self, resource: Resource, namespace: str | None, name: str) -> dict | None:
        return self._kinds.get(resource.plural, {}).get(namespace or '', {}).get(name)

    def every(self, resource: Resource, namespace: str | None = None) -> list[dict]:
        spaces = self._kinds.get(resource.plural, {})
        if namespace is not None:
            return list(spaces.get(namespace, {}).values())
        return [obj for space in spaces.values() for obj in space.values()]

    def list(
        self, resource: Resource, namespace: str | None, labels: str | None = None, fields: str | None = None
    ) -> list[dict]:
        return [
            o
            for o in self.every(resource, namespace)
            if matches_labels(o['metadata'].get('labels') or {}, labels) and matches_fields(o, fields)
        ]

    def create(self, resource: Resource, namespace: str | None, body: dict, validate=None) -> dict:
        obj = copy.deepcopy(body)
        meta = obj.setdefault('metadata', {})
        if not meta.get('name') and meta.get('generateName'):
            meta['name'] = meta['generateName'] + uuid.uuid4().hex[:5]
        name = meta.get('name') or ''
        if not name or len(name) > 253 or not DNS_SUBDOMAIN.match(name):
            raise invalid(
                resource,
                name,
                [
                    (
                        'metadata.name',
                        f'"{name}": a lowercase RFC 1123 subdomain must consist of'
                        " lower case alphanumeric characters, '-' or '.'",
                    )
                ],
            )
        if resource.namespaced:
            if self.find(BY_KIND['Namespace'], None, namespace or '') is None:
                raise ApiError(
                    404, 'NotFound', f'namespaces "{namespace}" not found', {'name': namespace, 'kind': 'namespaces'}
                )
            meta['namespace'] = namespace
        if self.find(resource, namespace, name) is not None:
            label = f'{resource.plural}.{resource.group}' if resource.group else resource.plural
            raise ApiError(
                409, 'AlreadyExists', f'{label} "{name}" already exists', {'name': name, 'kind': resource.plural}
            )
        if validate is not None:
            validate(resource, obj)
        obj['apiVersion'], obj['kind'] = resource.api_version, resource.kind
        meta.update(uid=str(uuid.uuid4()), creationTimestamp=now_text(), generation=1)
        self._space(resource, namespace)[name] = self._stamp(obj, 'ADDED')
        return obj

    def replace(self, resource: Resource, namespace: str | None, name: str, body: dict, validate=None) -> dict:
        current = self.get(resource, namespace, name)
        sent = body.get('metadata', {}).get('resourceVersion')
        if sent and sent != current['metadata']['resourceVersion']:
            label = f'{resource.plural}.{resource.group}' if resource.group else resource.plural
            raise ApiError(
                409,
                'Conflict',
                f'Operation cannot be fulfilled on {label} "{name}": the object has been '
                'modified; please apply your changes to the latest version and try again',
                {'name': name, 'kind': resource.plural},
            )
        obj = copy.deepcopy(body)
        if validate is not None:
            validate(resource, obj)
        return self._store_update(resource, namespace, name, current, obj)

    def patch(self, resource: Resource, namespace: str | None, name: str, patch: dict, validate=None) -> dict:
        current = self.get(resource, namespace, name)
        obj = merge_patch(current, patch)
        if validate is not None:
            validate(resource, obj)
        return self._store_update(resource, namespace, name, current, obj)

    def _store_update(self, resource: Resource, namespace: str | None, name: str, current: dict, obj: dict) -> dict:
        meta = obj.setdefault('metadata', {})
        for kept in ('uid', 'creationTimestamp', 'namespace', 'name'):
            if kept in current['metadata']:
                meta[kept] = current['metadata'][kept]
        obj['apiVersion'], obj['kind'] = resource.api_version, resource.kind
        if 'status' in current and 'status' not in obj:
            obj['status'] = current['status']
        spec_changed = obj.get('spec') != current.get('spec')
        meta['generation'] = current['metadata'].get('generation', 1) + (1 if spec_changed else 0)
        self._space(resource, namespace)[name] = self._stamp(obj, 'MODIFIED')
        return obj

    def set_status(self, obj: dict, status: dict) -> None:
        """What controllers and kubelets write: the status, with a new resourceVersion when it changed."""
        if obj.get('status') != status:
            obj['status'] = status
            self._stamp(obj, 'MODIFIED')

    def bind(self, pod: dict, node: str) -> None:
        """The scheduler's binding: the pod's node set, with a new resourceVersion."""
        pod['spec']['nodeName'] = node
        self._stamp(pod, 'MODIFIED')

    def delete(self, resource: Resource, namespace: str | None, name: str) -> dict:
        obj = self.get(resource, namespace, name)
        self._remove(resource.plural, namespace or '', name)
        if resource.kind == 'Namespace':
            for plural, spaces in self._kinds.items():
                for inner in list(spaces.get(name, {})):
                    self._remove(plural, name, inner)
        self._collect_owned(obj['metadata'].get('namespace') or '', obj['metadata']['uid'])
        return obj

    def _remove(self, plural: str, namespace: str, name: str) -> None:
        obj = self._kinds[plural][namespace].pop(name, None)
        if obj is not None:
            obj['metadata']['resourceVersion'] = self.version = str(next(self._versions))
            self.changes.add(int(self.version), 'DELETED', obj)

    def _collect_owned(self, namespace: str, owner_uid: str) -> None:
        """The garbage collector: objects whose owner is gone go too (dependents share the owner's namespace)."""
        owned = [
            (plural, obj)
            for plural, spaces in self._kinds.items()
            for obj in list(spaces.get(namespace, {}).values())
            if any(ref.get('uid') == owner_uid for ref in obj['metadata'].get('ownerReferences') or [])
        ]
        for plural, obj in owned:
            if self._kinds[plural][namespace].get(obj['metadata']['name']) is obj:
                self._remove(plural, namespace, obj['metadata']['name'])
                self._collect_owned(namespace, obj['metadata']['uid'])
