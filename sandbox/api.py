"""The Kubernetes REST paths the cluster service uses, over the sandbox's store.

/api/v1/... and /apis/{group}/{version}/...: list (with labelSelector and fieldSelector), create, get, replace,
merge-patch, delete, deletecollection, watch (`?watch=true`, changes.py); pods/log, deployments/scale,
metrics.k8s.io, /version.
"""

import json

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse

from sandbox.changes import Change, watch_stream
from sandbox.selectors import matches_fields, matches_labels
from sandbox.simulation import Cluster
from sandbox.store import BY_PATH, RESOURCES, ApiError, Resource, now_text
from sandbox.validation import validate

VERSION = {
    'major': '1',
    'minor': '31',
    'gitVersion': 'v1.31.0-espaze-sandbox',
    'gitCommit': '',
    'gitTreeState': 'clean',
    'buildDate': '2026-01-01T00:00:00Z',
    'goVersion': 'go1.22',
    'compiler': 'gc',
    'platform': 'linux/amd64',
}


RETURNED_WHEN_DELETED = {'Pod', 'Service', 'ResourceQuota'}  # as the API server does; others answer a Status


def _status(code: int, reason: str, message: str) -> JSONResponse:
    return JSONResponse(ApiError(code, reason, message).status, code)


def _parse(path: str) -> tuple[Resource, str | None, str | None, str | None]:
    """(resource, namespace, name, subresource) of an API path, or ApiError 404."""
    parts = [p for p in path.split('/') if p]
    if parts[:1] == ['api'] and len(parts) >= 3:
        group, version, rest = '', parts[1], parts[2:]
    elif parts[:1] == ['apis'] and len(parts) >= 4:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
    namespace = None
    if len(rest) >= 3 and rest[0] == 'namespaces':
        namespace, rest = rest[1], rest[2:]
    resource = BY_PATH.get((group, version, rest[0]))
    if resource is None or (
        (namespace is not None) != resource.namespaced and not (namespace is None and len(rest) == 1)
    ):
        raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
    return resource, namespace, rest[1] if len(rest) > 1 else None, rest[2] if len(rest) > 2 else None


def _list(resource: Resource, items: list[dict], version: str) -> dict:
    return {
        'kind': f'{resource.kind}List',
        'apiVersion': resource.api_version,
        'metadata': {'resourceVersion': version},
        'items': items,
    }


def create_app(cluster: Cluster) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    store = cluster.store

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(error.status, error.code)

    @app.get('/version')
    @app.get('/version/')
    async def version() -> dict:
        return VERSION

    @app.get('/healthz')
    async def healthz() -> PlainTextResponse:
        return PlainTextResponse('ok')

    @app.middleware('http')
    async def metrics_server(request: Request, call_next):
        if request.url.path.startswith('/apis/metrics.k8s.io') and not cluster.metrics:
            return _status(404, 'NotFound', 'the server could not find the requested resource')
        return await call_next(request)

    @app.get('/apis/metrics.k8s.io/v1beta1/nodes')
    async def node_metrics() -> dict:
        return {
            'kind': 'NodeMetricsList',
            'apiVersion': 'metrics.k8s.io/v1beta1',
            'metadata': {},
            'items': cluster.usage.node_metrics(),
        }

    @app.get('/apis/metrics.k8s.io/v1beta1/pods')
    @app.get('/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods')
    async def pod_metrics(namespace: str | None = None) -> dict:
        return {
            'kind': 'PodMetricsList',
            'apiVersion': 'metrics.k8s.io/v1beta1',
            'metadata': {},
            'items': cluster.usage.pod_metrics(namespace),
        }

    @app.get('/apis')
    @app.get('/apis/')
    async def api_groups() -> dict:
        """Discovery: the API groups served (clients look here for Gateway API and cert-manager)."""
        served = sorted({(r.group, r.version) for r in RESOURCES if r.group})
        groups = []
        for group, version in served:
            named = {'groupVersion': f'{group}/{version}', 'version': version}
            groups.append({'name': group, 'versions': [named], 'preferredVersion': named})
        return {'kind': 'APIGroupList', 'apiVersion': 'v1', 'groups': groups}

    @app.get('/apis/{group}/{version}')
    @app.get('/apis/{group}/{version}/')
    async def api_resources(group: str, version: str) -> dict:
        served = [r for r in RESOURCES if r.group == group and r.version == version]
        if not served:
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']
        return {
            'kind': 'APIResourceList',
            'apiVersion': 'v1',
            'groupVersion': f'{group}/{version}',
            'resources': [
                {
                    'name': r.plural,
                    'singularName': r.kind.lower(),
                    'namespaced': r.namespaced,
                    'kind': r.kind,
                    'verbs': verbs,
                }
                for r in served
            ],
        }

    @app.api_route('/{path:path}', methods=['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])
    async def objects(path: str, request: Request):
        resource, namespace, name, sub = _parse('/' + path)
        query = request.query_params
        body = json.loads(await request.body() or b'null') if request.method in ('POST', 'PUT', 'PATCH') else None
        if request.method in ('POST', 'PUT', 'PATCH') and not isinstance(body, dict):
            return _status(400, 'BadRequest', 'the request body must be a JSON object')
        if sub == 'log' and resource.kind == 'Pod' and request.method == 'GET':
            pod = store.get(resource, namespace, name)
            lines = cluster.pod_log(pod, query.get('tailLines'), query.get('sinceSeconds'))
            return PlainTextResponse(''.join(line + '\n' for line in lines))
        if sub == 'scale' and resource.kind == 'Deployment':
            return _scale(resource, namespace, name, request.method, body)
        if sub is not None:
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        if name is None:
            if request.method == 'GET' and query.get('watch') in ('true', '1'):
                return _watch(resource, namespace, query)
            if request.method == 'GET':
                try:
                    items = store.list(resource, namespace, query.get('labelSelector'), query.get('fieldSelector'))
                except (ValueError, AttributeError) as error:
                    return _status(400, 'BadRequest', f'unable to parse selector: {error}')
                return _list(resource, items, str(cluster.now_version()))
            if request.method == 'POST':
                return JSONResponse(store.create(resource, namespace, body, validate), 201)
            if request.method == 'DELETE':
                doomed = store.list(resource, namespace, query.get('labelSelector'))
                for obj in doomed:
                    store.delete(resource, namespace, obj['metadata']['name'])
                return _list(resource, doomed, str(cluster.now_version()))
            return _status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')
        if request.method == 'GET':
            return store.get(resource, namespace, name)
        if request.method == 'PUT':
            return store.replace(resource, namespace, name, body, validate)
        if request.method == 'PATCH':
            return store.patch(resource, namespace, name, body, validate)
        if request.method == 'DELETE':
            deleted = store.delete(resource, namespace, name)
            if resource.kind in RETURNED_WHEN_DELETED:
                return deleted
            return {
                'kind': 'Status',
                'apiVersion': 'v1',
                'metadata': {},
                'status': 'Success',
                'details': {'name': name, 'kind': resource.plural, 'uid': deleted['metadata']['uid']},
            }
        return _status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')

    def _watch(resource: Resource, namespace: str | None, query) -> StreamingResponse:
        labels, fields = query.get('labelSelector'), query.get('fieldSelector')
        try:
            matches_labels({}, labels) and matches_fields({}, fields)
            initial = store.list(resource, namespace, labels, fields)
        except (ValueError, AttributeError) as error:
            raise ApiError(400, 'BadRequest', f'unable to parse selector: {error}') from None
        since = query.get('resourceVersion') or ''
        if since not in ('', '0') and not since.isdigit():
            raise ApiError(400, 'BadRequest', f'invalid resource version: {since}')
        start = int(store.version) if since in ('', '0') else int(since)
        timeout = query.get('timeoutSeconds') or '1800'
        if not timeout.isdigit():
            raise ApiError(400, 'BadRequest', f'invalid timeoutSeconds: {timeout}')

        def wanted(change: Change) -> bool:
            return (
                change.kind == resource.kind
                and (namespace is None or change.namespace == namespace)
                and matches_labels(change.obj['metadata'].get('labels') or {}, labels)
                and matches_fields(change.obj, fields)
            )

        stream = watch_stream(
            store.changes,
            start,
            initial if since in ('', '0') else [],
            wanted,
            timeout=float(timeout),
            bookmarks=query.get('allowWatchBookmarks') in ('true', '1'),
            api_version=resource.api_version,
            kind=resource.kind,
        )
        return StreamingResponse(stream, media_type='application/json')

    def _scale(resource: Resource, namespace: str, name: str, method: str, body: dict | None):
        deployment = store.get(resource, namespace, name)
        if method in ('PUT', 'PATCH'):
            replicas = (body.get('spec') or {}).get('replicas')
            if not isinstance(replicas, int) or replicas < 0:
                raise ApiError(422, 'Invalid', f'Scale.autoscaling "{name}" is invalid: spec.replicas: must be >= 0')
            store.patch(resource, namespace, name, {'spec': {'replicas': replicas}})
            deployment = store.get(resource, namespace, name)
        return {
            'kind': 'Scale',
            'apiVersion': 'autoscaling/v1',
            'metadata': {
                'name': name,
                'namespace': namespace,
                'creationTimestamp': now_text(),
                'resourceVersion': deployment['metadata']['resourceVersion'],
            },
            'spec': {'replicas': deployment['spec'].get('replicas', 1)},
            'status': {
                'replicas': (deployment.get('status') or {}).get('replicas', 0),
                'selector': ','.join(f'{k}={v}' for k, v in deployment['spec']['selector']['matchLabels'].items()),
            },
        }

    return app
