"""How deployments, their configurations and releases are written in MongoDB, and read back as models."""

import dataclasses
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId

from models.cluster import Resources
from models.deployments import Configuration, Deployment, Release, Status, StatusChange


def object_id(raw: str) -> ObjectId | None:
    try:
        return ObjectId(raw)
    except (InvalidId, TypeError):
        return None


def repo_key(github_repo: str) -> str:
    """GitHub names repositories case-insensitively: one key for every spelling."""
    return github_repo.lower()


def configuration_doc(configuration: Configuration) -> dict[str, Any]:
    doc = dataclasses.asdict(configuration)
    doc['secret_env_names'] = list(configuration.secret_env_names)
    doc['watch_paths'] = list(configuration.watch_paths)
    return doc


def configuration(doc: dict[str, Any]) -> Configuration:
    return Configuration(
        **{
            **doc,
            'secret_env_names': tuple(doc.get('secret_env_names') or ()),
            'watch_paths': tuple(doc.get('watch_paths') or ()),
            'resources': Resources(**doc['resources']),
        }
    )


def history_doc(change: StatusChange) -> dict[str, Any]:
    return {'status': change.status.value, 'reason': change.reason, 'at': change.at}


def deployment_doc(deployment: Deployment, secret_env: dict[str, bytes]) -> dict[str, Any]:
    return {
        'owner_id': deployment.owner_id,
        'name': deployment.name,
        'github_repo': deployment.github_repo,
        'repo_key': repo_key(deployment.github_repo),
        'branch': deployment.branch,
        'namespace': deployment.namespace,
        'status': deployment.status.value,
        'status_reason': deployment.status_reason,
        'configuration': configuration_doc(deployment.configuration),
        'secret_env': secret_env,
        'commit_sha': deployment.commit_sha,
        'image': deployment.image,
        'build_job': deployment.build_job,
        'created_at': deployment.created_at,
        'updated_at': deployment.updated_at,
        'phase_started_at': deployment.phase_started_at,
        'deleted_at': None,
        'release': deployment.release,
        'running_release': deployment.running_release,
        'preview_of': deployment.preview_of,
        'pull_request': deployment.pull_request,
        'history': [history_doc(h) for h in deployment.history],
    }


def deployment(doc: dict[str, Any]) -> Deployment:
    return Deployment(
        id=str(doc['_id']),
        owner_id=doc['owner_id'],
        name=doc['name'],
        github_repo=doc['github_repo'],
        branch=doc['branch'],
        namespace=doc['namespace'],
        status=Status(doc['status']),
        status_reason=doc.get('status_reason', ''),
        configuration=configuration(doc['configuration']),
        release=doc.get('release', 0),
        commit_sha=doc.get('commit_sha'),
        image=doc.get('image'),
        build_job=doc.get('build_job'),
        phase_started_at=doc['phase_started_at'],
        history=[StatusChange(Status(h['status']), h['reason'], h['at']) for h in doc.get('history', [])],
        created_at=doc['created_at'],
        updated_at=doc['updated_at'],
        running_release=doc.get('running_release'),
        preview_of=doc.get('preview_of'),
        pull_request=doc.get('pull_request'),
    )


def release(doc: dict[str, Any]) -> Release:
    return Release(
        number=doc['number'],
        kind=doc['kind'],
        note=doc.get('note', ''),
        commit_sha=doc.get('commit_sha'),
        image=doc.get('image'),
        configuration=configuration(doc['configuration']),
        created_by=doc['created_by'],
        created_at=doc['created_at'],
        digest=doc.get('digest'),
        ran_at=doc.get('ran_at'),
    )
