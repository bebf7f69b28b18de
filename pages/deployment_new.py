"""The deployment wizard: repository -> branch -> Dockerfile check -> configuration -> Deploy."""

from nicegui import ui

from models.accounts import User
from models.deployments import Configuration, DeploymentRequest
from models.errors import EspazeError
from models.github import LinkState
from pages.components.configuration_form import ConfigurationForm
from pages.components.repo_picker import RepositoryPicker
from pages.forms import FormErrors
from pages.layout import signed_in_page
from services.deployments.rules import suggested_name
from services.registry import Services


class Wizard:
    def __init__(self, services: Services, user: User) -> None:
        self.services = services
        self.user = user
        self.form = ConfigurationForm(services, Configuration(health_check_path='/'))

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
            maximum = self.services.deployments.max_replicas
            self.replicas = ui.number('Replicas', value=1, min=0, max=maximum, format='%d')
            self.replicas.props('outlined dense').classes('w-28')
            await self.form.build()
        with ui.row().classes('items-center gap-3'):
            self.deploy = ui.button('Deploy', icon='rocket_launch', on_click=self._submit)
            self.blocked = ui.label('Pick a repository and a branch first.').classes('text-slate-600').mark('blocked')
        self.errors = FormErrors(
            {
                'name': self.name,
                'configuration.image': self.image,
                'configuration.replicas': self.replicas,
                **self.form.fields,
            }
        )
        self._gate()

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

    def request(self) -> DeploymentRequest:
        return DeploymentRequest(
            name=(self.name.value or '').strip(),
            github_repo=self.picker.repository.full_name,
            branch=self.picker.branch or '',
            port=int(self.form.port.value or 0),
            replicas=int(self.replicas.value or 0),
            env=self.form.env(),
            secret_env=self.form.secret_env(),
            image=(self.image.value or '').strip() or None,
            dockerfile_path=(self.picker.path.value or 'Dockerfile').strip(),
            resources=self.form.resources(),
            health_check_path=(self.form.health.value or '').strip() or None,
            public=bool(self.form.public.value),
            node_selector=self.form.node_selector(),
            **self.form.push.values(),
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
