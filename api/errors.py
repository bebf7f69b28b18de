"""One place that turns domain errors and bad input into HTTP answers, never echoing what was sent."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException

from api.openapi import documented_methods
from models.errors import (
    Conflict,
    EspazeError,
    Forbidden,
    NotFound,
    RateLimited,
    SecondFactorNeeded,
    Unauthorized,
    UpstreamFailed,
    ValidationFailed,
)
from runtime.request_id import current_request_id

STATUS_BY_ERROR: dict[type[EspazeError], int] = {
    ValidationFailed: 422,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    RateLimited: 429,
    UpstreamFailed: 502,
}


DATABASE_UNAVAILABLE = 'The database is unavailable right now; try again in a few seconds'


def error_body(message: str, **extra: object) -> dict[str, object]:
    return {'error': message, 'requestId': current_request_id(), **extra}


def _field_name(loc: tuple[int | str, ...]) -> str:
    parts = [str(part) for part in loc if part not in ('body', 'query', 'path', 'header')]
    return '.'.join(parts) or 'body'


def error_response(message: str, status: int, headers: dict[str, str] | None = None, **extra: object) -> JSONResponse:
    return JSONResponse(error_body(message, **extra), status_code=status, headers=headers)


def espaze_error_response(error: EspazeError) -> JSONResponse:
    status = next((code for kind, code in STATUS_BY_ERROR.items() if isinstance(error, kind)), 400)
    if isinstance(error, ValidationFailed):
        fields = [{'field': name, 'message': text} for name, text in error.problems]
        return error_response(f'Invalid {error}', 422, fields=fields)
    if isinstance(error, RateLimited):
        retry_after = error.retry_after_seconds(datetime.now(UTC))
        return error_response(str(error), status, {'Retry-After': str(retry_after)}, retryAfterSeconds=retry_after)
    if isinstance(error, SecondFactorNeeded):
        return error_response(str(error), status, {'WWW-Authenticate': 'Bearer'}, secondFactor='totp')
    return error_response(str(error), status, {'WWW-Authenticate': 'Bearer'} if status == 401 else None)


def validation_error_response(errors: Sequence[Any]) -> JSONResponse:
    """A 422 naming each field pydantic refused (by its location), without echoing the input."""
    fields = [{'field': _field_name(tuple(e['loc'])), 'message': e['msg']} for e in errors]
    names = ', '.join(dict.fromkeys(f['field'] for f in fields))
    return error_response(f'Invalid {names}', 422, fields=fields)


async def _espaze_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, EspazeError)
    return espaze_error_response(error)


async def _invalid_request(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return validation_error_response(error.errors())


async def _database_unavailable(request: Request, error: Exception) -> JSONResponse:
    """The database did not answer in time: nothing was done for sure, so the client may try again."""
    return error_response(DATABASE_UNAVAILABLE, 503, headers={'Retry-After': '5'})


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    headers = error.headers
    allowed = documented_methods(request.app, request.url.path) if error.status_code == 405 else None
    if allowed:  # Starlette's 405 names only the methods of the first route that matched the path
        headers = {**(headers or {}), 'Allow': allowed}
    return error_response(str(error.detail), error.status_code, headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map EspazeError subclasses, HTTP errors and request validation failures to JSON answers; an unknown path
    under /api is a JSON 404 (NiceGUI's own 404 page, which opens a page session, stays for everything else)."""
    page_not_found = app.exception_handlers.get(404)

    async def not_found(request: Request, error: Exception) -> Response:
        if not request.url.path.startswith('/api/') and page_not_found is not None:
            return await page_not_found(request, error)
        if request.scope.get('endpoint') is not None and isinstance(error, HTTPException):
            return await _http_error(request, error)  # a route's own 404 keeps its words
        return error_response('No such API path: see /docs', 404)

    app.add_exception_handler(404, not_found)
    app.add_exception_handler(EspazeError, _espaze_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(PyMongoError, _database_unavailable)
