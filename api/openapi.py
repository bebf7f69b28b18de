"""The API's error answers in /openapi.json: every operation may answer with Espaze's error body, and the 422
FastAPI documents is replaced by the one Espaze actually sends."""

import re
from typing import Any

from fastapi import FastAPI

ERROR_STATUSES = {
    '400': 'Malformed request',
    '401': 'Missing, invalid, expired or revoked credentials',
    '403': 'Not allowed for this role',
    '404': 'Not found, or not yours',
    '409': 'Conflicts with the current state',
    '413': 'Request body too large',
    '422': 'Invalid input: `fields` names each field refused',
    '429': 'Rate limited: wait `Retry-After` seconds',
    '502': 'GitHub or the cluster failed',
    '503': 'The database is unavailable, or Espaze is still starting: wait `Retry-After` seconds',
}
ERROR_SCHEMA = {
    'type': 'object',
    'required': ['error', 'requestId'],
    'properties': {
        'error': {'type': 'string'},
        'requestId': {'type': 'string'},
        'fields': {
            'type': 'array',
            'items': {
                'type': 'object',
                'required': ['field', 'message'],
                'properties': {'field': {'type': 'string'}, 'message': {'type': 'string'}},
            },
        },
        'retryAfterSeconds': {'type': 'integer'},
    },
}
PROBES = ('/healthz', '/readyz')  # the only documented paths outside /api (static files are not API)
RETRY_AFTER = {'Retry-After': {'description': 'Seconds to wait', 'schema': {'type': 'integer'}}}


def _error_response(status: str, description: str) -> dict[str, Any]:
    answer: dict[str, Any] = {
        'description': description,
        'content': {'application/json': {'schema': {'$ref': '#/components/schemas/Error'}}},
    }
    if status in ('429', '503'):
        answer['headers'] = RETRY_AFTER
    return answer


def with_error_answers(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with Espaze's error answers on every operation under /api."""
    schema.setdefault('components', {}).setdefault('schemas', {})['Error'] = ERROR_SCHEMA
    for name in ('HTTPValidationError', 'ValidationError'):
        schema['components']['schemas'].pop(name, None)
    schema['paths'] = {
        path: operations
        for path, operations in schema.get('paths', {}).items()
        if path.startswith('/api/') or path in PROBES
    }
    for path, operations in schema['paths'].items():
        statuses = ERROR_STATUSES if path.startswith('/api/') else {'503': ERROR_STATUSES['503']}
        for operation in operations.values():
            responses = operation.setdefault('responses', {})
            for status, description in statuses.items():
                responses[status] = _error_response(status, description)
    return schema


def documented_methods(app: FastAPI, path: str) -> str | None:
    """The methods /openapi.json lists for the path this request path matches (HEAD with GET), or None."""
    for template, operations in app.openapi()['paths'].items():
        if re.fullmatch(re.sub(r'\{[^}/]+\}', '[^/]+', template), path):
            methods = {method.upper() for method in operations}
            return ', '.join(sorted(methods | ({'HEAD'} if 'GET' in methods else set())))
    return None


def install(app: FastAPI) -> None:
    """Serve the schema with the error answers (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_error_answers(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
