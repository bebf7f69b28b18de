"""Request and response bodies of the API: camelCase on the wire, unknown fields refused."""

from datetime import datetime
from typing import Annotated, Self

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from models.accounts import Role

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
