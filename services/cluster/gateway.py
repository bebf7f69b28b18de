"""Calls to the Kubernetes API through the official client: in a worker thread, with `_request_timeout`, retried
when it may help (timeouts, 429, 5xx), and the API server's answers turned into Espaze errors.
"""

import json
from collections.abc import Callable
from typing import Any, TypeVar

import urllib3
from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from models.errors import Conflict, Forbidden, NotFound, UpstreamFailed, ValidationFailed
from services.outbound import OutboundPolicy, Transient

T = TypeVar('T')


class ClusterConflict(Conflict):
    """409: `AlreadyExists` on create, `Conflict` when the object changed since it was read."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _status(error: ApiException) -> dict[str, Any]:
    try:
        body = json.loads(error.body or '{}')
    except (TypeError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def mapped(error: Exception) -> Exception:
    """The Espaze error for what the API server (or the network) said."""
    if isinstance(error, ApiException):
        status = _status(error)
        message = status.get('message') or error.reason or f'HTTP {error.status}'
        if error.status == 404:
            return NotFound(message)
        if error.status == 409:
            return ClusterConflict(status.get('reason', 'Conflict'), message)
        if error.status == 422:
            causes = (status.get('details') or {}).get('causes') or [{}]
            return ValidationFailed(causes[0].get('field') or 'manifest', causes[0].get('message') or message)
        if error.status == 403:
            return Forbidden(f"The cluster refused: {message}. Grant Espaze's service account this permission.")
        if error.status == 401:
            return UpstreamFailed("The cluster refused Espaze's credentials (401): check the kubeconfig or token")
        if error.status == 429 or error.status >= 500:
            return Transient(f'the cluster answered HTTP {error.status}')
        return UpstreamFailed(f'The cluster answered HTTP {error.status}: {message}')
    if isinstance(error, urllib3.exceptions.TimeoutError | TimeoutError):
        return Transient('the cluster did not answer in time')
    if isinstance(error, urllib3.exceptions.HTTPError | OSError):
        return Transient('the cluster could not be reached')
    return error


class KubeGateway:
    def __init__(self, api_client: k8s.ApiClient, timeout_seconds: float, attempts: int = 3, backoff: float = 0.5):
        self.api_client = api_client
        self.core = k8s.CoreV1Api(api_client)
        self.apps = k8s.AppsV1Api(api_client)
        self.batch = k8s.BatchV1Api(api_client)
        self.networking = k8s.NetworkingV1Api(api_client)
        self.custom = k8s.CustomObjectsApi(api_client)
        self.version = k8s.VersionApi(api_client)
        self.timeout = timeout_seconds
        self._policy = OutboundPolicy('the cluster', timeout_seconds * 2, attempts, backoff)

    async def call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """One API call, off the event loop, bounded in time; retried on timeouts, 429 and 5xx."""

        return await self._policy.call(lambda: method(*args, _request_timeout=self.timeout, **kwargs), mapped)

    async def optional(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """The call's answer, or None when the object (or the API) does not exist."""
        try:
            return await self.call(method, *args, **kwargs)
        except NotFound:
            return None

    def serialize(self, obj: Any) -> Any:
        return self.api_client.sanitize_for_serialization(obj)
