"""One place that turns domain errors and bad input into HTTP answers, never echoing what was sent."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from errors import Conflict, EspazeError, Forbidden, NotFound, Unauthorized, ValidationFailed
from http_middleware import current_request_id

STATUS_BY_ERROR: dict[type[EspazeError], int] = {
    ValidationFailed: 422,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
}


def error_body(message: str, **extra: object) -> dict[str, object]:
    return {'error': message, 'requestId': current_request_id(), **extra}


def _field_name(loc: tuple[int | str, ...]) -> str:
    parts = [str(part) for part in loc if part not in ('body', 'query', 'path', 'header')]
    return '.'.join(parts) or 'body'


async def _espaze_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, EspazeError)
    status = next((code for kind, code in STATUS_BY_ERROR.items() if isinstance(error, kind)), 400)
    headers = {'WWW-Authenticate': 'Bearer'} if status == 401 else None
    if isinstance(error, ValidationFailed):
        fields = [{'field': error.field, 'message': error.message}]
        return JSONResponse(error_body(f'Invalid {error.field}: {error.message}', fields=fields), status_code=422)
    return JSONResponse(error_body(str(error)), status_code=status, headers=headers)


async def _invalid_request(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    fields = [{'field': _field_name(tuple(e['loc'])), 'message': e['msg']} for e in error.errors()]
    names = ', '.join(dict.fromkeys(f['field'] for f in fields))
    return JSONResponse(error_body(f'Invalid {names}', fields=fields), status_code=422)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    return JSONResponse(error_body(str(error.detail)), status_code=error.status_code, headers=error.headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map EspazeError subclasses, HTTP errors and request validation failures to JSON answers."""
    app.add_exception_handler(EspazeError, _espaze_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
