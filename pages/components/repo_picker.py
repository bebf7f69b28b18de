"""Picking a GitHub repository and branch, with the Dockerfile check beside it (reused by the deployment wizard)."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from nicegui import ui

from models.accounts import User
from models.errors import EspazeError
from models.github import Branch, DockerfileCheck, Repository
from pages.components.busy import busy
from pages.components.time_text import ago
from services.registry import Services

Selection = Callable[['RepositoryPicker'], Awaitable[None] | None]


def _updated(moment: datetime | None) -> str:
    if moment is not None and datetime.now(UTC) - moment > timedelta(days=30):
        return f'updated {moment:%Y-%m-%d}'
    return f'updated {ago(moment)}'


class RepositoryPicker:
    """Search as you type (your repositories, or all of GitHub), then a branch, then the Dockerfile check."""

    def __init__(self, services: Services, user: User, linked: bool, on_change: Selection | None = None) -> None:
        self.services = services
        self.user = user
        self.linked = linked
        self.on_change = on_change
        self.repository: Repository | None = None
        self.branch: str | None = None
        self.dockerfile: DockerfileCheck | None = None
        self._found: list[Repository] = []
        self._branches: list[Branch] = []
        with ui.column().classes('w-full gap-2'):
            with ui.row().classes('w-full items-center gap-2 no-wrap'):
                self.query = (
                    ui.input('Repository', placeholder='Filter your repositories' if linked else 'Search GitHub')
                    .props('outlined dense clearable debounce=350 aria-label="Repository search"')
                    .classes('grow')
                    .on_value_change(self._search)
                )
                self.everywhere = ui.switch('All of GitHub', value=not linked, on_change=self._search)
                self.everywhere.set_enabled(linked)
            self.problem = ui.label().classes('text-sm text-red-700').props('role=alert')
            self.results = ui.list().props('bordered separator dense').classes('w-full max-h-80 overflow-auto')
            with ui.row().classes('w-full items-start gap-2'):
                self.branch_select = (
                    ui.select([], label='Branch', on_change=self._branch_chosen)
                    .props('outlined dense stack-label')
                    .classes('w-56')
                )
                self.path = (
                    ui.input('Dockerfile path', value='Dockerfile')
                    .props('outlined dense debounce=500')
                    .classes('w-56')
                    .on_value_change(self._check)
                )
            self.check_line = ui.row().classes('w-full items-center gap-2 no-wrap')
        self._show_selection()

    async def load(self) -> None:
        """The first list: your newest repositories (nothing to search yet when no account is linked)."""
        if self.linked:
            await self._search()

    def _fail(self, error: EspazeError) -> None:
        self.problem.set_text(str(error))
        self.problem.set_visibility(True)

    async def _search(self) -> None:
        self.problem.set_visibility(False)
        text = (self.query.value or '').strip()
        async with busy(self.query, disable=False):
            try:
                if self.everywhere.value:
                    self._found = await self.services.github.search(self.user, text) if text else []
                else:
                    self._found = (await self.services.github.repositories(self.user, text)).items
            except EspazeError as error:
                self._found = []
                self._fail(error)
        self._render_results()

    def _render_results(self) -> None:
        self.results.clear()
        with self.results:
            if not self._found:
                with ui.item():
                    ui.item_label('No repository matches' if self.query.value else 'Type to search').classes(
                        'text-slate-500'
                    )
            for repo in self._found:
                with ui.item(on_click=lambda r=repo: self._choose(r)).props('clickable').mark('repository'):
                    with ui.item_section():
                        with ui.row().classes('items-center gap-2'):
                            ui.label(repo.full_name).classes('font-medium break-all')
                            if repo.private:
                                ui.badge('private', color='amber-8').props('outline')
                        details = [repo.language or 'no language', _updated(repo.updated_at)]
                        ui.item_label(' · '.join(details)).props('caption')

    async def _choose(self, repo: Repository) -> None:
        self.problem.set_visibility(False)
        self.repository, self.branch, self.dockerfile = repo, None, None
        async with busy(self.branch_select):
            try:
                self._branches = await self.services.github.branches(self.user, repo.full_name)
            except EspazeError as error:
                self._branches = []
                self._fail(error)
        names = [b.name for b in self._branches]
        self.branch_select.set_options(names, value=names[0] if names else None)
        if not names:
            self._show_selection()

    async def _branch_chosen(self) -> None:
        self.branch = self.branch_select.value
        await self._check()

    async def _check(self) -> None:
        self.dockerfile = None
        if self.repository is not None and self.branch:
            async with busy(self.path, disable=False):
                try:
                    self.dockerfile = await self.services.github.dockerfile(
                        self.user, self.repository.full_name, self.branch, (self.path.value or '').strip()
                    )
                except EspazeError as error:
                    self._fail(error)
        self._show_selection()
        if self.on_change is not None:
            outcome = self.on_change(self)
            if outcome is not None:
                await outcome

    def _show_selection(self) -> None:
        self.check_line.clear()
        with self.check_line:
            if self.repository is None:
                ui.label('Pick a repository to check it has a Dockerfile.').classes('text-slate-500')
            elif self.dockerfile is None:
                ui.label(f'{self.repository.full_name}: choose a branch').classes('text-slate-600')
            elif self.dockerfile.exists:
                ui.icon('check_circle', color='green-7')
                size = f'{self.dockerfile.size:,} bytes' if self.dockerfile.size is not None else ''
                ui.label(
                    f'{self.dockerfile.path} found in {self.repository.full_name}@{self.branch} '
                    f'(commit {self.dockerfile.ref[:7]}, {size})'
                ).mark('dockerfile-found')
            else:
                ui.icon('cancel', color='red-7')
                ui.label(f'Cannot build {self.branch}: {self.dockerfile.reason}').mark('dockerfile-missing')
