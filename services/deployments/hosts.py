"""Public hostnames (`<name>.<domain>`) belong to one deployment across all owners: a deployment claims its host
before any cluster object is written, and gives it back when it is deleted or stops being public. Custom domains
are claimed the same way (across all owners, with the token their DNS check looks for) when added, and given back
when removed or when their deployment is deleted."""

import secrets
from datetime import UTC, datetime

from models.deployments import Deployment, public_host
from models.errors import Conflict
from repositories.hosts import HostRepository

MAX_LABEL = 63
SUGGESTIONS = 20


class HostClaims:
    def __init__(self, hosts: HostRepository, domain: str) -> None:
        self._hosts = hosts
        self._domain = domain

    @property
    def apps_domain(self) -> str:
        return self._domain

    def host_of(self, name: str) -> str:
        return public_host(name, self._domain)

    async def claim(self, owner_id: str, name: str) -> bool:
        """Claim the host of deployment `name`; True if this call claimed it (so a failed create gives it back).
        Conflict, naming the host and a free name, when another deployment holds it."""
        claimed = await self._hosts.claim(self.host_of(name), owner_id, name)
        if claimed is None:
            raise Conflict(f'{self.host_of(name)} belongs to another deployment. {await self._suggestion(name)}')
        return claimed

    async def release(self, owner_id: str, name: str) -> None:
        await self._hosts.release(self.host_of(name), owner_id, name)

    async def claim_domains(self, owner_id: str, name: str, domains: set[str]) -> list[str]:
        """Claim each new custom domain of deployment `name` (unverified, with a fresh token); returns those this
        call claimed. Refused, with nothing kept, when another deployment holds one (409). The names were checked
        before (`rules.checked_request`, Espaze's own names included)."""
        claimed = []
        for domain in sorted(domains):
            token = secrets.token_urlsafe(24)
            outcome = await self._hosts.claim(
                domain, owner_id, name, token=token, verified_at=None, verified_by=None, due_at=datetime.now(UTC)
            )
            if outcome is None:
                await self.release_domains(owner_id, name, set(claimed))
                raise Conflict(f'{domain} is claimed by another deployment')
            if outcome:
                claimed.append(domain)
        return claimed

    async def release_domains(self, owner_id: str, name: str, domains: set[str]) -> None:
        for domain in domains:
            await self._hosts.release(domain, owner_id, name)

    async def domains_of(self, owner_id: str, name: str) -> list[dict]:
        return await self._hosts.domains_of(owner_id, name)

    async def routed_domains(self, deployment: Deployment) -> tuple[str, ...]:
        """The deployment's custom domains that are verified, in its configuration's order (only those are routed);
        no read when it has none."""
        if not deployment.configuration.domains:
            return ()
        verified = await self._hosts.verified_domains(deployment.owner_id, deployment.name)
        return tuple(d for d in deployment.configuration.domains if d in verified)

    async def domain_checked(self, domain: str, owner_id: str, name: str, changes: dict, unset: tuple = ()) -> None:
        await self._hosts.domain_checked(domain, owner_id, name, changes, unset)

    async def due_domains(self, now: datetime, limit: int) -> list[dict]:
        return await self._hosts.due_domains(now, limit)

    async def ensure_indexes(self) -> None:
        await self._hosts.ensure_indexes()

    async def is_unclaimed(self) -> bool:
        """True before any host was claimed (deployments made before claims existed get theirs on startup)."""
        return await self._hosts.is_empty()

    async def backfill(self, public: list[tuple[str, str]]) -> list[str]:
        """Claim the hosts of deployments made before hosts were claimed (first come first served); returns the
        hosts that two deployments shared, which keep working for the first and must be renamed for the others."""
        return await self._hosts.claim_all([(self.host_of(name), owner_id, name) for owner_id, name in public])

    async def _suggestion(self, name: str) -> str:
        candidates = {}
        for n in range(2, SUGGESTIONS + 2):
            suffix = f'-{n}'
            candidate = name[: MAX_LABEL - len(suffix)].rstrip('-') + suffix
            candidates[self.host_of(candidate)] = candidate
        taken = await self._hosts.taken_among(list(candidates))
        free = next((name for host, name in candidates.items() if host not in taken), None)
        return f'Name it {free} ({self.host_of(free)} is free).' if free else 'Choose another name.'
