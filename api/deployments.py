"""The deployments API: create (202), list, read, change, operate, and read pods, logs, events and releases."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import PlainTextResponse

from api.deployment_schemas import (
    ConfigurationOut,
    ConfigurationPatch,
    CreatedOut,
    DeliveriesOut,
    DeliveryOut,
    DeploymentIn,
    DeploymentListOut,
    DeploymentOut,
    EventOut,
    PodOut,
    ReleaseOut,
    ResourcesOut,
    RollbackIn,
    ScaleIn,
    StatusChangeOut,
)
from api.deps import CurrentUser, ServicesDep
from api.schemas import PageNumber
from models.cluster import Resources
from models.deployments import Configuration, Deployment, DeploymentRequest, Release, Status
from services.deployments.domain_rules import normal_domains

router = APIRouter(prefix='/api/deployments', tags=['deployments'])


def _configuration(configuration: Configuration) -> ConfigurationOut:
    lists = ('secret_env_names', 'watch_paths', 'domains')
    return ConfigurationOut(
        **{k: v for k, v in vars(configuration).items() if k not in (*lists, 'resources')},
        **{k: list(getattr(configuration, k)) for k in lists},
        resources=ResourcesOut.of(configuration.resources),
    )


def deployment_out(found: Deployment, domain: str) -> DeploymentOut:
    return DeploymentOut(
        **{
            k: v
            for k, v in vars(found).items()
            if k not in ('configuration', 'history', 'phase_started_at', 'build_job')
        },
        configuration=_configuration(found.configuration),
        address=found.address(domain),
        history=[StatusChangeOut.of(change) for change in found.history],
    )


def _releases(found: Deployment, releases: list[Release]) -> list[ReleaseOut]:
    """Newest first, each with what it changed from the one before and whether it can be rolled back to."""
    return [
        ReleaseOut(
            **{k: v for k, v in vars(release).items() if k != 'configuration'},
            configuration=_configuration(release.configuration),
            runs_now=release.number == found.running_release,
            can_roll_back=found.may_roll_back_to(release),
            changes=release.changes_from(releases[index + 1] if index + 1 < len(releases) else None),
        )
        for index, release in enumerate(releases)
    ]


@router.get('')
async def list_deployments(
    user: CurrentUser,
    services: ServicesDep,
    status_filter: Annotated[Status | None, Query(alias='status')] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: PageNumber = 1,
    page_size: Annotated[int, Query(alias='pageSize', ge=1, le=100)] = 20,
) -> DeploymentListOut:
    """Your deployments (all of them for admins and viewers), newest change first."""
    found = await services.deployments.page(user, status_filter, q, page, page_size)
    domain = services.cluster.settings.ingress_domain
    return DeploymentListOut(
        items=[deployment_out(d, domain) for d in found.items],
        total=found.total,
        page=found.page,
        page_size=found.page_size,
    )


@router.post('', status_code=status.HTTP_202_ACCEPTED)
async def create_deployment(body: DeploymentIn, user: CurrentUser, services: ServicesDep) -> CreatedOut:
    """Check the repository, branch and Dockerfile (unless `configuration.image` is given), then start the rollout."""
    config = body.configuration
    request = DeploymentRequest(
        name=body.name,
        github_repo=body.github_repo,
        branch=body.branch,
        port=config.port,
        replicas=config.replicas,
        env=config.env,
        secret_env=config.secret_env,
        image=config.image,
        dockerfile_path=config.dockerfile_path,
        resources=Resources(**config.resources.model_dump()),
        health_check_path=config.health_check_path,
        public=config.public,
        node_selector=config.node_selector,
        auto_deploy=config.auto_deploy,
        watch_paths=tuple(config.watch_paths),
        previews=config.previews,
        preview_secrets=config.preview_secrets,
        preview_forks=config.preview_forks,
        domains=normal_domains(config.domains),
    )
    created = await services.deployments.create(user, request)
    return CreatedOut(id=created.id, status=created.status)


@router.get('/{deployment_id}')
async def get_deployment(deployment_id: str, user: CurrentUser, services: ServicesDep) -> DeploymentOut:
    """A deployment with its status, the reason, and every status change with its time."""
    found = await services.deployments.readable(user, deployment_id)
    return deployment_out(found, services.cluster.settings.ingress_domain)


@router.patch('/{deployment_id}')
async def change_deployment(
    deployment_id: str, body: ConfigurationPatch, user: CurrentUser, services: ServicesDep
) -> DeploymentOut:
    """Change the configuration; it is applied at once as a new release."""
    changes = body.model_dump(exclude_unset=True, exclude={'secret_env'})
    if body.resources is not None:
        changes['resources'] = Resources(**body.resources.model_dump())
    if body.watch_paths is not None:
        changes['watch_paths'] = tuple(body.watch_paths)
    if body.domains is not None:
        changes['domains'] = normal_domains(body.domains)
    changes = {k: v for k, v in changes.items() if v is not None}
    found = await services.operations.reconfigure(user, deployment_id, changes, body.secret_env)
    return deployment_out(found, services.cluster.settings.ingress_domain)


@router.delete('/{deployment_id}', status_code=status.HTTP_204_NO_CONTENT)
async def delete_deployment(deployment_id: str, user: CurrentUser, services: ServicesDep) -> Response:
    """Remove its objects from the cluster; the record and its releases stay as history."""
    await services.deployments.delete(user, deployment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post('/{deployment_id}/scale')
async def scale(deployment_id: str, body: ScaleIn, user: CurrentUser, services: ServicesDep) -> DeploymentOut:
    """Run this many replicas (0 stops it)."""
    found = await services.operations.scale(user, deployment_id, body.replicas)
    return deployment_out(found, services.cluster.settings.ingress_domain)


@router.post('/{deployment_id}/restart')
async def restart(deployment_id: str, user: CurrentUser, services: ServicesDep) -> DeploymentOut:
    found = await services.operations.restart(user, deployment_id)
    return deployment_out(found, services.cluster.settings.ingress_domain)


@router.post('/{deployment_id}/redeploy')
async def redeploy(deployment_id: str, user: CurrentUser, services: ServicesDep) -> DeploymentOut:
    """Build the branch's latest commit and roll it out as a new release."""
    found = await services.operations.redeploy(user, deployment_id)
    return deployment_out(found, services.cluster.settings.ingress_domain)


@router.post('/{deployment_id}/rollback')
async def rollback(deployment_id: str, body: RollbackIn, user: CurrentUser, services: ServicesDep) -> DeploymentOut:
    """Re-apply exactly the image and configuration of an earlier release (no rebuild)."""
    found = await services.operations.rollback(user, deployment_id, body.release)
    return deployment_out(found, services.cluster.settings.ingress_domain)


@router.post('/{deployment_id}/cancel')
async def cancel(deployment_id: str, user: CurrentUser, services: ServicesDep) -> DeploymentOut:
    """Stop a build or rollout and go back to the last release that ran (with none, the deployment stops)."""
    found = await services.operations.cancel(user, deployment_id)
    return deployment_out(found, services.cluster.settings.ingress_domain)


@router.get('/{deployment_id}/releases')
async def releases(deployment_id: str, user: CurrentUser, services: ServicesDep) -> list[ReleaseOut]:
    """Newest first (at most 100), each with what changed from the one before."""
    return _releases(*await services.deployments.releases(user, deployment_id))


@router.get('/{deployment_id}/deliveries')
async def deliveries(deployment_id: str, user: CurrentUser, services: ServicesDep) -> DeliveriesOut:
    """The newest webhook deliveries to its repository (at most 50), with what each did for this deployment."""
    found = await services.deployments.readable(user, deployment_id)
    items = [
        DeliveryOut(
            delivery_id=d.delivery_id,
            event=d.event,
            received_at=d.received_at,
            signature_ok=d.signature_ok,
            ref=d.ref,
            commit_sha=d.commit_sha,
            state=d.state,
            action=outcome.action if outcome else None,
            reason=outcome.reason if outcome else d.note,
        )
        for d, outcome in await services.pushes.deliveries(found)
    ]
    return DeliveriesOut(hook_url=services.hooks.url, warning=services.hooks.warning, items=items)


@router.get('/{deployment_id}/previews')
async def previews(deployment_id: str, user: CurrentUser, services: ServicesDep) -> list[DeploymentOut]:
    """The live previews of its pull requests, oldest first."""
    domain = services.cluster.settings.ingress_domain
    return [deployment_out(p, domain) for p in await services.previews.of(user, deployment_id)]


@router.get('/{deployment_id}/pods')
async def pods(deployment_id: str, user: CurrentUser, services: ServicesDep) -> list[PodOut]:
    return [PodOut.of(p) for p in await services.deployments.pods(user, deployment_id)]


@router.get('/{deployment_id}/events')
async def events(deployment_id: str, user: CurrentUser, services: ServicesDep) -> list[EventOut]:
    return [EventOut.of(e) for e in await services.deployments.events(user, deployment_id)]


@router.get('/{deployment_id}/logs', response_class=PlainTextResponse)
async def logs(
    deployment_id: str,
    user: CurrentUser,
    services: ServicesDep,
    pod: Annotated[str | None, Query(max_length=253)] = None,
    tail: int = 200,
) -> str:
    """A pod's log (the first pod when none is named; the build's log while there is no pod)."""
    return await services.deployments.logs(user, deployment_id, pod, tail)
