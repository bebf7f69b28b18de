"""Image builds in the sandbox: a build Job's pod reads its BuildKit arguments, looks for the Dockerfile in the
repository at the commit (through the GitHub API, with the token of the Secret its env refers to), writes log
lines, then succeeds and "pushes" the image, or fails as BuildKit would. Finished Jobs are collected after their TTL.
"""

import base64
import hashlib
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

from sandbox.images import ImageTraits, traits_of
from sandbox.store import BY_KIND, now_text

JOBS, PODS, SECRETS = BY_KIND['Job'], BY_KIND['Pod'], BY_KIND['Secret']
STEP_SECONDS = 0.6
STEPS = [
    '#1 [internal] load build definition from {filename}',
    '#2 [internal] load metadata for the base image',
    '#3 [internal] load git source {context}',
    '#4 [stage-0 1/3] FROM base image',
    '#5 [stage-0 2/3] COPY . /app',
    '#6 [stage-0 3/3] RUN build steps',
]


def _option(args: list[str], flag: str, key: str) -> str | None:
    for index, arg in enumerate(args[:-1]):
        if arg == flag and args[index + 1].startswith(f'{key}='):
            return args[index + 1].split('=', 1)[1]
    return None


class BuildSimulator:
    def __init__(self, cluster, github_api_url: str | None, registry: str | None) -> None:
        self.cluster = cluster
        self.github_api_url = github_api_url
        self.registry = registry
        self.pushed: set[str] = set()
        self.pods: dict[str, dict] = {}  # build pod uid -> {'job', 'started', 'step', 'outcome'}
        self._finished_at: dict[str, float] = {}  # job uid -> when it finished
        self.images: dict[str, ImageTraits] = {}  # pushed image -> how it behaves when it runs

    def pull_error(self, image: str) -> str | None:
        """Images of the configured registry must have been pushed by a build; others are always there."""
        if self.registry and image.startswith(self.registry + '/') and image not in self.pushed:
            return f'Failed to pull image "{image}": {image}: not found'
        return None

    def traits(self, image: str) -> ImageTraits:
        """How the image behaves: as its Dockerfile says when the sandbox built it; a well-behaved app otherwise."""
        return self.images.get(image) or ImageTraits()

    def tick(self, now: float) -> None:
        store = self.cluster.store
        for job in store.list(JOBS, None):
            status = job.get('status') or {}
            if not status:
                self._start(job, now)
            elif status.get('active'):
                self._progress(job, now)
            elif 'completionTime' in status or status.get('failed'):
                self._collect(job)

    def _start(self, job: dict, now: float) -> None:
        template = job['spec']['template']
        labels = {**(template.get('metadata') or {}).get('labels', {}), 'job-name': job['metadata']['name']}
        pod = {
            'metadata': {
                'generateName': f'{job["metadata"]["name"]}-',
                'labels': labels,
                'ownerReferences': [
                    {
                        'apiVersion': 'batch/v1',
                        'kind': 'Job',
                        'name': job['metadata']['name'],
                        'uid': job['metadata']['uid'],
                        'controller': True,
                    }
                ],
            },
            'spec': {**template['spec']},
        }
        pod = self.cluster.place(self.cluster.store.create(PODS, job['metadata']['namespace'], pod))
        self.pods[pod['metadata']['uid']] = {'job': job['metadata']['uid'], 'started': now, 'step': 0}
        self.cluster.event(
            job, 'SuccessfulCreate', f'Created pod: {pod["metadata"]["name"]}', component='job-controller'
        )
        self.cluster.store.set_status(job, {'startTime': now_text(), 'active': 1, 'ready': 0})
        self._pod_status(pod, 'Running', {'running': {'startedAt': now_text()}})

    def _pod_of(self, job: dict) -> dict | None:
        return next(
            (
                p
                for p in self.cluster.store.list(
                    PODS, job['metadata']['namespace'], f'job-name={job["metadata"]["name"]}'
                )
            ),
            None,
        )

    def _progress(self, job: dict, now: float) -> None:
        pod = self._pod_of(job)
        if pod is None or pod['metadata']['uid'] not in self.pods:
            return
        run = self.pods[pod['metadata']['uid']]
        container = pod['spec']['containers'][0]
        args = list(container.get('args') or [])
        context = _option(args, '--opt', 'context') or ''
        filename = _option(args, '--opt', 'filename') or 'Dockerfile'
        deadline = job['spec'].get('activeDeadlineSeconds')
        if deadline and now - run['started'] > deadline:
            return self._finish(job, pod, False, 'DeadlineExceeded', 'Job was active longer than specified deadline')
        while run['step'] < len(STEPS) and now - run['started'] >= STEP_SECONDS * (run['step'] + 1):
            line = STEPS[run['step']].format(filename=filename, context=context.split('#')[0])
            self.cluster.write_log(pod['metadata']['uid'], line)
            run['step'] += 1
            if run['step'] == 3:
                run['outcome'], run['dockerfile'] = self._read_dockerfile(pod, context, filename)
                if run['outcome']:
                    self.cluster.write_log(pod['metadata']['uid'], f'ERROR: {run["outcome"]}')
                    return self._finish(
                        job, pod, False, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'
                    )
        if run['step'] == len(STEPS):
            image = self._output_name(args)
            digest = 'sha256:' + hashlib.sha256(f'{image}\n{run.get("dockerfile")}'.encode()).hexdigest()
            self.cluster.write_log(pod['metadata']['uid'], f'#7 exporting to image {image}: pushing layers done')
            self.cluster.write_log(pod['metadata']['uid'], f'#7 pushing manifest for {image}@{digest} done')
            self.pushed.add(image)
            self.images[image] = traits_of(run.get('dockerfile') or '')
            self._finish(job, pod, True, 'Complete', '', self._metadata(args, image, digest))

    def _metadata(self, args: list[str], image: str, digest: str) -> str | None:
        """What BuildKit writes to `--metadata-file`; the kubelet shows /dev/termination-log as the message."""
        path = next((args[i + 1] for i, a in enumerate(args[:-1]) if a == '--metadata-file'), None)
        if path != '/dev/termination-log':
            return None
        return json.dumps({'containerimage.digest': digest, 'image.name': image})

    def _output_name(self, args: list[str]) -> str:
        output = next((args[i + 1] for i, a in enumerate(args[:-1]) if a == '--output'), '')
        fields = dict(part.split('=', 1) for part in output.split(',') if '=' in part)
        return fields.get('name', '')

    def _read_dockerfile(self, pod: dict, context: str, filename: str) -> tuple[str | None, str]:
        """Why BuildKit could not read the Dockerfile (or None), and its text."""
        url, _, sha = context.partition('#')
        parts = urllib.parse.urlparse(url).path.strip('/').removesuffix('.git').split('/')
        if len(parts) != 2 or not re.fullmatch(r'[0-9a-f]{40}', sha) or not self.github_api_url:
            return f'failed to load git source {url}: invalid repository or commit', ''
        request = urllib.request.Request(
            f'{self.github_api_url}/repos/{parts[0]}/{parts[1]}/contents/{urllib.parse.quote(filename)}?ref={sha}',
            headers={'Accept': 'application/vnd.github+json'},
        )
        token = self._git_token(pod)
        if token:
            request.add_header('Authorization', f'token {token}')
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                content = json.loads(answer.read()).get('content') or ''
        except urllib.error.HTTPError as error:
            if error.code != 404:
                return f'failed to fetch remote {url}: HTTP {error.code}', ''
            return f'failed to read dockerfile: open {filename}: no such file or directory', ''
        except (OSError, ValueError):
            return f'failed to fetch remote {url}: could not reach the repository', ''
        return None, base64.b64decode(content).decode(errors='replace')

    def _git_token(self, pod: dict) -> str | None:
        for env in pod['spec']['containers'][0].get('env') or []:
            ref = ((env.get('valueFrom') or {}).get('secretKeyRef')) or {}
            if env.get('name') == 'GIT_AUTH_TOKEN' and ref:
                secret = self.cluster.store.find(SECRETS, pod['metadata']['namespace'], ref.get('name', ''))
                value = ((secret or {}).get('data') or {}).get(ref.get('key', ''))
                return base64.b64decode(value).decode() if value else None
        return None

    def _finish(
        self, job: dict, pod: dict, succeeded: bool, reason: str, message: str, termination: str | None = None
    ) -> None:
        stamp = now_text()
        self.pods.pop(pod['metadata']['uid'], None)
        code = 0 if succeeded else 1
        self._pod_status(
            pod,
            'Succeeded' if succeeded else 'Failed',
            {
                'terminated': {
                    'exitCode': code,
                    'reason': 'Completed' if succeeded else 'Error',
                    'startedAt': stamp,
                    'finishedAt': stamp,
                    **({'message': termination} if termination else {}),
                }
            },
        )
        condition = {
            'type': 'Complete' if succeeded else 'Failed',
            'status': 'True',
            'reason': reason,
            'message': message,
            'lastProbeTime': stamp,
            'lastTransitionTime': stamp,
        }
        status = {**job['status'], 'active': 0, 'conditions': [condition]}
        status.update({'succeeded': 1, 'completionTime': stamp} if succeeded else {'failed': 1})
        self.cluster.store.set_status(job, status)
        self._finished_at[job['metadata']['uid']] = time.monotonic()
        kind = 'Normal' if succeeded else 'Warning'
        self.cluster.event(
            job, 'Completed' if succeeded else reason, message or 'Job completed', kind, 'job-controller'
        )

    def _collect(self, job: dict) -> None:
        ttl = job['spec'].get('ttlSecondsAfterFinished')
        finished = self._finished_at.get(job['metadata']['uid'])
        if ttl is None or finished is None or time.monotonic() - finished < ttl:
            return
        for pod in self.cluster.store.list(PODS, job['metadata']['namespace'], f'job-name={job["metadata"]["name"]}'):
            self.cluster.store.delete(PODS, pod['metadata']['namespace'], pod['metadata']['name'])
        self.cluster.store.delete(JOBS, job['metadata']['namespace'], job['metadata']['name'])

    def _pod_status(self, pod: dict, phase: str, state: dict) -> None:
        container = pod['spec']['containers'][0]
        running = 'running' in state
        self.cluster.store.set_status(
            pod,
            {
                'phase': phase,
                'startTime': (pod.get('status') or {}).get('startTime') or now_text(),
                'conditions': [
                    {'type': 'Ready', 'status': 'True' if running else 'False', 'lastTransitionTime': now_text()}
                ],
                'containerStatuses': [
                    {
                        'name': container['name'],
                        'image': container['image'],
                        'imageID': '',
                        'ready': running,
                        'restartCount': 0,
                        'started': running,
                        'state': state,
                        'lastState': {},
                    }
                ],
            },
        )
