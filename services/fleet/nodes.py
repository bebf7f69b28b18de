"""The fleet: enrolling nodes, reading and changing them, and the enrollment tokens that let them in."""

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from models.accounts import User
from models.errors import Conflict, Forbidden, NotFound, Unauthorized
from models.fleet import (
    Enrollment,
    EnrollmentToken,
    MetricsPoint,
    Node,
    NodeCounts,
    NodeEvent,
    NodeListQuery,
    NodePage,
    NodeRegistration,
)
from models.fleet_map import MapMarker
from models.limits import Limit
from repositories.enrollment import EnrollmentTokenRepository
from repositories.node_activity import NodeActivityRepository
from repositories.nodes import NodeRepository
from repositories.users import UserRepository
from services.audit import AuditLog
from services.fleet.node_rules import canonical_mac, checked_ip, checked_labels, checked_node_name, checked_position
from services.fleet.node_tokens import NodeTokenGuard
from services.infrastructure.rate_limits import RateLimiter
from services.tokens import TokenCodec, new_opaque_token, token_hash

ENROLLMENT_PREFIX = 'espe_'
NODE_TOKEN_TTL = timedelta(days=3650)
REENROLL_WINDOW = timedelta(minutes=15)
ALREADY_ENROLLED = (
    'This MAC address is already enrolled. To enroll it again, send the current token of that node, '
    'or allow re-enrollment on its page first'
)


class NodeService:
    def __init__(
        self,
        *,
        nodes: NodeRepository,
        activity: NodeActivityRepository,
        enrollment: EnrollmentTokenRepository,
        users: UserRepository,
        tokens: TokenCodec,
        token_guard: NodeTokenGuard,
        allow_private_ips: bool,
        clock: Callable[[], datetime],
        audit: AuditLog,
        limiter: RateLimiter,
        enroll_limit: Limit,
    ) -> None:
        self._audit = audit
        self._limiter = limiter
        self._enroll_limit = enroll_limit
        self._nodes = nodes
        self._activity = activity
        self._enrollment = enrollment
        self._users = users
        self._tokens = tokens
        self._token_guard = token_guard
        self._allow_private_ips = allow_private_ips
        self._clock = clock

    async def ensure_indexes(self) -> None:
        """Create the indexes of the fleet's collections."""
        await self._nodes.ensure_indexes()
        await self._activity.ensure_indexes()
        await self._enrollment.ensure_indexes()

    def validated(self, registration: NodeRegistration) -> NodeRegistration:
        """The registration in canonical form; raises ValidationFailed naming the first bad field."""
        mac = canonical_mac(registration.mac_address)
        location = registration.location
        checked_position(location.latitude, location.longitude, location.accuracy_meters)
        return replace(
            registration,
            mac_address=mac,
            public_ip=checked_ip(registration.public_ip, self._allow_private_ips),
            name=checked_node_name(registration.name, mac),
            labels=checked_labels(registration.labels) if registration.labels is not None else None,
        )

    async def register(self, actor: User, registration: NodeRegistration, seen_ip: str | None) -> Enrollment:
        """Enroll a node for an operator or admin; the same owner and MAC get the same node and a fresh token."""
        if not actor.can_manage:
            raise Forbidden('Viewers cannot register nodes')
        await self._limiter.take(self._enroll_limit, seen_ip)
        enrollment = await self._register(actor.id, self.validated(registration), seen_ip)
        await self._audit.record(
            actor, 'node.enroll', enrollment.node.id, name=enrollment.node.name, mac=registration.mac_address
        )
        return enrollment

    async def enrollment_token_usable(self, enrollment_token: str) -> bool:
        """Whether this enrollment token could enroll a node now (nothing is counted)."""
        found = await self._enrollment.find(token_hash(enrollment_token))
        return found is not None and found.usable(self._clock())

    async def register_with_enrollment_token(
        self, enrollment_token: str, registration: NodeRegistration, seen_ip: str | None, node_token: str | None = None
    ) -> Enrollment:
        """Enroll a node for the creator of an enrollment token, counting one use of it. A MAC already enrolled is
        enrolled again only with that node's current token, or while its owner allows re-enrollment on its page."""
        await self._limiter.take(self._enroll_limit, seen_ip)
        registration = self.validated(registration)
        used = await self._enrollment.use(token_hash(enrollment_token))
        if used is None:
            raise Unauthorized('Enrollment token is invalid, expired, used up or revoked')
        owner = await self._users.get(used.owner_id)
        try:
            if owner is None or owner.disabled or not owner.can_manage:
                raise Unauthorized('Enrollment token is no longer valid')
            enrollment = await self._register(used.owner_id, registration, seen_ip, node_token or '')
        except Exception:
            await self._enrollment.give_back(used.id)
            raise
        await self._audit.record(
            owner,
            'node.enroll',
            enrollment.node.id,
            name=enrollment.node.name,
            mac=registration.mac_address,
            by='enrollment token',
        )
        return enrollment

    async def _register(
        self, owner_id: str, registration: NodeRegistration, seen_ip: str | None, node_token: str | None = None
    ) -> Enrollment:
        """`node_token` None: the owner enrolls (an access token); a string: an enrollment token does, which
        needs the node's current token (that string) or an allowance to re-enroll an existing MAC."""
        existing = await self._nodes.get_by_mac(registration.mac_address)
        if existing is None:
            node_id = self._nodes.new_id()
            node_token, token = self._new_node_token(node_id)
            try:
                node = await self._nodes.create(node_id, owner_id, registration, seen_ip, token)
                return Enrollment(node, node_token, created=True)
            except Conflict:
                existing = await self._nodes.get_by_mac(registration.mac_address)  # enrolled concurrently
                if existing is None:
                    raise
        if existing.owner_id != owner_id:
            raise Conflict(ALREADY_ENROLLED)  # the same words as below: nothing tells whose node it is
        proof = None if node_token is None else self._reenrollment_proof(existing, node_token)
        new_token, token = self._new_node_token(existing.id)
        node = await self._nodes.re_register(existing.id, registration, seen_ip, token, proof)
        if node is None:
            raise Conflict(ALREADY_ENROLLED)
        await self._revoke_token_of(existing)
        return Enrollment(node, new_token, created=False)

    def _reenrollment_proof(self, node: Node, node_token: str) -> dict:
        """What the stored node must still match: its current token, or an unexpired allowance."""
        try:
            claims = self._tokens.decode(node_token, 'node') if node_token else None
        except Unauthorized:
            claims = None
        if claims is not None and claims.get('sub') == node.id and claims.get('jti') == node.token_id:
            return {'token_id': node.token_id}
        return {'reenroll_until': {'$gt': self._clock()}}

    async def allow_reenrollment(self, actor: User, node_id: str) -> datetime:
        """Let one enrollment token enroll this node's MAC again (a replaced machine), for REENROLL_WINDOW."""
        node = await self._managed(actor, node_id)
        until = self._clock() + REENROLL_WINDOW
        if not await self._nodes.allow_reenrollment(node.id, until):
            raise NotFound('No such node')
        await self._audit.record(actor, 'node.allow_reenrollment', node.id, name=node.name, until=until.isoformat())
        return until

    def _new_node_token(self, node_id: str) -> tuple[str, tuple[str, str]]:
        """A node token, and what is stored of it: (hash, id)."""
        token_id = uuid.uuid4().hex
        node_token = self._tokens.encode('node', node_id, NODE_TOKEN_TTL, jti=token_id)
        return node_token, (token_hash(node_token), token_id)

    async def _revoke_token_of(self, node: Node) -> None:
        if node.token_id:
            await self._token_guard.revoke(node.token_id, node.id, self._clock() + NODE_TOKEN_TTL)

    async def find(self, actor: User, query: NodeListQuery) -> NodePage:
        """One page of the nodes this user may read."""
        return await self._nodes.find_page(query, actor.readable_owner)

    async def counts(self, actor: User) -> NodeCounts:
        """Totals by status of the nodes this user may read."""
        return await self._nodes.counts(actor.readable_owner)

    async def map_markers(self, actor: User) -> list[MapMarker]:
        """The map's markers for the nodes this user may read (every node is counted in one of them)."""
        return await self._nodes.map_markers(actor.readable_owner)

    async def get(self, actor: User, node_id: str) -> Node:
        """A node this user may read; NotFound otherwise, whether or not it exists."""
        node = await self._nodes.get(node_id)
        if node is None or not node.readable_by(actor):
            raise NotFound('No such node')
        return node

    async def _managed(self, actor: User, node_id: str) -> Node:
        node = await self.get(actor, node_id)  # operators only get their own nodes
        if not actor.can_manage:
            raise Forbidden('Viewers cannot change nodes')
        return node

    async def update(self, actor: User, node_id: str, name: str | None, labels: dict[str, str] | None) -> Node:
        """Rename a node or replace its labels."""
        node = await self._managed(actor, node_id)
        new_name = checked_node_name(name, node.mac_address) if name is not None else None
        new_labels = checked_labels(labels) if labels is not None else None
        updated = await self._nodes.update_details(node.id, new_name, new_labels)
        if updated is None:
            raise NotFound('No such node')
        return updated

    async def revoke_token(self, actor: User, node_id: str) -> None:
        """Refuse the node's beats until it enrolls again."""
        node = await self._managed(actor, node_id)
        await self._nodes.clear_token(node.id)
        await self._revoke_token_of(node)
        await self._audit.record(actor, 'node.revoke', node.id, name=node.name)

    async def delete(self, actor: User, node_id: str) -> None:
        """Remove a node, its token and its history."""
        node = await self._managed(actor, node_id)
        await self._nodes.delete(node.id)
        await self._activity.delete_node(node.id)
        await self._revoke_token_of(node)
        await self._audit.record(actor, 'node.delete', node.id, name=node.name)

    async def events(self, actor: User, node_id: str) -> list[NodeEvent]:
        """The node's status changes, newest first."""
        node = await self.get(actor, node_id)
        return await self._activity.events(node.id)

    async def metrics(self, actor: User, node_id: str, hours: int = 24) -> list[MetricsPoint]:
        """The node's metrics, one point a minute at most, oldest first."""
        node = await self.get(actor, node_id)
        return await self._activity.metrics_since(node.id, self._clock() - timedelta(hours=hours))

    async def create_enrollment_token(
        self, actor: User, name: str, ttl: timedelta, max_uses: int
    ) -> tuple[EnrollmentToken, str]:
        """A new enrollment token; its secret is returned only here."""
        if not actor.can_manage:
            raise Forbidden('Viewers cannot create enrollment tokens')
        secret = ENROLLMENT_PREFIX + new_opaque_token()
        record = await self._enrollment.create(actor.id, name, token_hash(secret), self._clock() + ttl, max_uses)
        await self._audit.record(actor, 'enrollment_token.create', record.id, name=name, uses=max_uses)
        return record, secret

    async def enrollment_tokens(self, actor: User) -> list[EnrollmentToken]:
        """The enrollment tokens this user may see."""
        return await self._enrollment.newest(None if actor.is_admin else actor.id)

    async def revoke_enrollment_token(self, actor: User, token_id: str) -> None:
        """Stop an enrollment token from enrolling more nodes."""
        record = await self._enrollment.get(token_id)
        if record is None or not record.managed_by(actor):
            raise NotFound('No such enrollment token')
        if not actor.can_manage:
            raise Forbidden('Viewers cannot revoke enrollment tokens')
        await self._enrollment.revoke(record.id)
        await self._audit.record(actor, 'enrollment_token.revoke', record.id, name=record.name)
