"""The deployment wizard: repository -> branch -> Dockerfile check -> configuration -> Deploy."""

from nicegui import ui

from errors import EspazeError
from models import User
from pages.components.repo_picker import RepositoryPicker
from pages.forms import FormErrors
from pages.layout import signed_in_page
from services.cluster.types import Resources
from services.deployments.rules import DeploymentRequest, suggested_name
from services.github.types import LinkState
from services.registry import Services

PRESETS = {
    'Small (0.1 CPU, 128 MiB; limit 0.5 CPU, 512 MiB)': Resources('100m', '128Mi', '500m', '512Mi'),
    'Medium (0.25 CPU, 256 MiB; limit 1 CPU, 1 GiB)': Resources('250m', '256Mi', '1', '1Gi'),
    'Large (0.5 CPU, 512 MiB; limit 2 CPU, 2 GiB)': Resources('500m', '512Mi', '2', '2Gi'),
}
CUSTOM = 'Custom'


class Wizard:
    def __init__(self, services: Services, user: User) -> None:
        self.services = services
        self.user = user
        self.env_rows: list[tuple[ui.input, ui.input, ui.checkbox, ui.row]] = []

    async def build(self) -> None:
        linked = (await self.services.github.connections.status(self.user)).state == LinkState.LINKED
        with ui.card().classes('w-full gap-2'):
            ui.label('1. Repository, branch and Dockerfile').classes('text-lg')
            self.picker = RepositoryPicker(self.services, self.user, linked, on_change=self._picked)
            await self.picker.load()
        with ui.card().classes('w-full gap-3'):
            ui.label('2. Configuration').classes('text-lg')
            with ui.row().classes('w-full gap-2 items-start'):
                self.name = ui.input('Name', placeholder='my-app').props('outlined dense stack-label').classes('w-56')
                self.image = ui.input('Prebuilt image (skips the build)', placeholder='ghcr.io/owner/app:1.0')
                self.image.props('outlined dense clearable').classes('grow min-w-[16rem]').on_value_change(self._gate)
            with ui.row().classes('w-full gap-2 items-start'):
                self.port = ui.number('Container port', value=8080, min=1, max=65535, format='%d')
                self.port.props('outlined dense').classes('w-36')
                maximum = self.services.deployments.max_replicas
                self.replicas = ui.number('Replicas', value=1, min=0, max=maximum, format='%d').props('outlined dense')
                self.health = ui.input('Health-check path', value='/').props('outlined dense')
                self.public = ui.switch('Public address', value=True)
            self.preset = ui.select([*PRESETS, CUSTOM], value=next(iter(PRESETS)), label='Resources')
            self.preset.props('outlined dense').classes('w-96').on_value_change(self._preset_changed)
            with ui.row().classes('gap-2') as self.custom:
                self.cpu_request = ui.input('CPU request', value='100m').props('outlined dense').classes('w-32')
                self.memory_request = ui.input('Memory request', value='128Mi').props('outlined dense').classes('w-32')
                self.cpu_limit = ui.input('CPU limit', value='500m').props('outlined dense').classes('w-32')
                self.memory_limit = ui.input('Memory limit', value='512Mi').props('outlined dense').classes('w-32')
            self.custom.set_visibility(False)
            await self._placement()
            ui.label('Environment variables (secret values are stored encrypted and never shown again)')
            self.env_box = ui.column().classes('w-full gap-1')
            ui.button('Add variable', icon='add', on_click=self._add_env).props('flat dense')
        with ui.row().classes('items-center gap-3'):
            self.deploy = ui.button('Deploy', icon='rocket_launch', on_click=self._submit)
            self.blocked = ui.label('Pick a repository and a branch first.').classes('text-slate-600').mark('blocked')
        self.errors = FormErrors(
            {
                'name': self.name,
                'configuration.image': self.image,
                'configuration.port': self.port,
                'configuration.replicas': self.replicas,
                'configuration.healthCheckPath': self.health,
            }
        )
        self._gate()

    async def _placement(self) -> None:
        try:
            nodes = await self.services.cluster.reads.nodes()
        except EspazeError:
            nodes = []
        choices = sorted({f'{k}={v}' for n in nodes for k, v in n.labels.items() if not k.startswith('kubernetes.io/')})
        self.placement = ui.select(choices, multiple=True, value=[], label='Run only on nodes labelled')
        self.placement.props('outlined dense use-chips').classes('w-96')

    def _picked(self, picker: RepositoryPicker) -> None:
        if picker.repository is not None and not self.name.value:
            self.name.value = suggested_name(picker.repository.full_name)
        self._gate()

    def _gate(self) -> None:
        """Deploy is possible with a repository and branch, and a Dockerfile or a prebuilt image."""
        check = self.picker.dockerfile
        if self.picker.repository is None or not self.picker.branch:
            reason = 'Pick a repository and a branch first.'
        elif check is not None and not check.exists and not (self.image.value or '').strip():
            reason = f'Blocked: {check.reason}. Add a Dockerfile, or give a prebuilt image.'
        else:
            reason = ''
        self.blocked.set_text(reason)
        self.blocked.set_visibility(bool(reason))
        self.deploy.set_enabled(not reason)

    def _preset_changed(self) -> None:
        self.custom.set_visibility(self.preset.value == CUSTOM)

    def _add_env(self) -> None:
        with self.env_box, ui.row().classes('w-full items-center gap-2 no-wrap') as row:
            key = ui.input('Name').props('outlined dense').classes('w-48')
            value = ui.input('Value').props('outlined dense').classes('grow')
            secret = ui.checkbox('Secret')
            ui.button(icon='close', on_click=lambda: self._remove_env(row)).props('flat round dense aria-label=Remove')
        self.env_rows.append((key, value, secret, row))

    def _remove_env(self, row: ui.row) -> None:
        self.env_rows = [entry for entry in self.env_rows if entry[3] is not row]
        row.delete()

    def request(self) -> DeploymentRequest:
        resources = PRESETS.get(self.preset.value) or Resources(
            self.cpu_request.value or '',
            self.memory_request.value or '',
            self.cpu_limit.value or '',
            self.memory_limit.value or '',
        )
        env = {k.value.strip(): v.value or '' for k, v, s, _ in self.env_rows if k.value and not s.value}
        secret_env = {k.value.strip(): v.value or '' for k, v, s, _ in self.env_rows if k.value and s.value}
        node_selector = dict(choice.split('=', 1) for choice in self.placement.value or [])
        return DeploymentRequest(
            name=(self.name.value or '').strip(),
            github_repo=self.picker.repository.full_name,
            branch=self.picker.branch or '',
            port=int(self.port.value or 0),
            replicas=int(self.replicas.value or 0),
            env=env,
            secret_env=secret_env,
            image=(self.image.value or '').strip() or None,
            dockerfile_path=(self.picker.path.value or 'Dockerfile').strip(),
            resources=resources,
            health_check_path=(self.health.value or '').strip() or None,
            public=bool(self.public.value),
            node_selector=node_selector,
        )

    async def _submit(self) -> None:
        self.errors.clear()
        try:
            created = await self.services.deployments.create(self.user, self.request())
        except EspazeError as error:
            self.errors.show(error)
            return
        ui.navigate.to(f'/deployments/{created.id}')


def register(services: Services) -> None:
    @signed_in_page(services, '/deployments/new', 'New deployment')
    async def new_deployment(user: User) -> None:
        if not user.can_manage:
            ui.label('Viewers cannot deploy.').classes('text-red-700')
            return
        await Wizard(services, user).build()
