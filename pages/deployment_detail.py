"""One deployment: live status and steps, operations, logs (tail, follow, search, download), pods, events, releases."""

from collections.abc import Awaitable, Callable

from nicegui import ui

from models.accounts import User
from models.deployments import IN_FLIGHT, Deployment, Status
from models.errors import EspazeError, NotFound
from pages.components.configuration_form import ConfigurationForm
from pages.components.deployment_history import DeliveriesPanel, ReleasesPanel, previews_panel
from pages.components.deployment_logs import AppLogPanel, BuildLogPanel
from pages.components.deployment_status import status_badge, steps
from pages.components.deployment_usage import usage_panel
from pages.components.time_text import ago
from pages.forms import FormErrors
from pages.layout import object_page
from services.registry import Services

LIVE_SECONDS = 2
DELIVERIES_SECONDS = 5
POD_COLUMNS = [
    {'name': k, 'label': label, 'field': k, 'align': 'left'}
    for k, label in (
        ('name', 'Pod'),
        ('phase', 'Phase'),
        ('ready', 'Ready'),
        ('restarts', 'Restarts'),
        ('node', 'Node'),
        ('problem', 'Problem'),
    )
]
EVENT_COLUMNS = [
    {'name': k, 'label': label, 'field': k, 'align': 'left'}
    for k, label in (
        ('when', 'When'),
        ('type', 'Type'),
        ('reason', 'Reason'),
        ('object', 'Object'),
        ('message', 'Message'),
    )
]


class DeploymentView:
    def __init__(self, services: Services, user: User, deployment: Deployment) -> None:
        self.services = services
        self.user = user
        self.deployment = deployment
        self.may_change = deployment.changeable_by(user)
        self.status_watchers: list[Callable[[Status, Status], Awaitable[None]]] = []  # the panels built in tabs
        self.cancel_button: ui.button | None = None
        self.releases: ReleasesPanel | None = None

    async def act(self, action, success: str) -> None:
        try:
            self.deployment = await action()
        except EspazeError as error:
            ui.notify(str(error), type='negative', multi_line=True)
            return
        ui.notify(success, type='positive')
        await self.refresh()

    @ui.refreshable_method
    def header(self) -> None:
        d = self.deployment
        with ui.row().classes('items-center gap-3'):
            status_badge(d.status)
            ui.label(d.status_reason).classes('text-slate-700').mark('status reason')
        steps(d.status, {change.status for change in d.history})
        source = f'{d.github_repo}@{d.branch}' + (f' · commit {d.commit_sha[:7]}' if d.commit_sha else '')
        ui.label(source).classes('text-sm text-slate-600').mark('source')
        running = f'runs release #{d.running_release}' if d.running_release else 'no release has run yet'
        ui.label(f'Release #{d.release} · {running}').classes('text-sm text-slate-600').mark('release')
        if d.preview_of:
            with ui.row().classes('items-center gap-1 text-sm'):
                ui.label(f'Preview of pull request #{d.pull_request} for')
                ui.link('its deployment', f'/deployments/{d.preview_of}')
        address = d.address(self.services.cluster.settings.ingress_domain)
        if address:
            ui.label(f'Address: {address}').classes('text-sm')

    async def refresh(self) -> None:
        """Read it again; redraw what changed (a push or another person may change it at any time)."""
        before = self.deployment
        try:
            self.deployment = await self.services.deployments.readable(self.user, self.deployment.id)
        except NotFound:
            return
        if self.deployment.updated_at == before.updated_at:
            return
        self.header.refresh()
        if self.cancel_button is not None:
            self.cancel_button.set_visibility(self.deployment.status in IN_FLIGHT)
        for watcher in self.status_watchers:
            await watcher(before.status, self.deployment.status)
        if self.releases is not None:
            await self.releases.changed()

    def operations(self) -> None:
        if not self.may_change or self.deployment.status == Status.DELETED:
            return
        operations, d = self.services.operations, self.deployment
        with ui.row().classes('items-center gap-2 flex-wrap'):
            most = self.services.deployments.max_replicas
            replicas = ui.number('Replicas', value=d.configuration.replicas, min=0, max=most, format='%d')
            replicas.props('outlined dense').classes('w-28')
            ui.button(
                'Scale',
                on_click=lambda: self.act(
                    lambda: operations.scale(self.user, d.id, int(replicas.value or 0)), 'Scaling'
                ),
            )
            ui.button('Restart', on_click=lambda: self.act(lambda: operations.restart(self.user, d.id), 'Restarting'))
            if d.status == Status.STOPPED:
                ui.button('Start', on_click=lambda: self.act(lambda: operations.start(self.user, d.id), 'Starting'))
            else:
                ui.button('Stop', on_click=lambda: self.act(lambda: operations.scale(self.user, d.id, 0), 'Stopping'))
            ui.button(
                'Redeploy',
                on_click=lambda: self.act(lambda: operations.redeploy(self.user, d.id), 'Building the latest commit'),
            )
            self.cancel_button = ui.button(
                'Cancel rollout',
                icon='cancel',
                on_click=lambda: self.act(lambda: operations.cancel(self.user, d.id), 'Cancelled'),
            ).props('outline')
            self.cancel_button.set_visibility(d.status in IN_FLIGHT)
            ui.button('Delete', color='red-7', on_click=self.confirm_delete).props('outline')

    async def confirm_delete(self) -> None:
        with ui.dialog() as dialog, ui.card():
            ui.label(f'Delete {self.deployment.name} from the cluster? Its history is kept.')
            with ui.row():
                ui.button('Cancel', on_click=dialog.close).props('flat')
                ui.button('Delete', color='red-7', on_click=lambda: dialog.submit(True))
        if await dialog:
            try:
                await self.services.deployments.delete(self.user, self.deployment.id)
            except EspazeError as error:
                ui.notify(str(error), type='negative')
                return
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
        panel = BuildLogPanel(lambda: self.services.deployments.build_logs(self.user, self.deployment.id))
        self.status_watchers.append(panel.status_changed)
        return panel

    async def configuration(self) -> None:
        """The configuration, editable by those who may change the deployment: saving rolls it out as a release."""
        form = ConfigurationForm(self.services, self.deployment.configuration)
        await form.build()
        if not self.may_change or self.deployment.status == Status.DELETED:
            form.disable()
            return
        errors = FormErrors(form.fields)

        async def save() -> None:
            errors.clear()
            try:
                self.deployment = await self.services.operations.reconfigure(
                    self.user, self.deployment.id, form.changes(), form.secret_changes()
                )
            except EspazeError as error:
                errors.show(error)
                return
            ui.notify('Configuration saved: rolling it out', type='positive')
            await self.refresh()

        ui.button('Save and roll out', icon='save', on_click=save)

    async def tables(self) -> None:
        pods = await self.services.deployments.pods(self.user, self.deployment.id)
        rows = [
            {
                'name': p.name,
                'phase': p.phase,
                'ready': 'yes' if p.ready else 'no',
                'restarts': p.restarts,
                'node': p.node or '',
                'problem': p.waiting_reason or p.last_termination_reason or '',
            }
            for p in pods
        ]
        ui.table(columns=POD_COLUMNS, rows=rows, row_key='name').classes('w-full').mark('pods')
        events = await self.services.deployments.events(self.user, self.deployment.id)
        rows = [
            {
                'when': ago(e.last_seen),
                'type': e.type,
                'reason': e.reason,
                'object': e.object_name,
                'message': e.message,
                'key': f'{e.object_name}{e.reason}{index}',
            }
            for index, e in enumerate(events)
        ]
        ui.table(columns=EVENT_COLUMNS, rows=rows[:100], row_key='key').classes('w-full').mark('events')

    def release_panel(self) -> ReleasesPanel:
        async def roll_back(number: int) -> None:
            await self.act(
                lambda: self.services.operations.rollback(self.user, self.deployment.id, number),
                f'Rolling back to #{number}',
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
    with ui.tab_panels(tabs, value=log_tab, animated=False).classes('w-full'):
        with ui.tab_panel(log_tab):
            await view.app_log().load()
        with ui.tab_panel(build_tab):
            await view.build_log().load()
        with ui.tab_panel(config_tab):
            await view.configuration()
        with ui.tab_panel(pods_tab):
            await view.tables()
        with ui.tab_panel(usage_tab):
            await usage_panel(services.metrics, user, found.id)
        with ui.tab_panel(releases_tab):
            await view.release_panel().show()
        with ui.tab_panel(deliveries_tab):
            await deliveries.show()
            ui.timer(DELIVERIES_SECONDS, deliveries.poll)
        with ui.tab_panel(previews_tab):
            await previews_panel(services, user, found)
