"""Liveness and readiness probes."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.registry import Services

router = APIRouter(tags=['health'])


@router.get('/healthz')
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {'status': 'ok'}


@router.get('/readyz')
async def readyz(request: Request) -> JSONResponse:
    """Startup is done and the database answers; 503 otherwise."""
    services: Services = request.app.state.services
    if await services.health.ready():
        return JSONResponse({'status': 'ready'})
    return JSONResponse({'status': 'unavailable', 'reason': 'starting, or database unreachable'}, status_code=503)
