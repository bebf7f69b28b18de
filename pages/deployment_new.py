"""The deployment wizard, two ways in: a GitHub repository (yours, or any public one without a linked account)
-> branch -> Dockerfile check -> configuration -> Deploy; or a prebuilt image alone -> configuration -> Deploy."""

from nicegui import ui

from models.accounts import User
from models.deployments import Configuration, DeploymentRequest
from models.errors import EspazeError
from models.github import LinkState
from pages.components.busy import busy
from pages.components.configuration_form import ConfigurationForm
from pages.components.repo_picker import RepositoryPicker
from pages.forms import FormErrors
from pages.layout import signed_in_page
from services.deployments.rules import suggested_name
from services.registry import Services

GITHUB, IMAGE = 'github', 'image'
IMAGE_LABELS = {GITHUB: 'Prebuilt image (skips the build)', IMAGE: 'Image'}


class Wizard:
    def __init__(self, services: Services, user: User) -> None:
        self.services = services
        self.user = user
        self.form = ConfigurationForm(services, Configuration(health_check_path='/'))

    async def build(self) -> None:
        linked = (await self.services.github.connections.status(self.user)).state == LinkState.LINKED
        self.way = ui.toggle({GITHUB: 'From a GitHub repository', IMAGE: 'From a prebuilt image'}, value=GITHUB)
        self.way.props('no-caps spread').classes('w-full max-w-xl').on_value_change(self._way_changed)
        with ui.card().classes('w-full gap-2') as self.repository_card:
            ui.label('1. Repository, branch and Dockerfile').classes('text-lg')
            if not linked:
                ui.label(
                    'No GitHub account is linked: search public repositories (GitHub allows 60 reads an hour '
                    'without one), or link one in Settings.'
                ).classes('text-sm text-slate-600')
            self.picker = RepositoryPicker(self.services, self.user, linked, on_change=self._picked)
            await self.picker.load()
        with ui.card().classes('w-full gap-3'):
            self.step = ui.label('2. Configuration').classes('text-lg')
            with ui.row().classes('w-full gap-2 items-start'):
                self.name = ui.input('Name', placeholder='my-app').props('outlined dense stack-label').classes('w-56')
                self.image = ui.input(IMAGE_LABELS[GITHUB], placeholder='ghcr.io/owner/app:1.0')
                self.image.props('outlined dense clearable').classes('grow min-w-[16rem]').on_value_change(self._gate)
                self.image.mark('image')
            maximum = self.services.deployments.max_replicas
            self.replicas = ui.number('Replicas', value=1, min=0, max=maximum, format='%d')
            self.replicas.props('outlined dense').classes('w-28')
            await self.form.build()
            if not linked:
                self.form.push.unavailable(
                    'Deploying on push and previews need a linked GitHub account with admin rights on the '
                    'repository (GitHub sends its events through a webhook that account makes): link one in Settings.'
                )
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

    @property
    def from_image(self) -> bool:
        return self.way.value == IMAGE

    def _way_changed(self) -> None:
        self.repository_card.set_visibility(not self.from_image)
        self.form.push.box.set_visibility(not self.from_image)
        self.image.props(f'label="{IMAGE_LABELS[self.way.value]}"')
        self.step.set_text('1. Image and configuration' if self.from_image else '2. Configuration')
        self._gate()

    def _picked(self, picker: RepositoryPicker) -> None:
        if picker.repository is not None and not self.name.value:
            self.name.value = suggested_name(picker.repository.full_name)
        self._gate()

    def _gate(self) -> None:
        """Deploy is possible with a repository and branch, and a Dockerfile or a prebuilt image."""
        check, image = self.picker.dockerfile, (self.image.value or '').strip()
        if self.from_image:
            reason = '' if image else 'Give the image to run, such as nginx:1.27 or ghcr.io/owner/app:1.0.'
        elif self.picker.repository is None or not self.picker.branch:
            reason = 'Pick a repository and a branch first.'
        elif check is not None and not check.exists and not image:
            reason = f'Blocked: {check.reason}. Add a Dockerfile, or give a prebuilt image.'
        else:
            reason = ''
        self.blocked.set_text(reason)
        self.blocked.set_visibility(bool(reason))
        self.deploy.set_enabled(not reason)

    def request(self) -> DeploymentRequest:
        repository = None if self.from_image else self.picker.repository
        github = self.form.push.values() if repository else {}
        return DeploymentRequest(
            name=(self.name.value or '').strip(),
            github_repo=repository.full_name if repository else '',
            branch=(self.picker.branch or '') if repository else '',
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
            **github,
        )

    async def _submit(self) -> None:
        """Create it, then go to its page: told through the page itself, not the button's slot, which may be gone by
        the time GitHub and the database have answered (then the page stayed put, saying nothing)."""
        page = ui.context.client
        self.errors.clear()
        async with busy(self.deploy):
            try:
                created = await self.services.deployments.create(self.user, self.request())
            except EspazeError as error:
                with page:
                    self.errors.show(error)
                return
        with page:
            ui.notify(f'{created.name} created: {created.status_reason}', type='positive')
            ui.navigate.to(f'/deployments/{created.id}')


def register(services: Services) -> None:
    @signed_in_page(services, '/deployments/new', 'New deployment')
    async def new_deployment(user: User) -> None:
        if not user.can_manage:
            ui.label('Viewers cannot deploy.').classes('text-red-700')
            return
        await Wizard(services, user).build()
