"""What a deployment may be: checked before anything is stored or sent to GitHub or the cluster."""

import re

from models.cluster import Resources
from models.deployments import DeploymentRequest
from models.errors import FieldChecks, ValidationFailed
from services.deployments.domain_rules import checked_domains
from services.fleet.node_rules import checked_labels
from services.github.names import branch_name, file_path, repository_name

NAME = re.compile(r'^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$')
ENV_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]{0,127}$')
CPU = re.compile(r'^([0-9]{1,3}(\.[0-9]{1,3})?|[0-9]{1,6}m)$')
MEMORY = re.compile(r'^[0-9]{1,6}(Ki|Mi|Gi|K|M|G)?$')
IMAGE = re.compile(
    r'^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$'
)
HEALTH_PATH = re.compile(r'^/[A-Za-z0-9._~/%-]{0,255}$')
MAX_ENV = 100
MAX_WATCH_PATHS = 20
WATCH_PATH = re.compile(r'^[A-Za-z0-9._*?/\[\]{}!-]{1,200}$')
MAX_VALUE = 32_768


def suggested_name(github_repo: str) -> str:
    """An RFC 1123 label from the repository's name: `My_Web.App` -> `my-web-app`."""
    text = re.sub(r'[^a-z0-9]+', '-', github_repo.rsplit('/', 1)[-1].lower()).strip('-')
    return text[:40].rstrip('-') or 'app'


def checked_env(env: dict[str, str], field_name: str) -> dict[str, str]:
    if len(env) > MAX_ENV:
        raise ValidationFailed(field_name, f'at most {MAX_ENV} variables')
    for key, value in env.items():
        if not ENV_NAME.fullmatch(key):
            raise ValidationFailed(
                field_name, f'{key[:40]!r} is not a variable name (letters, digits, _; not a digit first)'
            )
        if len(value) > MAX_VALUE or '\x00' in value:
            raise ValidationFailed(field_name, f'the value of {key} is longer than {MAX_VALUE} characters or holds NUL')
    return env


def checked_resources(resources: Resources) -> Resources:
    for field_name, value, pattern in (
        ('cpuRequest', resources.cpu_request, CPU),
        ('cpuLimit', resources.cpu_limit, CPU),
        ('memoryRequest', resources.memory_request, MEMORY),
        ('memoryLimit', resources.memory_limit, MEMORY),
    ):
        if not pattern.fullmatch(value):
            raise ValidationFailed(
                f'configuration.resources.{field_name}', f'{value[:20]!r} is not a Kubernetes quantity'
            )
    return resources


def checked_request(request: DeploymentRequest, max_replicas: int, apps_domain: str = '') -> DeploymentRequest:
    """The request if every field is acceptable; one ValidationFailed naming every field that is not. With
    `apps_domain`, custom domains may not be Espaze's own names under it."""
    with FieldChecks() as checks:
        if not NAME.fullmatch(request.name):
            checks.refuse('name', 'must be lowercase letters, digits and -, at most 40, not starting or ending with -')
        _check_source(checks, request)
        if not 1 <= request.port <= 65535:
            checks.refuse('configuration.port', 'must be between 1 and 65535')
        if not 0 <= request.replicas <= max_replicas:
            checks.refuse('configuration.replicas', f'must be between 0 and {max_replicas}')
        checks.check(checked_env, request.env, 'configuration.env')
        checks.check(checked_env, request.secret_env, 'configuration.secretEnv')
        both = set(request.env) & set(request.secret_env)
        if both:
            checks.refuse('configuration.secretEnv', f'{sorted(both)[0]} is also a plain variable')
        checks.check(file_path, request.dockerfile_path, 'configuration.dockerfilePath')
        checks.check(checked_resources, request.resources)
        if request.health_check_path is not None and not HEALTH_PATH.fullmatch(request.health_check_path):
            checks.refuse('configuration.healthCheckPath', 'must be a path such as /healthz')
        checks.check(checked_labels, request.node_selector, 'configuration.nodeSelector')
        checks.check(checked_watch_paths, request.watch_paths)
        checks.check(checked_domains, request.domains, f'{request.name}.{apps_domain}', apps_domain)
    return request


def _check_source(checks: FieldChecks, request: DeploymentRequest) -> None:
    """A repository and branch to build, or a prebuilt image (then the repository is optional)."""
    if request.image is not None and (len(request.image) > 255 or not IMAGE.fullmatch(request.image)):
        checks.refuse('configuration.image', 'is not an image reference such as ghcr.io/owner/app:1.0')
    if request.github_repo or request.image is None:
        checks.check(repository_name, request.github_repo, 'githubRepo')
        checks.check(branch_name, request.branch, 'branch')
    elif request.branch:
        checks.refuse('branch', 'needs a repository (githubRepo) to belong to')
    if not request.github_repo and request.configuration().hears_github:
        checks.refuse('configuration.autoDeploy', 'push to deploy and previews need a GitHub repository')


def checked_watch_paths(patterns: tuple[str, ...]) -> tuple[str, ...]:
    if len(patterns) > MAX_WATCH_PATHS:
        raise ValidationFailed('configuration.watchPaths', f'at most {MAX_WATCH_PATHS} patterns')
    for pattern in patterns:
        if not WATCH_PATH.fullmatch(pattern):
            raise ValidationFailed(
                'configuration.watchPaths', f'{pattern[:40]!r} is not a path pattern such as services/api/**'
            )
    return patterns


def check_registry_space(registry: str, owner_id: str, image: str | None) -> None:
    """Espaze's registry keeps each owner's builds under `<registry>/<owner>/`: nobody runs another's."""
    space = f'{registry}/'
    if image is not None and image.startswith(space) and not image.startswith(f'{space}{owner_id}/'):
        raise ValidationFailed('configuration.image', "is another account's build in Espaze's registry")
