"""Request and response bodies of the API: camelCase on the wire, unknown fields refused."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from models import Role, TokenPair, User

MAX_SECRET_CHARS = 1024


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra='forbid')


class RegisterRequest(CamelModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=MAX_SECRET_CHARS)
    name: str | None = Field(default=None, max_length=200)


class SetupRequest(RegisterRequest):
    token: str = Field(max_length=256)


class LoginRequest(CamelModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=MAX_SECRET_CHARS)


class RefreshRequest(CamelModel):
    refresh_token: str = Field(max_length=MAX_SECRET_CHARS * 4)


class PasswordChangeRequest(CamelModel):
    current_password: str = Field(max_length=MAX_SECRET_CHARS)
    new_password: str = Field(max_length=MAX_SECRET_CHARS)


class UserOut(CamelModel):
    id: str
    email: str
    name: str
    role: Role
    disabled: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> 'UserOut':
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            disabled=user.disabled,
            created_at=user.created_at,
        )


class TokenResponse(CamelModel):
    access_token: str
    refresh_token: str
    token_type: str = 'bearer'
    expires_in: int
    user: UserOut

    @classmethod
    def of(cls, pair: TokenPair) -> 'TokenResponse':
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
            user=UserOut.of(pair.user),
        )


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
