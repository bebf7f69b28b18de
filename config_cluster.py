"""The settings of the cluster Espaze deploys to and of the edge its deployments are reached through: how it is
reached, builds, owners' namespaces, routing (Ingress or Gateway API), certificates and custom domains' DNS."""

import ipaddress
import re
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.cluster import ClusterSettings

DNS_LABEL = r'^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'
QUANTITY = r'^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$'
HOSTNAME = r'^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'
DNS_PORT = 53


class ClusterConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix='ESPAZE_', extra='ignore')

    cluster: Literal['auto', 'sandbox', 'kubeconfig', 'in-cluster'] = 'auto'
    cluster_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    registry: str = Field(default='registry.espaze.localhost:5000', pattern=r'^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._/-]+)?$')
    builder_image: str = Field(default='moby/buildkit:v0.26.2-rootless', max_length=255)
    build_namespace: str = Field(default='espaze-builds', pattern=DNS_LABEL)
    build_deadline_seconds: int = Field(default=1800, ge=60, le=86_400)
    ingress_domain: str = Field(default='apps.espaze.localhost', pattern=r'^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$')
    ingress_class: str | None = Field(default=None, pattern=r'^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$')
    ingress_tls_secret: str | None = Field(default=None, pattern=DNS_LABEL)
    routing: Literal['auto', 'gateway', 'ingress', 'none'] = 'auto'
    gateway: str | None = Field(default=None, pattern=r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$')
    gateway_listener: str | None = Field(default=None, pattern=DNS_LABEL)
    cert_issuer: str | None = Field(default=None, pattern=r'^(ClusterIssuer|Issuer)/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$')
    edge_namespace: str = Field(
        default='ingress-nginx',
        pattern=DNS_LABEL,
        validation_alias=AliasChoices('ESPAZE_EDGE_NAMESPACE', 'ESPAZE_INGRESS_CONTROLLER_NAMESPACE'),
    )
    pod_security_level: Literal['restricted', 'baseline', 'privileged'] = 'restricted'
    namespace_network_policy: bool = True
    namespace_quota_cpu: str | None = Field(default='8', pattern=QUANTITY)
    namespace_quota_memory: str | None = Field(default='16Gi', pattern=QUANTITY)
    namespace_quota_pods: int | None = Field(default=50, ge=1, le=10_000)
    edge_address: str | None = Field(default=None, max_length=253)
    dns_servers: str = ''
    dns_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    domain_check_seconds: float = Field(default=30.0, ge=1, le=3600)

    @field_validator('edge_address')
    @classmethod
    def _address_or_name(cls, value: str | None) -> str | None:
        if value is not None and not (_is_address(value) or re.fullmatch(HOSTNAME, value)):
            raise ValueError('must be an IP address or a hostname such as edge.example.com')
        return value

    @field_validator('dns_servers')
    @classmethod
    def _servers(cls, value: str) -> str:
        try:
            _server_addresses(value)
        except ValueError:
            raise ValueError('must be comma-separated IP addresses, each with an optional :port') from None
        return value

    @model_validator(mode='after')
    def _gateway_named(self) -> 'ClusterConfig':
        if self.routing == 'gateway' and self.gateway is None:
            raise ValueError('ESPAZE_ROUTING=gateway needs ESPAZE_GATEWAY (namespace/name of the Gateway)')
        return self

    def dns_server_addresses(self) -> list[tuple[str, int]]:
        """The name servers custom domains are checked through; none: the system's resolver."""
        return _server_addresses(self.dns_servers)

    def cluster_settings(self) -> ClusterSettings:
        return ClusterSettings(
            ingress_domain=self.ingress_domain,
            ingress_class=self.ingress_class,
            ingress_tls_secret=self.ingress_tls_secret,
            edge_namespace=self.edge_namespace,
            routing=self.routing,
            gateway_namespace=self.gateway.split('/')[0] if self.gateway else None,
            gateway_name=self.gateway.split('/')[1] if self.gateway else None,
            gateway_listener=self.gateway_listener,
            cert_issuer_kind=self.cert_issuer.split('/')[0] if self.cert_issuer else 'ClusterIssuer',
            cert_issuer_name=self.cert_issuer.split('/')[1] if self.cert_issuer else None,
            pod_security_level=self.pod_security_level,
            network_policy=self.namespace_network_policy,
            quota_cpu=self.namespace_quota_cpu,
            quota_memory=self.namespace_quota_memory,
            quota_pods=self.namespace_quota_pods,
            build_namespace=self.build_namespace,
            builder_image=self.builder_image,
            build_deadline_seconds=self.build_deadline_seconds,
            progress_deadline_seconds=self.deploy_deadline_seconds,
        )


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def _server_addresses(text: str) -> list[tuple[str, int]]:
    servers = []
    for item in filter(None, (part.strip() for part in text.split(','))):
        host, port = item.split(':') if item.count(':') == 1 else (item, str(DNS_PORT))  # an IPv6 address: no port
        ipaddress.ip_address(host)
        number = int(port)
        if not 1 <= number <= 65535:
            raise ValueError(item)
        servers.append((host, number))
    return servers
