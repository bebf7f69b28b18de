"""What controllers and kubelets would do: Deployments get pods on simulated nodes, pods start and become ready,
scale and restarts roll pods, Pod Security Admission refuses unsafe pods, pods log and use CPU and memory.
"""

import asyncio
import hashlib
import json
import random
import time
from collections import defaultdict

from sandbox.builds import BuildSimulator
from sandbox.deployment_status import deployment_status
from sandbox.nodes import add_node
from sandbox.store import BY_KIND, Store, now_text
from sandbox.usage import UsageSimulator
from sandbox.validation import restricted_violations

NODES, PODS, DEPLOYMENTS, EVENTS, NAMESPACES = (BY_KIND[k] for k in ('Node', 'Pod', 'Deployment', 'Event', 'Namespace'))
CREATING_SECONDS = 1.0
READY_SECONDS = 2.0
CRASH_SECONDS = 2.0
REGIONS = ['eu-west', 'us-east', 'ap-south']
LOG_LINES_KEPT = 500


def template_hash(template: dict) -> str:
    return hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]


class Cluster:
    def __init__(
        self, node_count: int = 3, github_api_url: str | None = None, registry: str | None = None, metrics: bool = True
    ) -> None:
        self.store = Store()
        self.metrics = metrics
        self.logs: dict[str, list[tuple[float, str]]] = defaultdict(list)
        self._born: dict[str, float] = {}
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
        for deployment in self.store.list(DEPLOYMENTS, None):
            self._reconcile(deployment, now)
        for pod in self.store.list(PODS, None):
            self._advance(pod, now)

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

    def _warn_once(self, involved: dict, reason: str, message: str, component: str) -> None:
        key = (involved['metadata']['uid'], reason + message)
        if key not in self._warned:
            self._warned.add(key)
            self.event(involved, reason, message, 'Warning', component)

    # --- the Deployment controller ---

    def _reconcile(self, deployment: dict, now: float) -> None:
        meta, spec = deployment['metadata'], deployment['spec']
        namespace, desired = meta['namespace'], int(spec.get('replicas', 1))
        current_hash = template_hash(spec['template'])
        selector = ','.join(f'{k}={v}' for k, v in spec['selector']['matchLabels'].items())
        pods = [p for p in self.store.list(PODS, namespace, selector) if self._owned_by(p, deployment)]
        current = [p for p in pods if p['metadata']['labels'].get('pod-template-hash') == current_hash]
        old = [p for p in pods if p not in current]
        failure = self._admission_failure(namespace, spec['template'].get('spec') or {})
        if failure:
            self._warn_once(deployment, 'FailedCreate', failure, 'replicaset-controller')
        while not failure and len(current) < desired:
            current.append(self._create_pod(deployment, current_hash))
        for pod in sorted(current, key=lambda p: p['metadata']['creationTimestamp'])[desired:]:
            self._delete_pod(pod)
        current = current[:desired]
        ready_now = [p for p in current if self._ready(p)]
        if len(ready_now) >= desired:
            for pod in old:
                self._delete_pod(pod)
            old = []
        self.store.set_status(deployment, deployment_status(deployment, desired, current, ready_now, old, failure))

    def _owned_by(self, pod: dict, deployment: dict) -> bool:
        owners = pod['metadata'].get('ownerReferences') or []
        return any(o.get('name', '').rsplit('-', 1)[0] == deployment['metadata']['name'] for o in owners)

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
        """Schedule a new pod on a matching node, as the scheduler would."""
        self._born[pod['metadata']['uid']] = time.monotonic()
        wanted = pod['spec'].get('nodeSelector') or {}
        nodes = [
            n
            for n in self.store.list(NODES, None)
            if all(n['metadata']['labels'].get(k) == v for k, v in wanted.items())
        ]
        if not nodes:
            count = len(self.store.list(NODES, None))
            self._warn_once(
                pod,
                'FailedScheduling',
                f"0/{count} nodes are available: {count} node(s) didn't match Pod's node affinity/selector.",
                'default-scheduler',
            )
            self.store.set_status(
                pod,
                {
                    'phase': 'Pending',
                    'qosClass': 'Burstable',
                    'conditions': [
                        {
                            'type': 'PodScheduled',
                            'status': 'False',
                            'reason': 'Unschedulable',
                            'lastTransitionTime': now_text(),
                        }
                    ],
                },
            )
            return pod
        load = {n['metadata']['name']: 0 for n in nodes}
        for other in self.store.list(PODS, None):
            if other['spec'].get('nodeName') in load:
                load[other['spec']['nodeName']] += 1
        pod['spec']['nodeName'] = min(load, key=load.get)
        self.event(
            pod,
            'Scheduled',
            f'Successfully assigned {pod["metadata"]["namespace"]}/{pod["metadata"]["name"]} '
            f'to {pod["spec"]["nodeName"]}',
            component='default-scheduler',
        )
        return pod

    def _delete_pod(self, pod: dict) -> None:
        self.event(pod, 'Killing', f'Stopping container {pod["spec"]["containers"][0]["name"]}')
        self.store.delete(PODS, pod['metadata']['namespace'], pod['metadata']['name'])
        self.usage.forget(pod['metadata']['uid'])

    # --- the kubelet ---

    def _ready(self, pod: dict) -> bool:
        return any(
            c['type'] == 'Ready' and c['status'] == 'True' for c in (pod.get('status') or {}).get('conditions', [])
        )

    def _advance(self, pod: dict, now: float) -> None:
        uid = pod['metadata']['uid']
        if not pod['spec'].get('nodeName') or uid in self.builds.pods:
            return
        age = now - self._born.setdefault(uid, now)
        containers = pod['spec']['containers']
        pull_error = self.builds.pull_error(containers[0]['image'])
        crash_code = self.builds.crash_codes.get(containers[0]['image'])
        running = age >= CREATING_SECONDS and pull_error is None
        ready = running and age >= READY_SECONDS and crash_code is None
        stamp = now_text()
        restarts, last_state = 0, {}
        if running and crash_code is not None:
            restarts = int((age - CREATING_SECONDS) / CRASH_SECONDS) + 1
            previous_statuses = (pod.get('status') or {}).get('containerStatuses') or [{}]
            if restarts != previous_statuses[0].get('restartCount'):
                self.write_log(uid, 'Starting the app')
                self.write_log(uid, f'Fatal: the app exited with status {crash_code}')
                self._warn_once(pod, 'BackOff', 'Back-off restarting failed container app', 'kubelet')
            state = {'waiting': {'reason': 'CrashLoopBackOff', 'message': 'back-off restarting failed container'}}
            last_state = {'terminated': {'exitCode': crash_code, 'reason': 'Error', 'finishedAt': stamp}}
        elif pull_error and age >= CREATING_SECONDS:
            self._warn_once(pod, 'Failed', pull_error, 'kubelet')
            state = {'waiting': {'reason': 'ImagePullBackOff', 'message': pull_error}}
        elif running:
            if (pod.get('status') or {}).get('phase') != 'Running':
                for reason, message in (
                    ('Pulled', f'Container image "{containers[0]["image"]}" already present'),
                    ('Created', f'Created container {containers[0]["name"]}'),
                    ('Started', f'Started container {containers[0]["name"]}'),
                ):
                    self.event(pod, reason, message)
                port = next(iter(containers[0].get('ports') or []), {}).get('containerPort', 8080)
                self.write_log(uid, f'Listening on 0.0.0.0:{port}')
            state = {'running': {'startedAt': (pod.get('status') or {}).get('startTime') or stamp}}
            self._simulate_work(pod)
        else:
            state = {'waiting': {'reason': 'ContainerCreating'}}
        statuses = [
            {
                'name': c['name'],
                'image': c['image'],
                'imageID': '',
                'ready': ready,
                'restartCount': restarts,
                'started': running,
                'state': state,
                'lastState': last_state,
            }
            for c in containers
        ]
        conditions = [
            {'type': kind, 'status': 'True' if value else 'False', 'lastTransitionTime': stamp}
            for kind, value in (
                ('PodScheduled', True),
                ('Initialized', True),
                ('ContainersReady', ready),
                ('Ready', ready),
            )
        ]
        previous = pod.get('status') or {}
        for condition in conditions:
            before = next((c for c in previous.get('conditions', []) if c['type'] == condition['type']), None)
            if before and before['status'] == condition['status']:
                condition['lastTransitionTime'] = before['lastTransitionTime']
        self.store.set_status(
            pod,
            {
                'phase': 'Running' if running else 'Pending',
                'conditions': conditions,
                'containerStatuses': statuses,
                'hostIP': '10.0.0.10',
                'podIP': f'10.244.0.{abs(hash(uid)) % 250 + 2}',
                'qosClass': 'Burstable',
                'startTime': previous.get('startTime') or stamp,
            },
        )

    def _simulate_work(self, pod: dict) -> None:
        self.usage.work(pod)
        probe = (pod['spec']['containers'][0].get('readinessProbe') or {}).get('httpGet') or {}
        if random.random() < 0.2:
            self.write_log(pod['metadata']['uid'], f'"GET {probe.get("path", "/")} HTTP/1.1" 200 - kube-probe/1.31')

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
