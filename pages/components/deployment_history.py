"""What a deployment went through: its releases (which can be rolled back to, which runs now, what each changed),
the webhook deliveries GitHub sent for its repository, and the previews of its pull requests."""

from collections.abc import Awaitable, Callable

from nicegui import ui

from models.accounts import User
from models.deployments import Deployment
from pages.components.deployment_status import status_badge
from pages.components.tables import NARROW, columns
from pages.components.time_text import ago
from services.registry import Services

DELIVERY_COLUMNS = columns(
    ('when', 'When'),
    ('event', 'Event'),
    ('commit', 'Commit'),
    ('signature', 'Signature'),
    ('action', 'Action'),
    ('reason', 'Reason'),
)


class ReleasesPanel:
    def __init__(
        self,
        services: Services,
        user: Callable[[], User],
        deployment: Callable[[], Deployment],
        roll_back: Callable[[ui.button, int], Awaitable[None]],
        may_change: bool,
    ) -> None:
        self.services, self.user, self.deployment = services, user, deployment
        self.roll_back, self.may_change = roll_back, may_change
        self.shown: tuple[int, int | None] | None = None

    async def changed(self) -> None:
        """Redraw when a release was added or another one runs now."""
        found = self.deployment()
        if self.shown != (found.release, found.running_release):
            await self.show.refresh()

    @ui.refreshable_method
    async def show(self) -> None:
        found, releases = await self.services.deployments.releases(self.user(), self.deployment().id)
        self.shown = (found.release, found.running_release)
        for index, release in enumerate(releases):
            before = releases[index + 1] if index + 1 < len(releases) else None
            with ui.column().classes('w-full gap-0 border-b py-2').mark(f'release {release.number}'):
                with ui.row().classes('w-full items-center gap-2'):
                    ui.label(f'#{release.number}').classes('font-medium w-10')
                    ui.label(release.note).classes('font-medium')
                    if release.number == found.running_release:
                        ui.badge('runs now', color='positive').mark(f'runs now {release.number}')
                    elif release.ran_at is not None:
                        ui.badge('ran', color='grey-6')
                    ui.space()
                    ui.label(f'{release.created_by}, {ago(release.created_at)}').classes('text-xs text-slate-500')
                    if self.may_change and found.may_roll_back_to(release):
                        button = ui.button('Roll back').props('flat dense').mark(f'roll back {release.number}')
                        button.on_click(lambda b=button, n=release.number: self.roll_back(b, n))
                image = release.image or 'image not built yet'
                digest = f' · {release.digest[:19]}' if release.digest else ''
                commit = f'commit {release.commit_sha[:7]} · ' if release.commit_sha else ''
                ui.label(f'{commit}{image}{digest}').classes('text-sm text-slate-600 break-all')
                changes = ui.label('; '.join(release.changes_from(before))).classes('text-sm break-all')
                changes.mark(f'changes {release.number}')


class DeliveriesPanel:
    def __init__(self, services: Services, user: Callable[[], User], deployment: Callable[[], Deployment]) -> None:
        self.services, self.user, self.deployment = services, user, deployment
        self.newest: str | None = None

    async def poll(self) -> None:
        """Redraw when a new delivery arrived or one was acted on."""
        found = await self.services.pushes.deliveries(self.deployment())
        newest = f'{found[0][0].delivery_id}:{found[0][0].state}' if found else None
        if newest != self.newest:
            await self.show.refresh()

    @ui.refreshable_method
    async def show(self) -> None:
        hooks = self.services.hooks
        found = await self.services.pushes.deliveries(self.deployment())
        self.newest = f'{found[0][0].delivery_id}:{found[0][0].state}' if found else None
        ui.label(f'GitHub sends deliveries to {hooks.url}').classes('text-sm text-slate-600')
        if hooks.warning:
            ui.label(hooks.warning).classes('text-sm text-amber-800')
        rows = [
            {
                'key': delivery.delivery_id + str(index),
                'when': ago(delivery.received_at),
                'event': delivery.event,
                'commit': (delivery.commit_sha or '')[:7],
                'signature': 'ok' if delivery.signature_ok else 'refused',
                'action': outcome.action if outcome else ('queued' if delivery.state == 'queued' else '—'),
                'reason': outcome.reason if outcome else delivery.note,
            }
            for index, (delivery, outcome) in enumerate(found)
        ]
        ui.table(columns=DELIVERY_COLUMNS, rows=rows, row_key='key').classes('w-full').props(NARROW).mark('deliveries')


async def previews_panel(services: Services, user: User, parent: Deployment) -> None:
    previews = await services.previews.of(user, parent.id)
    if not previews:
        ui.label('No preview is live.' if parent.configuration.previews else 'Previews are off.').classes(
            'text-slate-600'
        )
    domain = services.cluster.settings.ingress_domain
    for preview in previews:
        with ui.row().classes('w-full items-center gap-3 border-b py-1').mark(f'preview {preview.pull_request}'):
            ui.link(preview.name, f'/deployments/{preview.id}').classes('font-medium')
            ui.label(f'pull request #{preview.pull_request}')
            status_badge(preview.status)
            ui.label(f'commit {(preview.commit_sha or "")[:7]}').classes('text-sm text-slate-600')
            address = preview.address(domain)
            if address:
                ui.label(address).classes('text-sm break-all')
