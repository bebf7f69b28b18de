"""`GET /metrics`: Espaze's own metrics for Prometheus (text format), behind ESPAZE_METRICS_TOKEN when it is set."""

import hmac

from fastapi import APIRouter, Request, Response

from models.errors import Unauthorized
from services.infrastructure.telemetry import CONTENT_TYPE
from services.registry import Services

router = APIRouter(tags=['health'])


@router.get('/metrics', include_in_schema=False)
async def metrics(request: Request) -> Response:
    services: Services = request.app.state.services
    required = services.telemetry.required_token
    if required is not None:
        scheme, _, presented = request.headers.get('authorization', '').partition(' ')
        if scheme.lower() != 'bearer' or not hmac.compare_digest(presented.encode(), required.encode()):
            raise Unauthorized('GET /metrics needs the bearer token ESPAZE_METRICS_TOKEN')
    return Response(await services.telemetry.render(), media_type=CONTENT_TYPE)
