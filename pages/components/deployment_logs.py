"""A deployment's two logs, each built inside its tab: the app's (one pod or all of them, tail, search, follow,
download) and the build's (streamed as the build writes it). An empty log says why it is empty."""

import asyncio
from collections.abc import Awaitable, Callable

from nicegui import ui

from models.deployments import Status
from models.errors import EspazeError

FOLLOW_SECONDS = 3
ALL_PODS = '*'
LOG_CLASSES = 'w-full h-80 text-xs espaze-log'


class BuildLogPanel:
    def __init__(self, fetch: Callable[[], Awaitable[str]], why_empty: Callable[[], str]) -> None:
        self._fetch, self._why_empty = fetch, why_empty
        self._text: str | None = None
        self._lock = asyncio.Lock()  # the timer and a status change may both append: one at a time
        self._log = ui.log(max_lines=5000).classes(LOG_CLASSES).mark('build log')

    async def load(self) -> None:
        """Append what the build wrote since the last look (the whole log again if it was replaced)."""
        async with self._lock:
            try:
                text = await self._fetch() or ''
            except EspazeError as error:
                text = ''
                self._log.push(str(error))
            if text == self._text and text:
                return
            if self._text and text.startswith(self._text):
                self._log.push(text[len(self._text) :].strip('\n'))
            else:
                self._log.clear()
                self._log.push(text or self._why_empty(), classes=None if text else 'text-slate-500')
            self._text = text

    async def follow(self, status: Status) -> None:
        """Called on every look at the deployment: a build that runs streams its log."""
        if status in (Status.PENDING, Status.BUILDING):
            await self.load()

    async def status_changed(self, before: Status, now: Status) -> None:
        if now != before:
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
        self._shown: tuple[str, str] | None = None
        self._names: list[str] = []
        with ui.row().classes('items-center gap-2 flex-wrap'):
            self._pod = ui.select({ALL_PODS: 'All pods'}, value=ALL_PODS, label='Pod').props('outlined dense')
            self._pod.classes('w-72 max-w-full').on_value_change(self.load)
            self._tail = ui.select([50, 200, 1000], value=200, label='Lines').props('outlined dense')
            self._tail.on_value_change(self.load)
            self._search = ui.input('Search').props('outlined dense clearable debounce=300')
            self._follow = ui.switch('Follow', value=True)
            ui.button(icon='refresh', on_click=self.load).props('flat round aria-label=Refresh')
            download = ui.button('Download', icon='download').props('flat')
        self._view = ui.log(max_lines=5000).classes(LOG_CLASSES).mark('app log')
        download.on_click(lambda: ui.download.content(self._text, file_name))
        self._search.on_value_change(self.load)
        ui.timer(FOLLOW_SECONDS, lambda: self.load() if self._follow.value else None)

    async def _read(self) -> tuple[str, str]:
        """The log text, and what to say when it is empty."""
        names = await self._pods()
        if names != self._names:  # the choices are sent only when the pods changed
            self._names = names
            chosen = self._pod.value if self._pod.value in names else ALL_PODS
            self._pod.set_options({ALL_PODS: 'All pods'} | {n: n for n in names}, value=chosen)
        if not names:
            return '', 'No pods run yet: their log appears here when the first one starts.'
        if self._pod.value != ALL_PODS:
            return await self._logs(self._pod.value, self._tail.value), f'No log lines yet from {self._pod.value}.'
        texts = await asyncio.gather(*(self._logs(name, self._tail.value) for name in names))
        lines = [
            f'[{_short(name)}] {line}' for name, text in zip(names, texts, strict=True) for line in text.splitlines()
        ]
        return '\n'.join(lines), f'No log lines yet from its {len(names)} pods.'

    async def load(self) -> None:
        try:
            text, why_empty = await self._read()
        except EspazeError as error:
            text, why_empty = '', str(error)
        wanted = (self._search.value or '').lower()
        if self._shown == (text, wanted):
            return  # nothing new: nothing sent
        grown = self._shown is not None and self._shown[1] == wanted == '' and self._text
        if grown and text.startswith(self._text + '\n'):
            self._view.push(text[len(self._text) + 1 :])  # only the new lines
            self._text, self._shown = text, (text, wanted)
            return
        self._text, self._shown = text, (text, wanted)
        shown = '\n'.join(line for line in text.splitlines() if wanted in line.lower())
        self._view.clear()
        if shown:
            self._view.push(shown)
        else:
            self._view.push(why_empty if not text else 'No line matches the search.', classes='text-slate-500')

    async def status_changed(self, before: Status, now: Status) -> None:
        if now != before:
            await self.load()


def _short(pod: str) -> str:
    """`web-7c9f8d6b5-x2x4z` -> `x2x4z`: enough to tell a deployment's pods apart on a narrow screen."""
    return pod.rsplit('-', 1)[-1]
