"""Personal API tokens: what a token may do (its scopes) and what Espaze keeps of one."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

TOKEN_PREFIX = 'espat_'
DEFAULT_DAYS = 90
MOST_DAYS = 365
MOST_ACTIVE_PER_USER = 50


class Scope(StrEnum):
    READ = 'read'  # every GET the account may make
    DEPLOY = 'deploy'  # create, redeploy, scale, restart, roll back and cancel deployments
    ADMIN = 'admin'  # everything else the account may do (admins only)


@dataclass(frozen=True)
class ApiToken:
    id: str
    user_id: str
    name: str
    scopes: tuple[Scope, ...]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    uses: int

    def allows(self, needed: Scope) -> bool:
        """Whether this token may make a request that needs `needed` (the admin scope covers the others)."""
        return needed in self.scopes or Scope.ADMIN in self.scopes
