"""The services of accounts and sign-in: logins and sessions, administration, personal API tokens, and the
second factor."""

from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from config import Settings
from models.limits import Limit
from repositories.api_tokens import ApiTokenRepository
from repositories.instance import InstanceRepository
from repositories.second_factors import SecondFactorRepository
from repositories.sessions import SessionRepository
from repositories.sso_links import SingleSignOnLinks
from repositories.users import UserRepository
from services.accounts import AccountService
from services.api_tokens import ApiTokenService
from services.audit import AuditLog
from services.auth import AuthService
from services.infrastructure.rate_limits import RateLimiter
from services.infrastructure.secret_box import SecretBox
from services.passwords import PasswordHasher
from services.session_list import SessionDirectory
from services.single_sign_on import SingleSignOn
from services.tokens import TokenCodec
from services.two_factor import TwoFactorService


@dataclass(frozen=True)
class AccountParts:
    auth: AuthService
    accounts: AccountService
    api_tokens: ApiTokenService
    two_factor: TwoFactorService
    sessions: SessionDirectory
    single_sign_on: SingleSignOn | None


def account_services(
    settings: Settings,
    db: AsyncDatabase,
    *,
    tokens: TokenCodec,
    audit: AuditLog,
    limiter: RateLimiter,
    limits: dict[str, Limit],
    box: SecretBox,
) -> AccountParts:
    users, sessions, instance = UserRepository(db), SessionRepository(db), InstanceRepository(db)
    two_factor = TwoFactorService(
        factors=SecondFactorRepository(db),
        users=users,
        instance=instance,
        box=box,
        audit=audit,
        limiter=limiter,
        limit=limits['second_factor'],
    )
    api_tokens = ApiTokenService(
        tokens=ApiTokenRepository(db), users=users, audit=audit, limiter=limiter, limit=limits['api_token']
    )
    directory = SessionDirectory(sessions=sessions, users=users, audit=audit)
    hasher = PasswordHasher()
    sso_settings = settings.single_sign_on()
    single_sign_on = (
        SingleSignOn(
            sso_settings,
            callback_url=f'{settings.reachable_url}/auth/oidc/callback',
            users=users,
            links=SingleSignOnLinks(db),
            sessions=sessions,
            hasher=hasher,
            audit=audit,
            limiter=limiter,
            failures_limit=limits['login_address'],
        )
        if sso_settings
        else None
    )
    auth = AuthService(
        users=users,
        sessions=sessions,
        instance=instance,
        hasher=hasher,
        password_login=settings.password_login,
        tokens=tokens,
        signup_default=settings.allow_signup,
        audit=audit,
        limiter=limiter,
        limits=limits,
        api_tokens=api_tokens,
        two_factor=two_factor,
        directory=directory,
    )
    accounts = AccountService(users=users, sessions=sessions, instance=instance, audit=audit, api_tokens=api_tokens)
    return AccountParts(
        auth=auth,
        accounts=accounts,
        api_tokens=api_tokens,
        two_factor=two_factor,
        sessions=directory,
        single_sign_on=single_sign_on,
    )
