"""GitHub's webhook deliveries: `POST /api/github/webhooks`, signed with the hook's secret, answered at once."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import ServicesDep
from web.client_address import address_of

router = APIRouter(prefix='/api/github', tags=['github'])


@router.post('/webhooks', status_code=202, responses={200: {}, 401: {}, 413: {}, 429: {}})
async def delivery(request: Request, services: ServicesDep) -> JSONResponse:
    """A delivery from a repository webhook Espaze made (push to deploy). The `X-Hub-Signature-256` signature is
    checked against the raw body before anything is read from it; a repeated `X-GitHub-Delivery` is ignored; a
    `ping` is answered; other deliveries are answered with 202 and acted on afterwards."""
    headers = request.headers
    code, answer = await services.pushes.receive(
        address_of(request),
        headers.get('x-github-event', ''),
        headers.get('x-github-delivery', ''),
        headers.get('x-github-hook-id'),
        headers.get('x-hub-signature-256'),
        await request.body(),
    )
    return JSONResponse(answer, code)
