"""One deployment: live status and steps, operations, logs (tail, follow, search, download), pods, events, releases."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from nicegui import ui

from models.accounts import User
from models.deployments import IN_FLIGHT, Deployment, Status
from models.errors import EspazeError, NotFound
from pages.components.busy import attempted, busy
from pages.components.configuration_form import ConfigurationForm
from pages.components.confirm import confirmed
from pages.components.custom_domains import CustomDomainsPanel
from pages.components.deployment_history import DeliveriesPanel, ReleasesPanel, previews_panel
from pages.components.deployment_logs import AppLogPanel, BuildLogPanel
from pages.components.deployment_pods import PodsPanel
from pages.components.deployment_status import status_badge
from pages.components.deployment_steps import StepsView
from pages.components.deployment_usage import usage_panel
from pages.forms import FormErrors
from pages.layout import object_page
from services.registry import Services

LIVE_SECONDS = 2
PODS_SECONDS = 5
DELIVERIES_SECONDS = 5


class DeploymentView:
    def __init__(self, services: Services, user: User, deployment: Deployment) -> None:
        self.services = services
        self.user = user
        self.deployment = deployment
        self.may_change = deployment.changeable_by(user)
        self.status_watchers: list[Callable[[Status, Status], Awaitable[None]]] = []  # the panels built in tabs
        self.build_panel: BuildLogPanel | None = None
        self.releases: ReleasesPanel | None = None
        self.steps: StepsView | None = None

    async def act(self, button: ui.button, action, success: str, question: str | None = None) -> None:
        """Ask first when `question` is given; then run it with a spinner on its button, and say how it went. The
        toast is given to the page, not to the row of the button, which the live page may redraw meanwhile."""
        page = ui.context.client
        if question is not None and not await confirmed(question, button.text):
            return
        if not (await attempted(button, action, page))[0]:
            return
        with page:
            ui.notify(success, type='positive')
        await self.refresh()

    @ui.refreshable_method
    def header(self) -> None:
        d = self.deployment
        with ui.row().classes('items-center gap-3'):
            status_badge(d.status)
            ui.label(d.status_reason).classes('text-slate-700 break-words').mark('status reason')
        self.steps = StepsView()
        self.steps.show(d, datetime.now(UTC))
        source = d.source + (f' · commit {d.commit_sha[:7]}' if d.commit_sha else '')
        ui.label(source).classes('text-sm text-slate-600 break-all').mark('source')
        running = f'runs release #{d.running_release}' if d.running_release else 'no release has run yet'
        ui.label(f'Release #{d.release} · {running}').classes('text-sm text-slate-600').mark('release')
        if d.preview_of:
            with ui.row().classes('items-center gap-1 text-sm'):
                ui.label(f'Preview of pull request #{d.pull_request} for')
                ui.link('its deployment', f'/deployments/{d.preview_of}')
        address = d.address(self.services.cluster.settings.ingress_domain)
        if address:
            with ui.row().classes('items-center gap-1 text-sm'):
                ui.label('Address:')
                ui.link(address, address, new_tab=True).classes('break-all').mark('address')

    async def refresh(self) -> None:
        """Read it again; redraw what changed (a push or another person may change it at any time)."""
        before = self.deployment
        try:
            self.deployment = await self.services.deployments.readable(self.user, self.deployment.id)
        except NotFound:
            return
        if self.build_panel is not None:
            await self.build_panel.follow(self.deployment.status)
        if self.deployment.updated_at == before.updated_at:
            if self.deployment.status in IN_FLIGHT and self.steps is not None:
                self.steps.show(self.deployment, datetime.now(UTC))  # the running step's time goes on
            return
        self.header.refresh()
        self.operations.refresh()
        for watcher in self.status_watchers:
            await watcher(before.status, self.deployment.status)
        if self.releases is not None:
            await self.releases.changed()

    @ui.refreshable_method
    def operations(self) -> None:
        """The operations that fit what the deployment is doing now (redrawn when that changes)."""
        d = self.deployment
        if not self.may_change or d.status == Status.DELETED:
            return
        operations = self.services.operations
        with ui.row().classes('items-center gap-2 flex-wrap').mark('operations'):
            most = self.services.deployments.max_replicas
            replicas = ui.number('Replicas', value=d.configuration.replicas, min=0, max=most, format='%d')
            replicas.props('outlined dense').classes('w-28')
            self._button(
                'Scale',
                lambda: operations.scale(self.user, d.id, int(replicas.value or 0)),
                lambda: f'Scaling to {int(replicas.value or 0)} replicas',
            )
            if d.status == Status.STOPPED:
                self._button('Start', lambda: operations.start(self.user, d.id), lambda: f'Starting {d.name}')
            else:
                if d.running_release is not None:
                    self._button(
                        'Restart',
                        lambda: operations.restart(self.user, d.id),
                        lambda: f'Restarting the pods of {d.name}',
                        f'Restart {d.name}? Its pods are replaced one by one.',
                    )
                self._button(
                    'Stop',
                    lambda: operations.scale(self.user, d.id, 0),
                    lambda: f'Stopping {d.name}',
                    f'Stop {d.name}? All its pods are removed (0 replicas) until you start it again.',
                )
            again = (
                f'Applying {d.configuration.image} again'
                if d.configuration.image
                else f'Building the latest commit of {d.branch}'
            )
            self._button('Redeploy', lambda: operations.redeploy(self.user, d.id), lambda: again)
            if d.status in IN_FLIGHT:
                back = (
                    f'back to release #{d.running_release}'
                    if d.running_release
                    else 'stopped, since no release ran yet'
                )
                self._button(
                    'Cancel rollout',
                    lambda: operations.cancel(self.user, d.id),
                    lambda: f'Cancelled release #{d.release}',
                    f'Cancel release #{d.release} of {d.name}? It goes {back}.',
                    icon='cancel',
                )
            ui.button('Delete', color='red-7', on_click=self.confirm_delete).props('outline')

    def _button(
        self, label: str, action, success: Callable[[], str], question: str | None = None, icon: str | None = None
    ) -> ui.button:
        button = ui.button(label, icon=icon)
        button.on_click(lambda: self.act(button, action, success(), question))
        if question is not None:
            button.props('outline')
        return button

    async def confirm_delete(self) -> None:
        name = self.deployment.name
        if not await confirmed(
            f'Delete {name} from the cluster? Its pods and address go; its history is kept.', 'Delete'
        ):
            return
        try:
            await self.services.deployments.delete(self.user, self.deployment.id)
        except EspazeError as error:
            ui.notify(str(error), type='negative')
            return
        ui.notify(f'{name} deleted', type='positive')
        ui.navigate.to('/deployments')

    def app_log(self) -> AppLogPanel:
        deployments, user, deployment_id = self.services.deployments, self.user, self.deployment.id

        async def pods() -> list[str]:
            return [p.name for p in await deployments.pods(user, deployment_id)]

        panel = AppLogPanel(
            pods, lambda pod, tail: deployments.logs(user, deployment_id, pod, tail), f'{self.deployment.name}.log'
        )
        self.status_watchers.append(panel.status_changed)
        return panel

    def build_log(self) -> BuildLogPanel:
        panel = BuildLogPanel(
            lambda: self.services.deployments.build_logs(self.user, self.deployment.id), self.no_build
        )
        self.status_watchers.append(panel.status_changed)
        self.build_panel = panel
        return panel

    def no_build(self) -> str:
        """Why the Build log is empty."""
        d = self.deployment
        if d.configuration.image:
            return f'No build: this deployment runs the prebuilt image {d.configuration.image}.'
        if d.status == Status.PENDING:
            return 'The build starts in a moment; its log appears here as it runs.'
        return 'No build log: the release now rolled out reuses an image built before.'

    async def configuration(self) -> None:
        """The configuration, editable by those who may change the deployment: saving rolls it out as a release."""
        form = ConfigurationForm(self.services, self.deployment.configuration)
        await form.build()
        domains = CustomDomainsPanel(self.services, lambda: self.user, lambda: self.deployment, self.may_change)
        if not self.may_change or self.deployment.status == Status.DELETED:
            form.disable()
            await domains.show()
            return
        errors = FormErrors(form.fields)

        async def save() -> None:
            errors.clear()
            async with busy(button):
                try:
                    await self.services.operations.reconfigure(
                        self.user, self.deployment.id, form.changes(), form.secret_changes()
                    )
                except EspazeError as error:
                    errors.show(error)
                    return
            ui.notify('Configuration saved: rolling it out', type='positive')
            await self.refresh()

        button = ui.button('Save and roll out', icon='save', on_click=save)
        await domains.show()

    def pods_panel(self) -> PodsPanel:
        deployments, d = self.services.deployments, self.deployment
        panel = PodsPanel(lambda: deployments.pods(self.user, d.id), lambda: deployments.events(self.user, d.id))
        ui.timer(PODS_SECONDS, panel.load)
        return panel

    def release_panel(self) -> ReleasesPanel:
        async def roll_back(button: ui.button, number: int) -> None:
            await self.act(
                button,
                lambda: self.services.operations.rollback(self.user, self.deployment.id, number),
                f'Rolling back to release #{number}',
                f'Roll {self.deployment.name} back to release #{number}? Its image and configuration are applied '
                'again as a new release.',
            )

        self.releases = ReleasesPanel(
            self.services, lambda: self.user, lambda: self.deployment, roll_back, self.may_change
        )
        return self.releases


def register(services: Services) -> None:
    object_page(
        services,
        '/deployments/{object_id}',
        'Deployment',
        services.deployments.readable,
        lambda found: found.name,
        lambda user, found: _body(services, user, found),
        ('Back to Deployments', '/deployments'),
    )


async def _body(services: Services, user: User, found: Deployment) -> None:
    view = DeploymentView(services, user, found)
    view.header()
    view.operations()
    ui.timer(LIVE_SECONDS, view.refresh)
    deliveries = DeliveriesPanel(services, lambda: view.user, lambda: view.deployment)
    with ui.tabs().classes('w-full') as tabs:
        log_tab, build_tab, config_tab = ui.tab('Logs'), ui.tab('Build log'), ui.tab('Configuration')
        pods_tab, usage_tab, releases_tab = ui.tab('Pods and events'), ui.tab('Usage'), ui.tab('Releases')
        deliveries_tab, previews_tab = ui.tab('Deliveries'), ui.tab('Previews')
    # keep_alive=False: a hidden tab's charts are not kept (plotly cannot resize a hidden plot)
    with ui.tab_panels(tabs, value=log_tab, animated=False, keep_alive=False).classes('w-full'):
        with ui.tab_panel(log_tab):
            await view.app_log().load()
        with ui.tab_panel(build_tab):
            await view.build_log().load()
        with ui.tab_panel(config_tab):
            await view.configuration()
        with ui.tab_panel(pods_tab):
            await view.pods_panel().load()
        with ui.tab_panel(usage_tab):
            await usage_panel(services.metrics, user, found.id)
        with ui.tab_panel(releases_tab):
            await view.release_panel().show()
        with ui.tab_panel(deliveries_tab):
            await deliveries.show()
            ui.timer(DELIVERIES_SECONDS, deliveries.poll)
        with ui.tab_panel(previews_tab):
            await previews_panel(services, user, found)
