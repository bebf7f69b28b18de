"""Custom domains of a deployment: each one's state, the DNS records to create and its certificate; a DNS check
now; an admin's verification by hand. Domains are added and removed through `configuration.domains`."""

from datetime import datetime

from fastapi import APIRouter

from api.deps import CurrentUser, ServicesDep
from api.schemas import CamelModel
from models.cluster import CertificateState
from services.deployments.domains import DomainView

router = APIRouter(prefix='/api/deployments', tags=['deployments'])


class CertificateOut(CamelModel):
    host: str
    ready: bool
    reason: str
    message: str

    @classmethod
    def of(cls, state: CertificateState | None) -> 'CertificateOut | None':
        return cls(**vars(state)) if state else None


class DnsRecordOut(CamelModel):
    type: str
    name: str
    value: str


class DomainOut(CamelModel):
    domain: str
    state: str
    verified_by: str | None
    checked_at: datetime | None
    problem: str | None
    records: list[DnsRecordOut]
    certificate: CertificateOut | None

    @classmethod
    def of(cls, view: DomainView) -> 'DomainOut':
        return cls(
            **{k: v for k, v in vars(view).items() if k not in ('records', 'certificate')},
            records=[DnsRecordOut(type=r.kind, name=r.name, value=r.value) for r in view.records],
            certificate=CertificateOut.of(view.certificate),
        )


class DomainsOut(CamelModel):
    certificates: list[CertificateOut]
    domains: list[DomainOut]


@router.get('/{deployment_id}/domains')
async def list_domains(deployment_id: str, user: CurrentUser, services: ServicesDep) -> DomainsOut:
    """Each custom domain's state (unverified, verified, certificate pending, ready), the DNS records to create,
    and the certificate of every routed host (the generated one first) when cert-manager issues them."""
    _, certificates, views = await services.domains.views(user, deployment_id)
    return DomainsOut(certificates=[CertificateOut.of(c) for c in certificates], domains=list(map(DomainOut.of, views)))


@router.post('/{deployment_id}/domains/{domain}/check')
async def check_domain(deployment_id: str, domain: str, user: CurrentUser, services: ServicesDep) -> DomainOut:
    """Look the domain's TXT record `_espaze-challenge.<domain>` up now; verified and routed when it holds the token."""
    return DomainOut.of(await services.domains.check(user, deployment_id, domain))


@router.post('/{deployment_id}/domains/{domain}/verified')
async def verify_domain(deployment_id: str, domain: str, user: CurrentUser, services: ServicesDep) -> DomainOut:
    """Admins only: mark the domain verified without DNS, and route it."""
    return DomainOut.of(await services.domains.mark_verified(user, deployment_id, domain))
