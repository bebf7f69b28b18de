"""Administration of accounts: listing, roles, disabling, and whether sign-up is open."""

from models.accounts import Role, Theme, User, UserPage
from models.deployments import owner_namespace
from models.errors import Conflict, Forbidden, NotFound, ValidationFailed
from repositories.instance import InstanceRepository
from repositories.sessions import SessionRepository
from repositories.users import UserRepository
from services.api_tokens import ApiTokenService
from services.audit import AuditLog

MAX_PAGE_SIZE = 200
NAMESPACE_PREFIX = owner_namespace('')


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise Forbidden('Only admins manage accounts')


class AccountService:
    def __init__(
        self,
        *,
        users: UserRepository,
        sessions: SessionRepository,
        instance: InstanceRepository,
        audit: AuditLog,
        api_tokens: ApiTokenService,
    ) -> None:
        self._api_tokens = api_tokens
        self._audit = audit
        self._users = users
        self._sessions = sessions
        self._instance = instance

    async def enabled_user(self, user_id: str) -> User | None:
        """The account, unless it was deleted or disabled."""
        user = await self._users.get(user_id)
        return user if user is not None and not user.disabled else None

    async def set_theme(self, user: User, theme: str) -> Theme:
        """Remember the look this person chose (auto follows the system), on every device."""
        try:
            chosen = Theme(theme)
        except ValueError:
            raise ValidationFailed('theme', 'must be auto, light or dark') from None
        await self._users.set_theme(user.id, chosen)
        return chosen

    async def find(self, actor: User, text: str, limit: int = 5) -> list[User]:
        """Accounts whose email or name holds `text` (admins only): the quick search."""
        _require_admin(actor)
        text = text.strip()[:100]
        return await self._users.matching(text, limit) if text else []

    async def namespace_names(self, viewer: User, namespaces: set[str]) -> dict[str, str]:
        """How a person reads each owner's namespace: `espaze-<owner id>` -> "Ada's apps" (only for owners the
        viewer may read about); other namespaces keep their own names."""
        owners = {ns: ns.removeprefix(NAMESPACE_PREFIX) for ns in namespaces if ns.startswith(NAMESPACE_PREFIX)}
        readable = [owner for owner in owners.values() if viewer.may_read_owned_by(owner)][:MAX_PAGE_SIZE]
        names = await self._users.names_of(readable) if readable else {}
        return {ns: f"{names[owner]}'s apps" if owner in names else ns for ns, owner in owners.items()} | {
            ns: ns for ns in namespaces if ns not in owners
        }

    async def list_users(self, actor: User, page: int = 1, page_size: int = 50) -> UserPage:
        """One page of accounts, newest first (admins only)."""
        _require_admin(actor)
        page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        return await self._users.page(skip=(max(page, 1) - 1) * page_size, limit=page_size)

    async def update_user(self, actor: User, user_id: str, role: Role | None, disabled: bool | None) -> User:
        """Change an account's role or disable it; Espaze always keeps one active admin."""
        _require_admin(actor)
        target = await self._users.get(user_id)
        if target is None:
            raise NotFound('No such user')
        loses_admin = (
            target.is_admin and not target.disabled and ((role is not None and role != Role.ADMIN) or disabled is True)
        )
        if loses_admin and await self._users.count_active_admins() <= 1:
            raise Conflict('Espaze needs at least one active admin')
        updated = await self._users.update_access(user_id, role, disabled)
        if updated is None:
            raise NotFound('No such user')
        if disabled:
            await self._sessions.revoke_all(user_id)
            await self._api_tokens.revoke_all(actor, user_id, 'account disabled')
        changes = {'role': role.value if role else None, 'disabled': disabled}
        await self._audit.record(
            actor, 'user.update', user_id, name=updated.email, **{k: v for k, v in changes.items() if v is not None}
        )
        return updated

    async def set_signup_allowed(self, actor: User, allowed: bool) -> bool:
        """Open or close self sign-up (admins only)."""
        _require_admin(actor)
        await self._instance.set_signup_allowed(allowed)
        return allowed
