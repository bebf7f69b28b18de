"""Accounts: users and their roles, sessions, and the tokens a login gives."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Theme(StrEnum):
    AUTO = 'auto'  # follows the system
    LIGHT = 'light'
    DARK = 'dark'


class Role(StrEnum):
    ADMIN = 'admin'
    OPERATOR = 'operator'
    VIEWER = 'viewer'


class TwoFactorPolicy(StrEnum):
    OFF = 'off'
    ADMINS = 'admins'
    EVERYONE = 'everyone'

    def requires(self, role: Role) -> bool:
        return self == TwoFactorPolicy.EVERYONE or (self == TwoFactorPolicy.ADMINS and role == Role.ADMIN)


@dataclass(frozen=True)
class User:
    id: str
    email: str
    name: str
    role: Role
    disabled: bool
    created_at: datetime
    password_hash: str
    theme: Theme = Theme.AUTO
    two_factor: bool = False  # signs in with a TOTP code (or a recovery code) after the password
    single_sign_on: bool = False  # made by a sign-in through the OpenID provider: no password anyone knows

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_manage(self) -> bool:
        """Operators and admins create and change things; viewers only read."""
        return self.role in (Role.ADMIN, Role.OPERATOR)

    @property
    def reads_everything(self) -> bool:
        """Admins and viewers read every owner's nodes and deployments; operators read their own."""
        return self.role in (Role.ADMIN, Role.VIEWER)

    @property
    def readable_owner(self) -> str | None:
        """The owner whose objects this user reads: None when that is everybody."""
        return None if self.reads_everything else self.id

    def owns_or_administers(self, owner_id: str) -> bool:
        """Whether this user may change an object of `owner_id`: its owner, or an admin."""
        return owner_id == self.id or self.is_admin

    def may_read_owned_by(self, owner_id: str) -> bool:
        return owner_id == self.id or self.reads_everything


@dataclass(frozen=True)
class Session:
    """One login: a browser session or an API refresh-token family."""

    id: str
    user_id: str
    kind: str
    revoked: bool
    expires_at: datetime
    created_at: datetime | None = None
    last_seen_at: datetime | None = None
    address: str | None = None
    device: str | None = None


@dataclass(frozen=True)
class SecondFactorCodes:
    """What a login gives for the second factor: a code from the authenticator app, or a recovery code."""

    totp: str | None = None
    recovery: str | None = None

    @property
    def given(self) -> bool:
        return bool(self.totp or self.recovery)


NO_CODES = SecondFactorCodes()


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


@dataclass(frozen=True)
class UserPage:
    items: list[User]
    total: int
