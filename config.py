"""Espaze's configuration: one typed Settings class read from the environment."""

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from config_cluster import ClusterConfig
from models.accounts import Role
from models.limits import Limit
from models.single_sign_on import SingleSignOnSettings, parse_role_map
from services.infrastructure.secret_box import SecretBox
from web.client_address import trusted_networks

MIN_SECRET_BYTES = 32
FERNET_KEYS_EXPECTED = 'must be comma-separated Fernet keys (32 url-safe base64 bytes each), newest first'


class ConfigurationError(Exception):
    """The environment holds a value Espaze refuses to start with; the message never echoes it."""


class Settings(ClusterConfig):
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
    http_max_head_bytes: int = Field(default=65_536, ge=8192, le=1_048_576)
    http_head_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    db_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    log_level: Literal['DEBUG', 'INFO', 'WARNING', 'ERROR', 'debug', 'info', 'warning', 'error'] = 'INFO'
    log_format: Literal['text', 'json'] = 'text'
    metrics_token: SecretStr | None = None
    node_offline_after: int = Field(default=90, ge=5, le=86_400)
    allow_private_node_ips: bool = False
    allow_private_webhooks: bool = False
    heartbeat_interval_seconds: int = Field(default=30, ge=1, le=3600)
    heartbeat_flush_seconds: float = Field(default=1.0, gt=0, le=10)
    offline_sweep_seconds: float = Field(default=5.0, gt=0, le=600)
    live_read_seconds: float = Field(default=1.5, ge=0, le=60)
    anonymous_pages_per_address: int = Field(default=50, ge=1, le=100_000)
    session_watch_seconds: float = Field(default=2.0, gt=0, le=600)
    node_metrics_retention_days: int = Field(default=7, ge=1, le=365)
    public_url: str | None = None
    encryption_key: SecretStr | None = None
    github_api_url: str = Field(default='https://api.github.com', validation_alias='GITHUB_API_URL')
    github_client_id: str | None = None
    github_client_secret: SecretStr | None = None
    github_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    oidc_issuer: str | None = None
    oidc_client_id: str | None = Field(default=None, max_length=200)
    oidc_client_secret: SecretStr | None = None
    oidc_name: str = Field(default='SSO', min_length=1, max_length=40)
    oidc_scopes: str = Field(default='openid email profile', pattern=r'(^|.* )openid( .*|$)')
    oidc_role_claim: str = Field(default='groups', min_length=1, max_length=100)
    oidc_role_map: str = ''
    oidc_default_role: Literal['viewer', 'operator', 'none'] = 'viewer'
    password_login: bool = True
    github_cache_seconds: float = Field(default=60.0, ge=0, le=3600)
    max_replicas: int = Field(default=10, ge=1, le=1000)
    rollout_interval_seconds: float = Field(default=3.0, gt=0, le=60)
    max_previews: int = Field(default=5, ge=1, le=100)
    commit_status_interval_seconds: float = Field(default=2.0, gt=0, le=60)
    deploy_deadline_seconds: int = Field(default=600, ge=10, le=86_400)
    orphan_sweep_seconds: float = Field(default=300, ge=1, le=86_400)
    orphan_grace_seconds: float = Field(default=600, ge=0, le=86_400)
    trusted_proxies: str = Field(default='', description='comma-separated addresses or networks of reverse proxies')
    login_failures_per_account: int = Field(default=10, ge=1, le=10_000)
    login_failures_per_address: int = Field(default=100, ge=1, le=100_000)
    login_lockout_minutes: int = Field(default=15, ge=1, le=1440)
    second_factor_failures_per_account: int = Field(default=5, ge=1, le=10_000)
    signups_per_address_per_hour: int = Field(default=20, ge=1, le=100_000)
    refreshes_per_address_per_minute: int = Field(default=120, ge=1, le=100_000)
    api_token_requests_per_minute: int = Field(default=600, ge=1, le=1_000_000)
    enrollments_per_address_per_minute: int = Field(default=600, ge=1, le=1_000_000)
    deployment_operations_per_minute: int = Field(default=60, ge=1, le=100_000)
    github_lookups_per_minute: int = Field(default=120, ge=1, le=100_000)
    github_deliveries_per_address_per_minute: int = Field(default=600, ge=1, le=1_000_000)
    heartbeat_limit_per_minute: int = Field(default=10, ge=1, le=100_000)
    job_lease_seconds: float = Field(default=30, ge=3, le=3600)
    audit_retention_days: int = Field(default=365, ge=1, le=3650)
    notification_interval_seconds: float = Field(default=10.0, ge=1, le=600)
    metrics_interval_seconds: float = Field(default=10.0, ge=2, le=300)
    metrics_scopes_seconds: float = Field(default=60.0, ge=10, le=3600)  # namespaces, nodes, deployments
    metrics_raw_retention_hours: int = Field(default=24, ge=1, le=24 * 30)
    metrics_minute_retention_days: int = Field(default=7, ge=1, le=365)
    metrics_hour_retention_days: int = Field(default=90, ge=1, le=3650)

    @field_validator('jwt_secret', 'storage_secret', 'metrics_token')
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise ValueError(f'must be at least {MIN_SECRET_BYTES} bytes')
        return value

    @field_validator('encryption_key')
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                SecretBox(encryption_keys(value.get_secret_value()))
            except ValueError:
                raise ValueError(FERNET_KEYS_EXPECTED) from None
        return value

    @field_validator('github_api_url', 'public_url', 'oidc_issuer')
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and (not value.startswith(('https://', 'http://')) or any(c in value for c in ' ?#@')):
            raise ValueError('must be an http(s) URL without credentials, query or fragment')
        return value.rstrip('/') if value else value

    @model_validator(mode='after')
    def _oauth_pair(self) -> 'Settings':
        if (self.github_client_id is None) != (self.github_client_secret is None):
            raise ValueError('ESPAZE_GITHUB_CLIENT_ID and ESPAZE_GITHUB_CLIENT_SECRET must be set together')
        if len({self.oidc_issuer is None, self.oidc_client_id is None, self.oidc_client_secret is None}) > 1:
            raise ValueError('ESPAZE_OIDC_ISSUER, ESPAZE_OIDC_CLIENT_ID and ESPAZE_OIDC_CLIENT_SECRET go together')
        if not self.password_login and self.oidc_issuer is None:
            raise ValueError('ESPAZE_PASSWORD_LOGIN=false needs single sign-on (ESPAZE_OIDC_ISSUER)')
        parse_role_map(self.oidc_role_map)
        return self

    @field_validator('trusted_proxies')
    @classmethod
    def _networks(cls, value: str) -> str:
        try:
            trusted_networks(value)
        except ValueError:
            raise ValueError('must be comma-separated IP addresses or networks, such as 10.0.0.0/8') from None
        return value

    def rate_limits(self) -> dict[str, Limit]:
        lockout, hour, minute = timedelta(minutes=self.login_lockout_minutes), timedelta(hours=1), timedelta(minutes=1)
        table = (
            ('login_account', self.login_failures_per_account, lockout, 'failed log-ins for this account'),
            ('login_address', self.login_failures_per_address, lockout, 'failed log-ins from this address'),
            ('second_factor', self.second_factor_failures_per_account, lockout, 'wrong codes for this account'),
            ('signup', self.signups_per_address_per_hour, hour, 'sign-ups from this address'),
            ('refresh', self.refreshes_per_address_per_minute, minute, 'token refreshes'),
            ('api_token', self.api_token_requests_per_minute, minute, 'requests with this API token'),
            ('enroll', self.enrollments_per_address_per_minute, minute, 'enrollments from this address'),
            ('deployment_ops', self.deployment_operations_per_minute, minute, 'deployment operations'),
            ('github_lookups', self.github_lookups_per_minute, minute, 'GitHub look-ups'),
            ('github_deliveries', self.github_deliveries_per_address_per_minute, minute, 'webhook deliveries'),
        )
        return {
            key: Limit(key.replace('_', '-'), most, window, f'Too many {what}: try again after {{at}}')
            for key, most, window, what in table
        }

    def metrics_retention(self) -> dict[str, timedelta]:
        return {
            'raw': timedelta(hours=self.metrics_raw_retention_hours),
            'minute': timedelta(days=self.metrics_minute_retention_days),
            'hour': timedelta(days=self.metrics_hour_retention_days),
        }

    def single_sign_on(self) -> SingleSignOnSettings | None:
        if not (self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret):
            return None
        return SingleSignOnSettings(
            issuer=self.oidc_issuer,
            client_id=self.oidc_client_id,
            client_secret=self.oidc_client_secret.get_secret_value(),
            name=self.oidc_name,
            scopes=self.oidc_scopes,
            role_claim=self.oidc_role_claim,
            role_map=parse_role_map(self.oidc_role_map),
            default_role=None if self.oidc_default_role == 'none' else Role(self.oidc_default_role),
        )

    @property
    def github_oauth_enabled(self) -> bool:
        return self.github_client_id is not None and self.github_client_secret is not None

    @property
    def tls_enabled(self) -> bool:
        return self.tls_certfile is not None and self.tls_keyfile is not None

    @property
    def reachable_url(self) -> str:
        """Where people reach Espaze: ESPAZE_PUBLIC_URL, else this process's own address."""
        if self.public_url:
            return self.public_url
        scheme = 'https' if self.tls_enabled else 'http'
        host = 'localhost' if self.host in ('0.0.0.0', '::') else self.host
        return f'{scheme}://{host}:{self.port}'

    @property
    def browsers_use_https(self) -> bool:
        """TLS here, or at a proxy in front (an https ESPAZE_PUBLIC_URL): HSTS and Secure cookies then."""
        return self.tls_enabled or (self.public_url or '').startswith('https://')


@dataclass(frozen=True)
class Secrets:
    jwt_secret: str
    storage_secret: str
    encryption_keys: tuple[str, ...]


def encryption_keys(value: str) -> tuple[str, ...]:
    return tuple(key.strip() for key in value.split(',') if key.strip())


def env_variable_name(field: str) -> str:
    aliases = {'mongo_url': 'MONGO_URL', 'github_api_url': 'GITHUB_API_URL'}
    return aliases.get(field, f'ESPAZE_{field.upper()}')


def load_settings() -> Settings:
    """Read the environment; a bad value raises ConfigurationError naming the variable, never its value."""
    try:
        return Settings()
    except ValidationError as error:
        problems = '; '.join(
            f'{env_variable_name(str(e["loc"][0])) if e["loc"] else "settings"}: {e["msg"]}'
            for e in error.errors(include_input=False)
        )
        raise ConfigurationError(f'Invalid configuration: {problems}') from None


def _secret_from_file(path: Path, variable: str, generate=lambda: secrets.token_urlsafe(48)) -> str:
    if path.exists():
        value = path.read_text().strip()
        if len(value.encode()) < MIN_SECRET_BYTES:
            raise ConfigurationError(f'{path} (generated for {variable}) is shorter than {MIN_SECRET_BYTES} bytes')
        return value
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    value = generate()
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
        encryption_keys=encryption_keys(
            settings.encryption_key.get_secret_value()
            if settings.encryption_key
            else _secret_from_file(settings.data_dir / 'encryption_key', 'ESPAZE_ENCRYPTION_KEY', _fernet_key)
        ),
    )


def _fernet_key() -> str:
    return Fernet.generate_key().decode()
