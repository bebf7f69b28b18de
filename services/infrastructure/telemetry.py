"""Espaze's own metrics in Prometheus' text format: requests and latency by route, heartbeats and flush sizes,
scheduled job runs, failures and durations, deployments and nodes by status, which job leases this process
holds, and the pauses of its event loop (garbage collection, lag). One registry per process (built by bootstrap),
so that tests that rebuild the app start from zero."""

import re
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from services.infrastructure.pauses import Pauses

CONTENT_TYPE = CONTENT_TYPE_LATEST
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
BATCH_BUCKETS = (1, 10, 50, 100, 250, 500, 1000, 2000)
HTTP_METHODS = frozenset({'GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'})
HEARTBEAT_ROUTE = re.compile(r'^/api/nodes/[^/]+/heartbeat$')


class Telemetry:
    def __init__(self, holder: str, required_token: str | None = None) -> None:
        self.required_token = required_token
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.requests = Counter(
            'espaze_http_requests', 'HTTP requests answered', ['method', 'route', 'status'], registry=registry
        )
        self.latency = Histogram(
            'espaze_http_request_duration_seconds',
            'Time to answer',
            ['method', 'route'],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.heartbeats = Counter('espaze_heartbeats', 'Heartbeats accepted by this process', registry=registry)
        self.heartbeats_refused = Counter(
            'espaze_heartbeats_refused', 'Heartbeats refused for the per-node limit', registry=registry
        )
        self.flush_batch = Histogram(
            'espaze_heartbeat_flush_batch_size',
            'Heartbeats written per flush',
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        self.job_runs = Counter('espaze_job_runs', 'Scheduled job runs in this process', ['job'], registry=registry)
        self.job_failures = Counter('espaze_job_failures', 'Scheduled job runs that failed', ['job'], registry=registry)
        self.job_duration = Histogram(
            'espaze_job_duration_seconds',
            'Scheduled job run time',
            ['job'],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.lease_held = Gauge(
            'espaze_job_lease_held', '1 where this process holds the job lease', ['job', 'holder'], registry=registry
        )
        self.deployments = Gauge('espaze_deployments', 'Deployments by status', ['status'], registry=registry)
        self.nodes = Gauge('espaze_nodes', 'Edge nodes by status', ['status'], registry=registry)
        self.pauses = Pauses(registry)
        self.holder = holder
        self._request_children: dict[tuple[str, str, int], tuple] = {}
        self._state_readers: list[Callable[[], Awaitable[None]]] = []

    @staticmethod
    def route_of(path: str, template: str | None) -> str:
        """A label that does not grow with ids: the route's template, else a bounded stand-in."""
        if template:
            return template
        if HEARTBEAT_ROUTE.match(path):
            return '/api/nodes/{node_id}/heartbeat'
        return '/_nicegui/*' if path.startswith('/_nicegui') else 'unmatched'

    def observe_request(self, scope: dict, status: int, seconds: float) -> None:
        """For RequestContextMiddleware: count one answered request under its route's template."""
        route = self.route_of(scope.get('path', ''), getattr(scope.get('route'), 'path', None))
        method = scope.get('method', 'GET')
        key = (method if method in HTTP_METHODS else 'OTHER', route, status)  # a client picks the method
        children = self._request_children.get(key)
        if children is None:  # labels() costs a lock and a lookup: once per method, route and status
            children = self._request_children[key] = (
                self.requests.labels(key[0], route, str(status)),
                self.latency.labels(key[0], route),
            )
        children[0].inc()
        children[1].observe(seconds)

    def observe_job(self, job: str, seconds: float, failed: bool) -> None:
        self.job_runs.labels(job).inc()
        self.job_duration.labels(job).observe(seconds)
        if failed:
            self.job_failures.labels(job).inc()

    def set_leases(self, held: dict[str, bool]) -> None:
        for job, holds in held.items():
            self.lease_held.labels(job, self.holder).set(1 if holds else 0)

    def set_counts(self, gauge: Gauge, counts: dict[str, int]) -> None:
        for status, count in counts.items():
            gauge.labels(status).set(count)

    def reads_state_with(self, reader: Callable[[], Awaitable[None]]) -> None:
        """Run `reader` before each scrape (for gauges of stored state, such as deployments by status)."""
        self._state_readers.append(reader)

    async def render(self) -> bytes:
        for reader in self._state_readers:
            await reader()
        return generate_latest(self.registry)
