"""A deployment's two logs, each built inside its tab: the app's (pod, tail, search, follow, download) and the
build's (appended as the build writes)."""

import asyncio
from collections.abc import Awaitable, Callable

from nicegui import ui

from models.deployments import Status
from models.errors import EspazeError

FOLLOW_SECONDS = 4


class BuildLogPanel:
    def __init__(self, fetch: Callable[[], Awaitable[str]]) -> None:
        self._fetch = fetch
        self._text = ''
        self._lock = asyncio.Lock()  # the timer and a status change may both append: one at a time
        self._log = ui.log(max_lines=5000).classes('w-full h-80 text-xs').mark('build log')

    async def load(self) -> None:
        """Append what the build wrote since the last look (the whole log again if it was replaced)."""
        async with self._lock:
            text = await self._fetch() or ''
            if text == self._text:
                return
            if text.startswith(self._text) and self._text:
                self._log.push(text[len(self._text) :].strip('\n'))
            else:
                self._log.clear()
                self._log.push(text or 'No build for this deployment.')
            self._text = text

    async def status_changed(self, before: Status, now: Status) -> None:
        if now in (Status.PENDING, Status.BUILDING) or now != before:
            await self.load()


class AppLogPanel:
    def __init__(
        self,
        pods: Callable[[], Awaitable[list[str]]],
        logs: Callable[[str | None, int], Awaitable[str]],
        file_name: str,
    ) -> None:
        self._pods, self._logs = pods, logs
        self._text = ''
        with ui.row().classes('items-center gap-2 flex-wrap'):
            self._pod = ui.select([], label='Pod').props('outlined dense').classes('w-72')
            self._tail = ui.select([50, 200, 1000], value=200, label='Lines').props('outlined dense')
            self._search = ui.input('Search').props('outlined dense clearable')
            follow = ui.switch('Follow', value=False)
            ui.button(icon='refresh', on_click=self.load).props('flat round aria-label=Refresh')
            download = ui.button('Download', icon='download').props('flat')
        self._view = ui.log(max_lines=5000).classes('w-full h-80 text-xs').mark('app log')
        download.on_click(lambda: ui.download.content(self._text, file_name))
        self._search.on_value_change(self.load)
        ui.timer(FOLLOW_SECONDS, lambda: self.load() if follow.value else None)

    async def load(self) -> None:
        try:
            names = await self._pods()
            self._pod.set_options(names, value=self._pod.value if self._pod.value in names else None)
            self._text = await self._logs(self._pod.value, self._tail.value)
        except EspazeError as error:
            self._text = str(error)
        self._view.clear()
        wanted = (self._search.value or '').lower()
        self._view.push('\n'.join(line for line in self._text.splitlines() if wanted in line.lower()))

    async def status_changed(self, before: Status, now: Status) -> None:
        if now != before:
            await self.load()
