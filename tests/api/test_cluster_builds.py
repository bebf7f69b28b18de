"""Image builds as Jobs in the cluster: at an exact commit, with the token only in a short-lived Secret."""

import json
import uuid

import pytest

from models.cluster import BuildRequest
from services.cluster.service import ClusterService
from tests.conftest import SandboxCluster
from tests.support.cluster_helpers import app_spec, cluster_service, eventually
from tests.support.github_emulator import GitHubEmulator
from tests.support.github_helpers import classic_token


@pytest.fixture
def cluster(sandbox_cluster: SandboxCluster) -> ClusterService:
    return cluster_service(str(sandbox_cluster.kubeconfig))


def build_of(
    github: GitHubEmulator, repo: str, branch: str, token: str | None, path: str = 'Dockerfile'
) -> BuildRequest:
    sha = github.repos[repo].branches[branch]
    return BuildRequest(
        uuid.uuid4().hex[:24],
        f'{github.base_url}/{repo}.git',
        sha,
        path,
        f'registry.espaze.localhost:5000/{repo.replace("/", "-")}:{sha}',
        token,
    )


async def test_a_private_repository_is_built_with_the_token_from_a_secret(github: GitHubEmulator, cluster):
    token = classic_token()
    github.add_user(token, 'octocat')
    github.add_repo('octocat/shop', private=True)
    build = build_of(github, 'octocat/shop', 'main', token)
    job = await cluster.start_build(build)
    namespace = cluster.settings.build_namespace
    stored = await cluster.gateway.call(cluster.gateway.batch.read_namespaced_job, job, namespace)
    assert token not in json.dumps(cluster.gateway.serialize(stored))
    secret = await cluster.gateway.call(cluster.gateway.core.read_namespaced_secret, f'{job}-git', namespace)
    assert secret.metadata.owner_references[0].uid == stored.metadata.uid
    status = await eventually(lambda: cluster.build_status(job), lambda s: s.state in ('succeeded', 'failed'))
    assert status.state == 'succeeded'
    logs = await cluster.build_logs(job)
    assert 'load build definition from Dockerfile' in logs and f'exporting to image {build.image}' in logs
    assert token not in logs
    assert await cluster.gateway.optional(cluster.gateway.core.read_namespaced_secret, f'{job}-git', namespace) is None
    contents_calls = [t for _, path, t in github.requests if '/contents/Dockerfile' in path]
    assert contents_calls == [token]  # the builder read the repository with the token


async def test_a_commit_without_its_dockerfile_fails_the_build_with_the_reason(github: GitHubEmulator, cluster):
    github.add_repo('octocat/docs')
    github.add_branch('octocat/docs', 'no-container', {'README.md': 'only docs'})
    job = await cluster.start_build(build_of(github, 'octocat/docs', 'no-container', None))
    status = await eventually(lambda: cluster.build_status(job), lambda s: s.state in ('succeeded', 'failed'))
    assert status.state == 'failed'
    assert 'failed to read dockerfile: open Dockerfile: no such file or directory' in await cluster.build_logs(job)


async def test_an_image_that_was_never_pushed_cannot_be_pulled(cluster):
    namespace = await cluster.ensure_namespace(uuid.uuid4().hex[:24])
    spec = app_spec(namespace, replicas=1, image='registry.espaze.localhost:5000/never-built:' + 'c' * 40)
    await cluster.deploy(spec)
    pods = await eventually(
        lambda: cluster.reads.pods(namespace, spec.deployment_id),
        lambda found: bool(found) and found[0].waiting_reason == 'ImagePullBackOff',
    )
    assert 'not found' in pods[0].waiting_message
