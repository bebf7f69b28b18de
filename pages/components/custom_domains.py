"""The Configuration tab's hosts and custom domains: each routed host's certificate (Ready, or why not), each
domain's state with the DNS records to create, and adding, checking, verifying (admins) and removing domains. Every
action is taken as the session's user at that moment, and checked again by the services."""

from collections.abc import Callable

from nicegui import Client, ui

from models.accounts import User
from models.cluster import CertificateState
from models.deployments import Deployment, Status
from pages.components.busy import attempted
from pages.components.confirm import confirmed
from services.deployments.domain_rules import MAX_DOMAINS, normal_domain
from services.deployments.domains import DomainView
from services.registry import Services

UNSETTLED_SECONDS = 10
STATE_COLORS = {'unverified': 'orange-8', 'verified': 'blue-7', 'certificate pending': 'amber-8', 'ready': 'positive'}
RECORD_COLUMNS = [
    {'name': 'type', 'label': 'Type', 'field': 'type', 'align': 'left'},
    {'name': 'name', 'label': 'Name', 'field': 'name', 'align': 'left', 'classes': 'break-all'},
    {'name': 'value', 'label': 'Value', 'field': 'value', 'align': 'left', 'classes': 'break-all'},
]


class CustomDomainsPanel:
    def __init__(
        self, services: Services, user: Callable[[], User], deployment: Callable[[], Deployment], may_change: bool
    ) -> None:
        self.services = services
        self.user = user
        self.deployment = deployment
        self.may_change = may_change
        self._unsettled = False

    async def show(self) -> None:
        """The card, its listing kept live while something is still to settle (a domain not ready yet, a
        certificate not issued yet): the job may verify a domain, cert-manager may issue, meanwhile."""
        found = self.deployment()
        with ui.card().classes('w-full gap-2').mark('hosts'):
            ui.label('Hosts and certificates').classes('text-lg')
            self.listing(*await self.services.domains.views(self.user(), found.id))
            if self.may_change and found.status != Status.DELETED:
                self._adder()
        ui.timer(UNSETTLED_SECONDS, self._refresh_unsettled)

    async def reload(self) -> None:
        """Read first, then redraw at once: the listing never stands empty while the read is under way."""
        self.listing.refresh(*await self.services.domains.views(self.user(), self.deployment().id))

    @ui.refreshable_method
    def listing(self, found: Deployment, certificates: list[CertificateState], views: list[DomainView]) -> None:
        self._unsettled = any(v.state != 'ready' for v in views) or any(not c.ready for c in certificates)
        changeable = self.may_change and found.status != Status.DELETED
        self._certificates(found, certificates)
        ui.label('Custom domains').classes('text-base font-medium mt-2')
        ui.label(
            f'Up to {MAX_DOMAINS}. A domain is routed once verified: create the TXT record shown; Espaze looks for '
            'it by itself, or check it now.'
        ).classes('text-sm text-slate-600')
        if not views:
            ui.label('No custom domain yet.').classes('text-slate-600')
        for view in views:
            self._domain(view, changeable)

    async def _refresh_unsettled(self) -> None:
        if self._unsettled:
            await self.reload()

    def _certificates(self, found: Deployment, certificates: list[CertificateState]) -> None:
        if not certificates:
            host = found.host(self.services.cluster.settings.ingress_domain)
            reason = 'not routed (private, not running yet, or routing is off)' if host else 'private: no host'
            if host and not self.services.cluster.settings.cert_issuer_name:
                reason = 'no certificate asked for (ESPAZE_CERT_ISSUER is not set)'
            ui.label(f'{host or found.name}: {reason}').classes('text-sm text-slate-600').mark('certificate none')
        for state in certificates:
            with ui.row().classes('items-center gap-2 flex-wrap').mark(f'certificate {state.host}'):
                ui.label(state.host).classes('font-mono break-all')
                if state.ready:
                    ui.badge('certificate ready', color='positive')
                else:
                    ui.badge(f'certificate {state.reason or "pending"}', color='amber-8')
                    ui.label(state.message).classes('text-xs text-slate-600')

    def _domain(self, view: DomainView, changeable: bool) -> None:
        with ui.column().classes('w-full gap-1 border-t pt-2').mark(f'domain {view.domain}'):
            with ui.row().classes('w-full items-center gap-2 flex-wrap'):
                ui.label(view.domain).classes('font-mono font-medium break-all')
                ui.badge(view.state, color=STATE_COLORS[view.state]).mark(f'state {view.domain}')
                if view.verified_by:
                    ui.label(f'verified by {"DNS" if view.verified_by == "dns" else "an admin"}').classes('text-xs')
                ui.space()
                if changeable and view.state == 'unverified':
                    check = ui.button('Check DNS', icon='dns').props('flat dense')
                    check.on_click(lambda b=check, d=view.domain: self._act(b, self._check, d))
                    if self.user().is_admin:
                        mark = ui.button('Mark verified', icon='verified').props('flat dense')
                        mark.on_click(lambda b=mark, d=view.domain: self._act(b, self._mark, d))
                if changeable:
                    remove = ui.button('Remove', icon='delete').props('flat dense color=negative')
                    remove.on_click(lambda b=remove, d=view.domain: self._ask_to_remove(b, d))
            if view.problem:
                ui.label(f'Last check: {view.problem}').classes('text-sm text-orange-800').mark(
                    f'problem {view.domain}'
                )
            rows = [{'type': r.kind, 'name': r.name, 'value': r.value} for r in view.records]
            ui.table(columns=RECORD_COLUMNS, rows=rows).props('dense flat wrap-cells').classes('w-full')

    def _adder(self) -> None:
        with ui.row().classes('w-full items-start gap-2'):
            field = ui.input('Add a domain', placeholder='www.example.com').props('outlined dense')
            field.classes('grow min-w-[14rem]').mark('new domain')

            async def add() -> None:
                domain = normal_domain(field.value or '')
                current = await self._current_domains()
                if await self._reconfigure(add_button, (*current, domain), f'{domain} added: create its DNS records'):
                    field.value = ''

            add_button = ui.button('Add domain', icon='add', on_click=add)

    async def _check(self, domain: str) -> str:
        view = await self.services.domains.check(self.user(), self.deployment().id, domain)
        return f'{domain} is verified' if view.state != 'unverified' else f'{domain}: {view.problem}'

    async def _mark(self, domain: str) -> str:
        await self.services.domains.mark_verified(self.user(), self.deployment().id, domain)
        return f'{domain} marked verified'

    async def _remove(self, domain: str) -> str:
        remaining = tuple(d for d in await self._current_domains() if d != domain)
        await self.services.operations.reconfigure(self.user(), self.deployment().id, {'domains': remaining}, None)
        return f'{domain} removed'

    async def _ask_to_remove(self, button: ui.button, domain: str) -> None:
        page = ui.context.client
        question = f'Remove {domain}? It stops being routed here and is free for any deployment to claim.'
        if await confirmed(question, 'Remove'):
            await self._act(button, self._remove, domain, page=page)

    async def _current_domains(self) -> tuple[str, ...]:
        found = await self.services.deployments.readable(self.user(), self.deployment().id)
        return found.configuration.domains

    async def _reconfigure(self, button: ui.button, domains: tuple[str, ...], success: str) -> bool:
        async def change() -> str:
            await self.services.operations.reconfigure(self.user(), self.deployment().id, {'domains': domains}, None)
            return success

        return await self._act(button, change)

    async def _act(self, button: ui.button, action, *args, page: Client | None = None) -> bool:
        page = page or ui.context.client
        done, message = await attempted(button, lambda: action(*args), page)
        if not done:
            return False
        with page:
            ui.notify(message, type='positive')
        await self.reload()
        return True
