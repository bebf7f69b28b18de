"""The scheduler: a pod goes to the least loaded node whose labels match its nodeSelector and whose allocatable
CPU and memory still cover its requests; otherwise it stays Pending with a FailedScheduling event that says why,
as kube-scheduler words it, and is tried again on the next tick.
"""

from collections import Counter

from sandbox.store import BY_KIND, Store, now_text
from sandbox.usage import quantity

NODES, PODS = BY_KIND['Node'], BY_KIND['Pod']
FINISHED = ('Succeeded', 'Failed')


def requests_of(pod: dict) -> tuple[float, float]:
    """The CPU (cores) and memory (bytes) a pod's containers request."""
    cpu = memory = 0.0
    for container in pod['spec'].get('containers') or []:
        wanted = (container.get('resources') or {}).get('requests') or {}
        cpu += quantity(wanted.get('cpu'))
        memory += quantity(wanted.get('memory'))
    return cpu, memory


def _requested_by_node(store: Store) -> dict[str, list[float]]:
    used: dict[str, list[float]] = {}
    for pod in store.list(PODS, None):
        node = pod['spec'].get('nodeName')
        if node and (pod.get('status') or {}).get('phase') not in FINISHED:
            cpu, memory = requests_of(pod)
            totals = used.setdefault(node, [0.0, 0.0, 0])
            totals[0] += cpu
            totals[1] += memory
            totals[2] += 1
    return used


def choose_node(store: Store, pod: dict) -> tuple[str | None, str]:
    """The node the pod goes to, or None and the scheduler's message saying why none fits."""
    wanted = pod['spec'].get('nodeSelector') or {}
    cpu, memory = requests_of(pod)
    used = _requested_by_node(store)
    nodes = store.list(NODES, None)
    refusals: Counter[str] = Counter()
    fitting: dict[str, int] = {}
    for node in nodes:
        name, allocatable = node['metadata']['name'], (node.get('status') or {}).get('allocatable') or {}
        cpu_used, memory_used, count = used.get(name, [0.0, 0.0, 0])
        if not all(node['metadata'].get('labels', {}).get(k) == v for k, v in wanted.items()):
            refusals["node(s) didn't match Pod's node affinity/selector"] += 1
        elif cpu_used + cpu > quantity(allocatable.get('cpu')):
            refusals['Insufficient cpu'] += 1
        elif memory_used + memory > quantity(allocatable.get('memory')):
            refusals['Insufficient memory'] += 1
        elif count + 1 > quantity(allocatable.get('pods') or 110):
            refusals['Too many pods'] += 1
        else:
            fitting[name] = int(count)
    if fitting:
        return min(fitting, key=fitting.get), ''
    reasons = ', '.join(f'{count} {reason}' for reason, count in sorted(refusals.items()))
    return None, f'0/{len(nodes)} nodes are available: {reasons}.'


def unschedulable_status() -> dict:
    return {
        'phase': 'Pending',
        'qosClass': 'Burstable',
        'conditions': [
            {'type': 'PodScheduled', 'status': 'False', 'reason': 'Unschedulable', 'lastTransitionTime': now_text()}
        ],
    }
