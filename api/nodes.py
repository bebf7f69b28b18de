"""The fleet API: enrollment, heartbeats, nodes and enrollment tokens."""

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials

from api.deps import CurrentUser, ServicesDep, bearer_scheme, get_services
from api.heartbeat_endpoint import accept_heartbeat
from api.node_schemas import (
    EnrollmentTokenCreate,
    EnrollmentTokenCreated,
    EnrollmentTokenOut,
    HeartbeatRequest,
    HeartbeatResponse,
    MetricsPointOut,
    NodeCountsOut,
    NodeEventOut,
    NodeList,
    NodeOut,
    NodePatch,
    ReenrollmentOut,
    RegisterNodeRequest,
    RegisterNodeResponse,
)
from api.schemas import PageNumber
from models.accounts import User
from models.errors import Unauthorized, ValidationFailed
from models.fleet import NodeCapacity, NodeListQuery, NodeRegistration, NodeStatus
from services.fleet.nodes import ENROLLMENT_PREFIX
from web.client_address import address_of

router = APIRouter(prefix='/api/nodes', tags=['nodes'])
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
SORT_FIELDS = {
    'name': 'name',
    'status': 'status',
    'macAddress': 'mac_address',
    'publicIp': 'public_ip',
    'createdAt': 'created_at',
    'lastSeenAt': 'last_seen_at',
}


def _registration(body: RegisterNodeRequest) -> NodeRegistration:
    capacity = body.capacity
    return NodeRegistration(
        mac_address=body.mac_address,
        public_ip=body.public_ip,
        location=body.location.model(),
        name=body.name,
        labels=body.labels,
        agent_version=body.agent_version,
        capacity=NodeCapacity(capacity.cpu_cores, capacity.memory_bytes) if capacity else None,
    )


async def registrar(services: ServicesDep, credentials: Bearer) -> tuple[User | None, str]:
    """Who enrolls: an operator's access token (the user) or a usable enrollment token; 401 before the body is
    even read, so that strangers learn nothing of the request's shape."""
    if credentials is None:
        raise Unauthorized('Missing bearer token: an access token or an enrollment token')
    token = credentials.credentials
    if token.startswith(ENROLLMENT_PREFIX):
        if not await services.nodes.enrollment_token_usable(token):
            raise Unauthorized('Enrollment token is invalid, expired, used up or revoked')
        return None, token
    actor, _ = await services.auth.user_for_access_token(token)
    return actor, token


@router.post('/register', status_code=status.HTTP_201_CREATED, responses={200: {'model': RegisterNodeResponse}})
async def register_node(
    caller: Annotated[tuple[User | None, str], Depends(registrar)],
    body: RegisterNodeRequest,
    request: Request,
    services: ServicesDep,
) -> JSONResponse:
    """Enroll a node with an operator's access token or an enrollment token (`espe_...`).

    201 with the node and its token for a new node; 200 with a fresh token when the same owner enrolls the MAC again.
    The node token is shown only in this answer.
    """
    actor, token = caller
    if actor is None:
        enrolled = await services.nodes.register_with_enrollment_token(
            token, _registration(body), address_of(request), body.node_token
        )
    else:
        enrolled = await services.nodes.register(actor, _registration(body), address_of(request))
    answer = RegisterNodeResponse(node=NodeOut.of(enrolled.node), node_token=enrolled.node_token)
    code = status.HTTP_201_CREATED if enrolled.created else status.HTTP_200_OK
    return JSONResponse(answer.model_dump(mode='json', by_alias=True), status_code=code)


@router.post('/{node_id}/heartbeat', response_model=HeartbeatResponse, openapi_extra={'security': [{'HTTPBearer': []}]})
async def heartbeat(
    node_id: str, request: Request, body: Annotated[HeartbeatRequest | None, Body()] = None
) -> Response:
    """A node's heartbeat, authenticated by its node token. Liveness uses the server's receive time.

    Served by `api.heartbeat_endpoint` ahead of the router; this route documents it and is the fallback.
    """
    authorization = request.headers.get('authorization', '')
    answer = await accept_heartbeat(await get_services(request), node_id, authorization, address_of(request), body)
    return Response(answer, media_type='application/json')


@router.post('/enrollment-tokens', status_code=status.HTTP_201_CREATED)
async def create_enrollment_token(
    body: EnrollmentTokenCreate, user: CurrentUser, services: ServicesDep
) -> EnrollmentTokenCreated:
    """A token that lets nodes enroll for you: expiring, usable `maxUses` times. Its secret is shown only here."""
    record, secret = await services.nodes.create_enrollment_token(
        user, body.name, timedelta(hours=body.ttl_hours), body.max_uses
    )
    return EnrollmentTokenCreated(**EnrollmentTokenOut.of(record).model_dump(), token=secret)


@router.get('/enrollment-tokens')
async def list_enrollment_tokens(user: CurrentUser, services: ServicesDep) -> list[EnrollmentTokenOut]:
    """Your enrollment tokens (all of them for admins), newest first."""
    return [EnrollmentTokenOut.of(t) for t in await services.nodes.enrollment_tokens(user)]


@router.delete('/enrollment-tokens/{token_id}', status_code=status.HTTP_204_NO_CONTENT)
async def revoke_enrollment_token(token_id: str, user: CurrentUser, services: ServicesDep) -> Response:
    """Stop an enrollment token from enrolling more nodes."""
    await services.nodes.revoke_enrollment_token(user, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get('/summary')
async def node_counts(user: CurrentUser, services: ServicesDep) -> NodeCountsOut:
    """How many nodes you can see, by status."""
    return NodeCountsOut(**vars(await services.nodes.counts(user)))


@router.get('')
async def list_nodes(
    user: CurrentUser,
    services: ServicesDep,
    node_status: Annotated[NodeStatus | None, Query(alias='status')] = None,
    label: Annotated[str | None, Query(max_length=400, description='key=value')] = None,
    q: Annotated[str | None, Query(max_length=100, description='text in name, MAC or IP')] = None,
    sort: Annotated[Literal[tuple(SORT_FIELDS)], Query()] = 'createdAt',  # type: ignore[valid-type]
    order: Annotated[Literal['asc', 'desc'], Query()] = 'desc',
    page: PageNumber = 1,
    page_size: Annotated[int, Query(alias='pageSize', ge=1, le=200)] = 50,
) -> NodeList:
    """Nodes you can see, one page at a time, filtered and sorted on the server."""
    label_pair = None
    if label:
        key, separator, value = label.partition('=')
        if not separator or not key:
            raise ValidationFailed('label', 'must look like key=value')
        label_pair = (key, value)
    query = NodeListQuery(
        status=node_status,
        label=label_pair,
        text=q or None,
        sort=SORT_FIELDS[sort],
        descending=order == 'desc',
        page=page,
        page_size=page_size,
    )
    result = await services.nodes.find(user, query)
    return NodeList(items=[NodeOut.of(n) for n in result.items], total=result.total, page=page, page_size=page_size)


@router.get('/{node_id}')
async def get_node(node_id: str, user: CurrentUser, services: ServicesDep) -> NodeOut:
    """One node."""
    return NodeOut.of(await services.nodes.get(user, node_id))


@router.patch('/{node_id}')
async def update_node(node_id: str, body: NodePatch, user: CurrentUser, services: ServicesDep) -> NodeOut:
    """Rename a node or replace its labels."""
    return NodeOut.of(await services.nodes.update(user, node_id, body.name, body.labels))


@router.delete('/{node_id}', status_code=status.HTTP_204_NO_CONTENT)
async def delete_node(node_id: str, user: CurrentUser, services: ServicesDep) -> Response:
    """Remove a node, its token and its history."""
    await services.nodes.delete(user, node_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post('/{node_id}/revoke-token', status_code=status.HTTP_204_NO_CONTENT)
async def revoke_node_token(node_id: str, user: CurrentUser, services: ServicesDep) -> Response:
    """Refuse the node's heartbeats until it enrolls again."""
    await services.nodes.revoke_token(user, node_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post('/{node_id}/allow-reenrollment')
async def allow_reenrollment(node_id: str, user: CurrentUser, services: ServicesDep) -> ReenrollmentOut:
    """Let one enrollment token enroll this node's MAC again (a replaced or reinstalled machine that lost its
    node token), until `allowedUntil` (15 minutes)."""
    return ReenrollmentOut(allowed_until=await services.nodes.allow_reenrollment(user, node_id))


@router.get('/{node_id}/events')
async def node_events(node_id: str, user: CurrentUser, services: ServicesDep) -> list[NodeEventOut]:
    """The node's status changes, newest first."""
    return [NodeEventOut.of(e) for e in await services.nodes.events(user, node_id)]


@router.get('/{node_id}/metrics')
async def node_metrics(
    node_id: str, user: CurrentUser, services: ServicesDep, hours: Annotated[int, Query(ge=1, le=168)] = 24
) -> list[MetricsPointOut]:
    """The node's metrics, at most one point a minute, oldest first."""
    points = await services.nodes.metrics(user, node_id, hours)
    return [MetricsPointOut.of(p) for p in points]
