"""Request and response bodies of the API: camelCase on the wire, unknown fields refused."""

from datetime import datetime
from typing import Annotated, Self

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from models.accounts import Role, TwoFactorPolicy

MAX_SECRET_CHARS = 1024
MAX_PAGE = 1_000_000
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description='from 1')]


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra='forbid')

    @classmethod
    def of(cls, domain_object: object) -> Self:
        """The API view of a domain object, read from its attributes."""
        return cls.model_validate(domain_object, from_attributes=True)


class RegisterRequest(CamelModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=MAX_SECRET_CHARS)
    name: str | None = Field(default=None, max_length=200)


class SetupRequest(RegisterRequest):
    token: str = Field(max_length=256)


class LoginRequest(CamelModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=MAX_SECRET_CHARS)
    totp_code: str | None = Field(default=None, max_length=16, description='when the account has two-factor')
    recovery_code: str | None = Field(default=None, max_length=64, description='instead of a TOTP code, once each')


class RefreshRequest(CamelModel):
    refresh_token: str = Field(max_length=MAX_SECRET_CHARS * 4)


class PasswordChangeRequest(CamelModel):
    current_password: str = Field(max_length=MAX_SECRET_CHARS)
    new_password: str = Field(max_length=MAX_SECRET_CHARS)
    revoke_api_tokens: bool = Field(default=False, description="also revoke every one of the account's API tokens")


class UserOut(CamelModel):
    id: str
    email: str
    name: str
    role: Role
    disabled: bool
    created_at: datetime
    two_factor: bool


class TokenResponse(CamelModel):
    access_token: str
    refresh_token: str
    token_type: str = 'bearer'
    expires_in: int
    user: UserOut


class UserPatch(CamelModel):
    role: Role | None = None
    disabled: bool | None = None


class UserList(CamelModel):
    items: list[UserOut]
    total: int
    page: int
    page_size: int


class InstanceSettings(CamelModel):
    allow_signup: bool
    two_factor_required: TwoFactorPolicy = Field(description='who must sign in with two factors')


class InstanceSettingsPatch(CamelModel):
    allow_signup: bool | None = None
    two_factor_required: TwoFactorPolicy | None = Field(default=None, description='off, admins or everyone')


class TotpSetup(CamelModel):
    secret: str
    otpauth_uri: str


class TotpCode(CamelModel):
    code: str = Field(max_length=64, description='a code from the authenticator app (or, to turn off, a recovery code)')


class RecoveryCodes(CamelModel):
    recovery_codes: list[str]
