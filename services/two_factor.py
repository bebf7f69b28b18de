"""Two-factor sign-in with TOTP (RFC 6238, through pyotp): setup confirmed by a first code, ten one-time recovery
codes, codes good once within a ±1 step window, their own attempt limit, and the instance's policy of who must."""

import hmac
import secrets
import time
from datetime import UTC, datetime

import pyotp

from models.accounts import TwoFactorPolicy, User
from models.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from models.limits import Limit
from repositories.instance import InstanceRepository
from repositories.second_factors import SecondFactorRepository
from repositories.users import UserRepository
from services.audit import AuditLog
from services.infrastructure.rate_limits import RateLimiter
from services.infrastructure.secret_box import SecretBox
from services.tokens import token_hash

ISSUER = 'Espaze'
RECOVERY_CODES = 10
RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'  # no 0/o, 1/l/i to misread
POLICY_CACHE_SECONDS = 5.0
WRONG_CODE = 'The code is not correct, or was already used'


def recovery_code() -> str:
    """Ten characters of about 49 bits, shown as xxxxx-xxxxx."""
    chars = ''.join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
    return f'{chars[:5]}-{chars[5:]}'


def _normal_recovery(code: str) -> str:
    return ''.join(c for c in code.lower() if c.isalnum())[:40]


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step, within one step either way of now, whose code `code` is; None when none is."""
    code = code.strip().replace(' ', '')
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.fromtimestamp(at if at is not None else time.time(), UTC))
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


class TwoFactorService:
    def __init__(
        self,
        *,
        factors: SecondFactorRepository,
        users: UserRepository,
        instance: InstanceRepository,
        box: SecretBox,
        audit: AuditLog,
        limiter: RateLimiter,
        limit: Limit,
    ) -> None:
        self._factors = factors
        self._users = users
        self._instance = instance
        self._box = box
        self._audit = audit
        self._limiter = limiter
        self._limit = limit
        self._policy: tuple[float, TwoFactorPolicy] | None = None

    async def start(self, user: User) -> tuple[str, str]:
        """A new secret for the account's authenticator, and its otpauth:// URI (for the QR code)."""
        secret = pyotp.random_base32()
        if not await self._factors.start(user.id, self._box.seal(secret)):
            raise Conflict('Two-factor sign-in is already on: turn it off first to set up another authenticator')
        return secret, pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)

    async def confirm(self, user: User, code: str) -> list[str]:
        """Turn two-factor on with the first code of the secret being set up; the recovery codes, shown once."""
        stored = await self._factors.get(user.id)
        if stored.sealed_secret is not None:
            raise Conflict('Two-factor sign-in is already on')
        if stored.sealed_pending is None:
            raise Conflict('Start the setup first (POST /api/auth/totp)')
        counted = await self._limiter.take_all([(self._limit, user.id)])
        step = matching_step(self._box.open(stored.sealed_pending)[0], code)
        if step is None:
            raise ValidationFailed('code', 'is not the code your authenticator shows now')
        await self._limiter.give_back(counted)
        codes = [recovery_code() for _ in range(RECOVERY_CODES)]
        hashes = [token_hash(_normal_recovery(c)) for c in codes]
        if not await self._factors.enable(user.id, stored.sealed_pending, step, hashes):
            raise Conflict('The setup changed meanwhile: start it again')
        await self._audit.record(user, 'user.totp_enable', user.id, name=user.name)
        return codes

    async def disable(self, user: User, code: str) -> None:
        """Turn two-factor off, with a current code or a recovery code."""
        await self.verify(user, code, code)
        await self._factors.clear(user.id)
        await self._audit.record(user, 'user.totp_disable', user.id, name=user.name)

    async def verify(self, user: User, totp_code: str | None, recovery_code: str | None) -> str:
        """Check a second factor of `user`; how it was given ('totp' or 'recovery'). A wrong or used code is
        Unauthorized, and too many of them in a while answer 429, whatever the code."""
        counted = await self._limiter.take_all([(self._limit, user.id)])
        stored = await self._factors.get(user.id)
        if stored.sealed_secret is None:
            raise Conflict('Two-factor sign-in is not on for this account')
        if totp_code:
            step = matching_step(self._box.open(stored.sealed_secret)[0], totp_code)
            if step is not None and await self._factors.spend_step(user.id, step):
                await self._limiter.give_back(counted)
                return 'totp'
        if recovery_code and await self._factors.spend_recovery_code(
            user.id, token_hash(_normal_recovery(recovery_code))
        ):
            await self._limiter.give_back(counted)
            await self._audit.record(user, 'user.recovery_code_used', user.id, name=user.name)
            return 'recovery'
        await self._audit.record(user, 'login.second_factor_failed', user.id, name=user.name)
        raise Unauthorized(WRONG_CODE)

    async def status(self, user: User) -> tuple[bool, int]:
        """Whether the account has two-factor on now, and how many recovery codes it has left."""
        stored = await self._factors.get(user.id)
        on = stored.sealed_secret is not None
        return on, stored.recovery_codes_left if on else 0

    async def policy(self) -> TwoFactorPolicy:
        """Who must sign in with two factors (read at most every few seconds)."""
        now = time.monotonic()
        if self._policy is None or now - self._policy[0] > POLICY_CACHE_SECONDS:
            self._policy = (now, TwoFactorPolicy(await self._instance.two_factor_policy()))
        return self._policy[1]

    async def set_policy(self, actor: User, policy: TwoFactorPolicy) -> TwoFactorPolicy:
        if not actor.is_admin:
            raise Forbidden('Only admins may change who needs two-factor sign-in')
        await self._instance.set_two_factor_policy(policy.value)
        self._policy = None
        await self._audit.record(actor, 'settings.two_factor', None, required=policy.value)
        return policy

    async def must_set_up(self, user: User) -> bool:
        """Whether the instance requires two-factor of this account and it has none yet. Accounts made by single
        sign-on have no password: the provider's own second factor guards them."""
        return not user.two_factor and not user.single_sign_on and (await self.policy()).requires(user.role)

    async def reset(self, actor: User, user_id: str) -> None:
        """An admin turns off another account's second factor (lost phone); recorded in the audit log."""
        if not actor.is_admin:
            raise Forbidden('Only admins may reset a second factor')
        target = await self._users.get(user_id)
        if target is None:
            raise NotFound('No such user')
        if not await self._factors.clear(target.id):
            raise Conflict('This account has no second factor to reset')
        await self._audit.record(actor, 'user.totp_reset', target.id, name=target.email)
