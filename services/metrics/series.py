"""How samples are kept and read back: three resolutions, each stored in bucket documents keyed by time, and the
values of every scope (cluster, fleet, namespace, cluster node, deployment) taken from one snapshot."""

from collections import defaultdict
from datetime import datetime, timedelta

from models.metrics import HOUR, MINUTE, RAW, Resolution, Snapshot, Values

MAX_POINTS = 360
EVERY_TICK = ('cluster', 'fleet')  # sampled every tick at every resolution; other scopes once a minute


def choose(start: datetime, end: datetime, now: datetime, retention: dict[str, timedelta]) -> Resolution:
    """The finest resolution that still holds `start` and does not need more than a few thousand points."""
    span = end - start
    for resolution, longest in ((RAW, timedelta(hours=2)), (MINUTE, timedelta(days=2))):
        if span <= longest and now - start <= retention[resolution.name]:
            return resolution
    return HOUR


def choose_for_scope(start: datetime, end: datetime, now: datetime, retention: dict[str, timedelta]) -> str:
    """A namespace's, node's or deployment's minutes (kept as long as raw samples) for up to 2 days, else hours."""
    return 'minute' if end - start <= timedelta(days=2) and now - start <= retention['raw'] else 'hour'


def downsample(times: list[datetime], values: dict[str, list[float | None]], most: int = MAX_POINTS):
    """At most `most` points, averaging neighbours into equal groups (None where a group has no value)."""
    if len(times) <= most:
        return times, values
    size = -(-len(times) // most)
    groups = range(0, len(times), size)
    new_times = [times[i] for i in groups]
    new_values = {}
    for metric, column in values.items():
        averaged = []
        for i in groups:
            known = [v for v in column[i : i + size] if v is not None]
            averaged.append(sum(known) / len(known) if known else None)
        new_values[metric] = averaged
    return new_times, new_values


def global_values(snapshot: Snapshot) -> dict[str, Values]:
    """The values of `cluster` and `fleet` in this snapshot (what every tick stores)."""
    cluster, fleet = snapshot.cluster, snapshot.fleet
    phases = cluster.pods_by_phase
    return {
        'cluster': {
            'cpu_used': cluster.cpu_used,
            'cpu_allocatable': cluster.cpu_allocatable,
            'cpu_capacity': cluster.cpu_capacity,
            'memory_used': cluster.memory_used,
            'memory_allocatable': cluster.memory_allocatable,
            'memory_capacity': cluster.memory_capacity,
            'pods_running': phases.get('Running', 0),
            'pods_pending': phases.get('Pending', 0),
            'pods_failed': phases.get('Failed', 0),
            'nodes_ready': cluster.nodes_ready,
            'nodes_total': cluster.nodes_total,
            'restarts': cluster.restarts,
        }
        if cluster.reachable
        else {},
        'fleet': {
            'online': fleet.online,
            'offline': fleet.offline,
            'pending': fleet.pending,
            'heartbeats_per_second': fleet.heartbeats_per_second,
            'cpu_percent': fleet.cpu_percent,
            'memory_percent': fleet.memory_percent,
        },
    }


def scope_values(snapshot: Snapshot) -> dict[str, Values]:
    """The values of every `namespace:<ns>`, `node:<name>` and `deployment:<id>` in this snapshot."""
    scopes: dict[str, Values] = {}
    for node in snapshot.nodes:
        scopes[f'node:{node.name}'] = {'cpu_used': node.cpu_used, 'memory_used': node.memory_used, 'pods': node.pods}
    namespaces: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    deployments: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for pod in snapshot.pods:
        if pod.phase in ('Succeeded', 'Failed'):
            continue
        group = namespaces[f'namespace:{pod.namespace}']
        group['pods'] += 1
        group['cpu_used'] += pod.cpu_used or 0
        group['memory_used'] += pod.memory_used or 0
        if pod.deployment_id:
            d = deployments[f'deployment:{pod.deployment_id}']
            for name in ('cpu_used', 'memory_used'):
                d[name] += getattr(pod, name) or 0
            for name in ('cpu_request', 'memory_request', 'cpu_limit', 'memory_limit', 'restarts'):
                d[name] += getattr(pod, name)
            d['pods_ready'] += 1 if pod.ready else 0
    usage_known = snapshot.cluster.metrics_available
    for scope, values in (*namespaces.items(), *deployments.items()):
        scopes[scope] = {
            k: (v if usage_known or k not in ('cpu_used', 'memory_used') else None) for k, v in values.items()
        }
    return scopes
