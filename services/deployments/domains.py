"""Custom domains: each one's state and the DNS records its owner creates, the DNS check that verifies it, an
admin's verification by hand, and the route refreshed once one is verified.

A domain is `unverified` until a TXT record `_espaze-challenge.<domain>` holds its token (or an admin verifies it);
`verified` while it is not routed yet (the deployment is private, not running yet, or routing is off); then
`certificate pending` until cert-manager's certificate for it is Ready, and `ready` (at once without an issuer)."""

import ipaddress
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from models.accounts import User
from models.cluster import AppSpec, CertificateState
from models.deployments import Deployment, Status
from models.errors import EspazeError, Forbidden, NotFound
from repositories.deployments import DeploymentRepository
from services.audit import AuditLog
from services.cluster.service import ClusterService
from services.deployments.domain_dns import DnsProblem, TxtLookup
from services.deployments.domain_rules import normal_domain
from services.deployments.hosts import HostClaims
from services.deployments.service import DeploymentService

log = logging.getLogger(__name__)
CHALLENGE = '_espaze-challenge'
DUE_BATCH = 20
FIRST_CHECK_INTERVAL = timedelta(seconds=30)
MAX_CHECK_INTERVAL = timedelta(hours=1)
UNSETTLED_CLAIM_WAIT = timedelta(minutes=5)  # a claim whose deployment is being made, or one left behind
TOKEN_PREFIX = 'espaze-verification='


@dataclass(frozen=True)
class DnsRecord:
    kind: str
    name: str
    value: str


@dataclass(frozen=True)
class DomainView:
    domain: str
    state: str  # unverified | verified | certificate pending | ready
    verified_by: str | None  # dns | admin
    checked_at: datetime | None
    problem: str | None  # what the last DNS check found, when it did not verify
    records: list[DnsRecord]
    certificate: CertificateState | None


class CustomDomains:
    def __init__(
        self,
        service: DeploymentService,
        deployments: DeploymentRepository,
        hosts: HostClaims,
        cluster: ClusterService,
        lookup: TxtLookup,
        audit: AuditLog,
        edge_address: str | None,
    ) -> None:
        self._service = service
        self._deployments = deployments
        self._hosts = hosts
        self._cluster = cluster
        self.lookup = lookup  # replaceable: tests point it at a DNS server of their own
        self._audit = audit
        self._edge_address = edge_address

    async def views(
        self, user: User, deployment_id: str
    ) -> tuple[Deployment, list[CertificateState], list[DomainView]]:
        """The deployment, its hosts' certificates (the generated host's first) and its domains, each with state."""
        found = await self._service.readable(user, deployment_id)
        return (found, *await self._views(found))

    async def _views(self, found: Deployment) -> tuple[list[CertificateState], list[DomainView]]:
        documents = await self._hosts.domains_of(found.owner_id, found.name)
        verified = {d['_id'] for d in documents if d.get('verified_at')}
        certificates = await self._certificates(found, verified)
        by_host = {c.host: c for c in certificates}
        order = {d: n for n, d in enumerate(found.configuration.domains)}
        documents.sort(key=lambda d: order.get(d['_id'], len(order)))
        return certificates, [self._view(found, d, by_host.get(d['_id'])) for d in documents]

    async def check(self, user: User, deployment_id: str, domain: str) -> DomainView:
        """Look the domain's TXT record up now: verified (and routed) when it holds the token."""
        found, document = await self._domain(await self._service.changeable(user, deployment_id), domain)
        if not document.get('verified_at'):
            await self._look_up(user, found, document)
        return await self._one(found, document['_id'])

    async def check_due(self) -> int:
        """The job: look up the unverified domains whose next check is due (at most DUE_BATCH a run, each looked at
        again later and later, up to hourly), so that a domain verifies itself once its record exists."""
        due = await self._hosts.due_domains(datetime.now(UTC), DUE_BATCH)
        for document in due:
            found = await self._deployments.live_named(document['owner_id'], document['name'])
            if found is None or document['_id'] not in found.configuration.domains:  # a claim being made or given up
                later = {'due_at': datetime.now(UTC) + UNSETTLED_CLAIM_WAIT}
                await self._hosts.domain_checked(document['_id'], document['owner_id'], document['name'], later)
                continue
            await self._look_up(None, found, document)
        return len(due)

    async def mark_verified(self, user: User, deployment_id: str, domain: str) -> DomainView:
        """An admin vouches for the domain without DNS (a domain whose DNS Espaze cannot see, say)."""
        found = await self._service.changeable(user, deployment_id)  # another owner's deployment: 404 first
        if not user.is_admin:
            raise Forbidden('Only an admin can mark a domain verified')
        found, document = await self._domain(found, domain)
        if not document.get('verified_at'):
            await self._verify(user, found, document, 'admin')
        return await self._one(found, document['_id'])

    async def _domain(self, found: Deployment, domain: str) -> tuple[Deployment, dict]:
        domain = normal_domain(domain)
        document = next(
            (d for d in await self._hosts.domains_of(found.owner_id, found.name) if d['_id'] == domain), None
        )
        if document is None or domain not in found.configuration.domains:
            raise NotFound(f'{domain} is not a domain of this deployment')
        return found, document

    async def _look_up(self, actor: User | None, found: Deployment, document: dict) -> None:
        """The DNS check: verified when a TXT record holds the token, else what was found and when to look again."""
        name = f'{CHALLENGE}.{document["_id"]}'
        try:
            values = await self.lookup.txt(name)
        except DnsProblem as problem:
            return await self._not_yet(found, document, str(problem))
        if TOKEN_PREFIX + document['token'] in values:
            return await self._verify(actor, found, document, 'dns')
        problem = f'no TXT record at {name} yet' if not values else f'the TXT record at {name} holds another value'
        return await self._not_yet(found, document, problem)

    async def _not_yet(self, found: Deployment, document: dict, problem: str) -> None:
        checks = document.get('checks', 0) + 1
        now = datetime.now(UTC)
        wait = min(MAX_CHECK_INTERVAL, FIRST_CHECK_INTERVAL * 2 ** min(checks, 10))
        changes = {'checked_at': now, 'problem': problem, 'checks': checks, 'due_at': now + wait}
        await self._hosts.domain_checked(document['_id'], found.owner_id, found.name, changes)

    async def _verify(self, actor: User | None, found: Deployment, document: dict, how: str) -> None:
        changes = {'verified_at': datetime.now(UTC), 'verified_by': how, 'checked_at': datetime.now(UTC)}
        await self._hosts.domain_checked(document['_id'], found.owner_id, found.name, changes, ('due_at', 'problem'))
        await self._audit.record(actor, 'domain.verify', found.id, domain=document['_id'], method=how)
        if self._routed(found):
            try:
                await self._cluster.routing.route(await self.edge_spec(found))
            except EspazeError as error:  # verified all the same: the next rollout routes it
                log.warning('routing %s after its verification failed: %s', document['_id'], error)

    async def _one(self, found: Deployment, domain: str) -> DomainView:
        _, views = await self._views(found)
        return next(v for v in views if v.domain == domain)

    async def edge_spec(self, found: Deployment, verified: set[str] | None = None) -> AppSpec:
        """What routing needs of a deployment: its names, whether it is public, and its verified domains (read
        unless given)."""
        if verified is None:
            domains = await self._hosts.routed_domains(found)
        else:
            domains = tuple(d for d in found.configuration.domains if d in verified)
        return AppSpec(
            deployment_id=found.id,
            namespace=found.namespace,
            name=found.name,
            image=found.image or '',
            public=found.configuration.public,
            domains=domains,
        )

    @staticmethod
    def _routed(found: Deployment) -> bool:
        return found.configuration.public and found.status != Status.DELETED and found.running_release is not None

    async def _certificates(self, found: Deployment, verified: set[str]) -> list[CertificateState]:
        if not self._routed(found):
            return []
        try:
            return await self._cluster.routing.certificates(await self.edge_spec(found, verified))
        except EspazeError as error:
            log.warning('reading the certificates of %s failed: %s', found.name, error)
            return []

    def _view(self, found: Deployment, document: dict, certificate: CertificateState | None) -> DomainView:
        verified = document.get('verified_at') is not None
        state = 'unverified'
        if verified and (not self._routed(found) or self._cluster.settings.routing == 'none'):
            state = 'verified'
        elif verified and self._cluster.settings.cert_issuer_name and not (certificate and certificate.ready):
            state = 'certificate pending'
        elif verified:
            state = 'ready'
        return DomainView(
            domain=document['_id'],
            state=state,
            verified_by=document.get('verified_by'),
            checked_at=document.get('checked_at'),
            problem=None if verified else document.get('problem'),
            records=self.records(found, document),
            certificate=certificate,
        )

    def records(self, found: Deployment, document: dict) -> list[DnsRecord]:
        """The TXT record that proves the domain is the owner's, and the record that sends its traffic to Espaze's
        edge: an A or AAAA record for an address, else a CNAME (to the edge's name, or to the generated host)."""
        domain = document['_id']
        proof = DnsRecord('TXT', f'{CHALLENGE}.{domain}', TOKEN_PREFIX + document['token'])
        target = self._edge_address or self._hosts.host_of(found.name)
        try:
            address = ipaddress.ip_address(target)
            return [proof, DnsRecord('A' if address.version == 4 else 'AAAA', domain, target)]
        except ValueError:
            return [proof, DnsRecord('CNAME', domain, target)]
