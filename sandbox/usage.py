"""Simulated CPU and memory use of pods (a bounded random walk under their limits), served as metrics.k8s.io."""

import random

from sandbox.store import BY_KIND, Store, now_text

NODES, PODS = BY_KIND['Node'], BY_KIND['Pod']


def quantity(text: str | int | float | None) -> float:
    """CPU in cores or memory in bytes from a Kubernetes quantity ('250m', '1.5', '512Mi', '1G')."""
    if text is None:
        return 0.0
    text = str(text)
    units = {'Ki': 2**10, 'Mi': 2**20, 'Gi': 2**30, 'Ti': 2**40, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'm': 1e-3}
    for suffix, factor in sorted(units.items(), key=lambda item: -len(item[0])):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


def _usage_text(cpu: float, memory: float) -> dict[str, str]:
    return {'cpu': f'{int(cpu * 1e9)}n', 'memory': f'{int(memory / 1024)}Ki'}


class UsageSimulator:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._usage: dict[str, tuple[float, float]] = {}

    def work(self, pod: dict) -> None:
        """One more step of a running pod's use, kept between 2-10 % and 90 % of its limits."""
        uid = pod['metadata']['uid']
        limits = (pod['spec']['containers'][0].get('resources') or {}).get('limits') or {}
        cpu_cap, memory_cap = quantity(limits.get('cpu') or '0.5'), quantity(limits.get('memory') or '256Mi')
        cpu, memory = self._usage.get(uid, (cpu_cap * 0.1, memory_cap * 0.3))
        cpu = min(cpu_cap * 0.9, max(cpu_cap * 0.02, cpu * random.uniform(0.85, 1.15)))
        memory = min(memory_cap * 0.9, max(memory_cap * 0.1, memory * random.uniform(0.97, 1.03)))
        self._usage[uid] = (cpu, memory)

    def forget(self, uid: str) -> None:
        self._usage.pop(uid, None)

    def node_metrics(self) -> list[dict]:
        used: dict[str, list[float]] = {}
        for pod in self.store.every(PODS):
            cpu, memory = self._usage.get(pod['metadata']['uid'], (0, 0))
            total = used.setdefault(pod['spec'].get('nodeName') or '', [0.0, 0.0])
            total[0] += cpu
            total[1] += memory
        items = []
        for node in self.store.every(NODES):
            cpu, memory = used.get(node['metadata']['name'], [0.0, 0.0])
            cpu, memory = 0.12 + cpu, 900 * 2**20 + memory
            items.append(
                {
                    'metadata': {'name': node['metadata']['name'], 'creationTimestamp': now_text()},
                    'timestamp': now_text(),
                    'window': '10s',
                    'usage': _usage_text(cpu, memory),
                }
            )
        return items

    def pod_metrics(self, namespace: str | None) -> list[dict]:
        items = []
        for pod in self.store.list(PODS, namespace):
            usage = self._usage.get(pod['metadata']['uid'])
            if usage is None:
                continue
            meta = pod['metadata']
            items.append(
                {
                    'metadata': {
                        'name': meta['name'],
                        'namespace': meta['namespace'],
                        'labels': meta.get('labels') or {},
                        'creationTimestamp': now_text(),
                    },
                    'timestamp': now_text(),
                    'window': '10s',
                    'containers': [{'name': pod['spec']['containers'][0]['name'], 'usage': _usage_text(*usage)}],
                }
            )
        return items
