"""Espaze's configuration: one typed Settings class read from the environment."""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET_BYTES = 32


class ConfigurationError(Exception):
    """The environment holds a value Espaze refuses to start with; the message never echoes it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix='ESPAZE_', extra='ignore')

    host: str = '127.0.0.1'
    port: int = Field(default=8080, ge=1, le=65535)
    data_dir: Path = Path('./data')
    mongo_url: SecretStr | None = Field(default=None, validation_alias='MONGO_URL')
    jwt_secret: SecretStr | None = None
    storage_secret: SecretStr | None = None
    admin_email: str | None = None
    admin_password: SecretStr | None = None
    allow_signup: bool = True
    tls_certfile: Path | None = None
    tls_keyfile: Path | None = None
    access_token_minutes: int = Field(default=15, ge=1, le=1440)
    refresh_token_days: int = Field(default=14, ge=1, le=365)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    db_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    log_level: str = 'INFO'
    node_offline_after: int = Field(default=90, ge=5, le=86_400)
    allow_private_node_ips: bool = False
    heartbeat_interval_seconds: int = Field(default=30, ge=1, le=3600)
    heartbeat_flush_seconds: float = Field(default=1.0, gt=0, le=10)
    offline_sweep_seconds: float = Field(default=5.0, gt=0, le=600)
    node_metrics_retention_days: int = Field(default=7, ge=1, le=365)

    @field_validator('jwt_secret', 'storage_secret')
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise ValueError(f'must be at least {MIN_SECRET_BYTES} bytes')
        return value

    @property
    def tls_enabled(self) -> bool:
        return self.tls_certfile is not None and self.tls_keyfile is not None


@dataclass(frozen=True)
class Secrets:
    jwt_secret: str
    storage_secret: str


def env_variable_name(field: str) -> str:
    return 'MONGO_URL' if field == 'mongo_url' else f'ESPAZE_{field.upper()}'


def load_settings() -> Settings:
    """Read the environment; a bad value raises ConfigurationError naming the variable, never its value."""
    try:
        return Settings()
    except ValidationError as error:
        problems = '; '.join(
            f'{env_variable_name(str(e["loc"][0]))} {e["msg"]}' for e in error.errors(include_input=False)
        )
        raise ConfigurationError(f'Invalid configuration: {problems}') from None


def _secret_from_file(path: Path, variable: str) -> str:
    if path.exists():
        value = path.read_text().strip()
        if len(value.encode()) < MIN_SECRET_BYTES:
            raise ConfigurationError(f'{path} (generated for {variable}) is shorter than {MIN_SECRET_BYTES} bytes')
        return value
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    value = secrets.token_urlsafe(48)
    with os.fdopen(fd, 'w') as handle:
        handle.write(value)
    return value


def resolve_secrets(settings: Settings) -> Secrets:
    """Use the configured secrets, or ones generated once into the data dir with mode 0600."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    def pick(value: SecretStr | None, filename: str, variable: str) -> str:
        if value is not None:
            return value.get_secret_value()
        return _secret_from_file(settings.data_dir / filename, variable)

    return Secrets(
        jwt_secret=pick(settings.jwt_secret, 'jwt_secret', 'ESPAZE_JWT_SECRET'),
        storage_secret=pick(settings.storage_secret, 'storage_secret', 'ESPAZE_STORAGE_SECRET'),
    )
