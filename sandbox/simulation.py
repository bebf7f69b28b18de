"""What the control plane would do: the Deployment controller keeps pods to the template and rolls them, Pod
Security Admission refuses unsafe pods, the scheduler places them (scheduler.py), kubelets run them (kubelet.py),
and pods log and use CPU and memory.
"""

import asyncio
import hashlib
import json
import time
from collections import defaultdict

from sandbox import edge_controllers
from sandbox.builds import BuildSimulator
from sandbox.deployment_status import deployment_status
from sandbox.kubelet import Kubelet
from sandbox.nodes import add_node
from sandbox.scheduler import choose_node, unschedulable_status
from sandbox.store import BY_KIND, Store, now_text
from sandbox.usage import UsageSimulator
from sandbox.validation import restricted_violations

NODES, PODS, DEPLOYMENTS, EVENTS, NAMESPACES = (BY_KIND[k] for k in ('Node', 'Pod', 'Deployment', 'Event', 'Namespace'))
REGIONS = ['eu-west', 'us-east', 'ap-south']
LOG_LINES_KEPT = 500


def is_ready(pod: dict) -> bool:
    return any(c['type'] == 'Ready' and c['status'] == 'True' for c in (pod.get('status') or {}).get('conditions', []))


def template_hash(template: dict) -> str:
    return hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]


class Cluster:
    def __init__(
        self, node_count: int = 3, github_api_url: str | None = None, registry: str | None = None, metrics: bool = True
    ) -> None:
        self.store = Store()
        self.metrics = metrics
        self.logs: dict[str, list[tuple[float, str]]] = defaultdict(list)
        self.kubelet = Kubelet(self)
        self.usage = UsageSimulator(self.store)
        self._warned: set[tuple[str, str]] = set()
        self.builds = BuildSimulator(self, github_api_url, registry)
        for index in range(node_count):
            add_node(self.store, f'sandbox-node-{index + 1}', REGIONS[index % len(REGIONS)], index)

    def now_version(self) -> str:
        return self.store.version

    async def run(self, interval: float = 0.5) -> None:
        while True:
            self.tick()
            await asyncio.sleep(interval)

    def tick(self) -> None:
        now = time.monotonic()
        self.builds.tick(now)
        edge_controllers.reconcile(self.store)
        owned = defaultdict(list)  # (namespace, owner name) -> pods, grouped once a tick
        for pod in self.store.every(PODS):
            for owner in pod['metadata'].get('ownerReferences') or []:
                owned[pod['metadata']['namespace'], owner.get('name', '').rsplit('-', 1)[0]].append(pod)
        for deployment in self.store.every(DEPLOYMENTS):
            meta = deployment['metadata']
            self._reconcile(deployment, owned.get((meta['namespace'], meta['name']), []), now)
        for pod in self.store.list(PODS, None):
            if not pod['spec'].get('nodeName') and pod['metadata']['uid'] not in self.builds.pods:
                self.place(pod)
            self.kubelet.advance(pod, now)

    def event(
        self, involved: dict, reason: str, message: str, kind: str = 'Normal', component: str = 'kubelet'
    ) -> None:
        meta = involved['metadata']
        namespace = meta.get('namespace') or 'default'
        if self.store.find(NAMESPACES, None, namespace) is None:
            return
        self.store.create(
            EVENTS,
            namespace,
            {
                'metadata': {'generateName': f'{meta["name"]}.'},
                'involvedObject': {
                    'kind': involved['kind'],
                    'name': meta['name'],
                    'namespace': namespace,
                    'uid': meta['uid'],
                    'apiVersion': involved['apiVersion'],
                },
                'reason': reason,
                'message': message,
                'type': kind,
                'count': 1,
                'source': {'component': component},
                'firstTimestamp': now_text(),
                'lastTimestamp': now_text(),
            },
        )

    def warn_once(self, involved: dict, reason: str, message: str, component: str) -> None:
        key = (involved['metadata']['uid'], reason + message)
        if key not in self._warned:
            self._warned.add(key)
            self.event(involved, reason, message, 'Warning', component)

    # --- the Deployment controller ---

    def _reconcile(self, deployment: dict, owned: list[dict], now: float) -> None:
        meta, spec = deployment['metadata'], deployment['spec']
        namespace, desired = meta['namespace'], int(spec.get('replicas', 1))
        current_hash = template_hash(spec['template'])
        selector = spec['selector']['matchLabels']
        pods = [p for p in owned if all(p['metadata']['labels'].get(k) == v for k, v in selector.items())]
        current = [p for p in pods if p['metadata']['labels'].get('pod-template-hash') == current_hash]
        old = [p for p in pods if p not in current]
        failure = self._admission_failure(namespace, spec['template'].get('spec') or {})
        if failure:
            self.warn_once(deployment, 'FailedCreate', failure, 'replicaset-controller')
        while not failure and len(current) < desired:
            current.append(self._create_pod(deployment, current_hash))
        for pod in sorted(current, key=lambda p: p['metadata']['creationTimestamp'])[desired:]:
            self._delete_pod(pod)
        current = current[:desired]
        ready_now = [p for p in current if is_ready(p)]
        if len(ready_now) >= desired:
            for pod in old:
                self._delete_pod(pod)
            old = []
        self.store.set_status(
            deployment,
            deployment_status(
                deployment, f'{meta["name"]}-{current_hash[:8]}', desired, current, ready_now, old, failure
            ),
        )

    def _admission_failure(self, namespace: str, pod_spec: dict) -> str | None:
        labels = self.store.get(NAMESPACES, None, namespace)['metadata'].get('labels') or {}
        if labels.get('pod-security.kubernetes.io/enforce') != 'restricted':
            return None
        violations = restricted_violations(pod_spec)
        if not violations:
            return None
        return f'pods is forbidden: violates PodSecurity "restricted:latest": {", ".join(violations)}'

    def _create_pod(self, deployment: dict, pod_hash: str) -> dict:
        template = deployment['spec']['template']
        name = deployment['metadata']['name']
        labels = {**(template.get('metadata') or {}).get('labels', {}), 'pod-template-hash': pod_hash}
        pod = {
            'metadata': {
                'generateName': f'{name}-{pod_hash[:8]}-',
                'labels': labels,
                'annotations': (template.get('metadata') or {}).get('annotations') or {},
                'ownerReferences': [
                    {
                        'apiVersion': 'apps/v1',
                        'kind': 'ReplicaSet',
                        'name': f'{name}-{pod_hash[:8]}',
                        'uid': deployment['metadata']['uid'],
                        'controller': True,
                    }
                ],
            },
            'spec': {**template.get('spec', {})},
        }
        return self.place(self.store.create(PODS, deployment['metadata']['namespace'], pod))

    def place(self, pod: dict) -> dict:
        """Schedule a new pod as kube-scheduler would, or leave it Pending with the reason."""
        self.kubelet.born(pod['metadata']['uid'], time.monotonic())
        node, refusal = choose_node(self.store, pod)
        if node is None:
            self.warn_once(pod, 'FailedScheduling', refusal, 'default-scheduler')
            if not pod.get('status'):
                self.store.set_status(pod, unschedulable_status())
            return pod
        self.store.bind(pod, node)
        self.event(
            pod,
            'Scheduled',
            f'Successfully assigned {pod["metadata"]["namespace"]}/{pod["metadata"]["name"]} to {node}',
            component='default-scheduler',
        )
        return pod

    def _delete_pod(self, pod: dict) -> None:
        self.event(pod, 'Killing', f'Stopping container {pod["spec"]["containers"][0]["name"]}')
        self.store.delete(PODS, pod['metadata']['namespace'], pod['metadata']['name'])
        self.usage.forget(pod['metadata']['uid'])

    def write_log(self, uid: str, line: str) -> None:
        lines = self.logs[uid]
        lines.append((time.time(), f'{now_text()} {line}'))
        del lines[:-LOG_LINES_KEPT]

    def pod_log(self, pod: dict, tail: str | None, since: str | None) -> list[str]:
        lines = self.logs.get(pod['metadata']['uid'], [])
        if since and since.isdigit():
            lines = [entry for entry in lines if entry[0] >= time.time() - int(since)]
        texts = [text for _, text in lines]
        return texts[-int(tail) :] if tail and tail.isdigit() else texts
