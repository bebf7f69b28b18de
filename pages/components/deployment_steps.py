"""Building -> Deploying -> Running as they really went for the release being rolled out: built or skipped, in
progress, failed at which step, stopped; each with how long it took."""

from dataclasses import dataclass
from datetime import datetime

from nicegui import ui

from models.deployments import Deployment, Status, StatusChange

ENDED = (Status.RUNNING, Status.FAILED, Status.STOPPED)
LOOK = {  # state: icon, colour
    'done': ('check_circle', 'positive'),
    'current': ('', 'primary'),  # a spinner
    'failed': ('error', 'negative'),
    'skipped': ('remove_circle_outline', 'grey-6'),
    'waiting': ('radio_button_unchecked', 'grey-5'),
    'stopped': ('pause_circle', 'grey-7'),
}


@dataclass(frozen=True)
class Step:
    name: str
    state: str  # done, current, failed, skipped, waiting, stopped
    detail: str = ''


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f'{seconds} s'
    if seconds < 3600:
        return f'{seconds // 60} min {seconds % 60} s' if seconds % 60 else f'{seconds // 60} min'
    return f'{seconds // 3600} h {seconds % 3600 // 60} min'


def current_attempt(history: list[StatusChange]) -> list[StatusChange]:
    """The changes since the newest release or restart began (a new `pending`, or leaving an ended state)."""
    start = 0
    for index, change in enumerate(history):
        after_end = index > 0 and history[index - 1].status in ENDED and change.status not in ENDED
        if change.status == Status.PENDING or after_end:
            start = index
    return history[start:]


def _spans(attempt: list[StatusChange], now: datetime) -> dict[Status, tuple[datetime, datetime]]:
    """When each status of the attempt began and ended (now, for the one it is in)."""
    spans: dict[Status, tuple[datetime, datetime]] = {}
    for index, change in enumerate(attempt):
        end = attempt[index + 1].at if index + 1 < len(attempt) else now
        spans[change.status] = (spans.get(change.status, (change.at, end))[0], end)
    return spans


def _failed_step(deployment: Deployment, attempt: list[StatusChange]) -> str | None:
    if deployment.status != Status.FAILED:
        return None
    before = attempt[-2].status if len(attempt) > 1 else Status.PENDING
    if before == Status.BUILDING or (before == Status.PENDING and deployment.image is None):
        return 'Building'
    return 'Running' if before == Status.RUNNING else 'Deploying'


def steps_of(deployment: Deployment, now: datetime) -> list[Step]:
    attempt = current_attempt(deployment.history) or [StatusChange(deployment.status, '', now)]
    spans, status = _spans(attempt, now), deployment.status
    failed = _failed_step(deployment, attempt)

    def took(of: Status) -> str:
        if of not in spans:
            return ''
        begin, end = spans[of]
        return duration((end - begin).total_seconds())

    def failing(name: str, of: Status) -> Step:
        return Step(name, 'failed', f'failed after {took(of)}' if of in spans else 'failed')

    if failed == 'Building':
        building = failing('Building', Status.BUILDING)
    elif status == Status.BUILDING:
        building = Step('Building', 'current', took(Status.BUILDING))
    elif Status.BUILDING in spans:
        building = Step('Building', 'done', took(Status.BUILDING))
    elif status == Status.PENDING and deployment.image is None:
        building = Step('Building', 'waiting', 'queued')
    else:
        why = 'prebuilt image' if deployment.configuration.image else 'image built before'
        building = Step('Building', 'skipped', f'skipped: {why}')

    if failed == 'Deploying':
        deploying = failing('Deploying', Status.DEPLOYING)
    elif status == Status.DEPLOYING:
        deploying = Step('Deploying', 'current', took(Status.DEPLOYING))
    elif status in (Status.RUNNING, Status.STOPPED) or failed == 'Running':
        deploying = Step('Deploying', 'done', took(Status.DEPLOYING))
    else:
        deploying = Step('Deploying', 'waiting')

    if status == Status.RUNNING:
        ready_after = duration((spans[Status.RUNNING][0] - attempt[0].at).total_seconds())
        running = Step('Running', 'done', f'ready after {ready_after}' if len(attempt) > 1 else '')
    elif status == Status.STOPPED:
        running = Step('Running', 'stopped', 'stopped: 0 replicas')
    elif failed == 'Running':
        running = Step('Running', 'failed', 'failed: stopped being ready')
    else:
        running = Step('Running', 'waiting')
    return [building, deploying, running]


class StepsView:
    """The steps, drawn once; while they keep their states only the time of each is sent again."""

    def __init__(self) -> None:
        self._row = ui.row().classes('items-center gap-x-3 gap-y-1 flex-wrap').mark('steps')
        self._shape: list[tuple[str, str]] = []
        self._details: dict[str, ui.label] = {}

    def show(self, deployment: Deployment, now: datetime) -> None:
        steps = steps_of(deployment, now)
        shape = [(step.name, step.state) for step in steps]
        if shape == self._shape:
            for step in steps:
                self._details[step.name].set_text(step.detail)
            return
        self._shape = shape
        self._row.clear()
        with self._row:
            for index, step in enumerate(steps):
                if index:
                    ui.icon('chevron_right', color='grey-5')
                self._draw(step)

    def _draw(self, step: Step) -> None:
        icon, color = LOOK[step.state]
        with ui.row().classes('items-center gap-1 no-wrap').mark(f'step {step.name.lower()} {step.state}'):
            if step.state == 'current':
                ui.spinner(size='1.3em', color=color)
            else:
                ui.icon(icon, color=color).props(f'aria-label="{step.state}"')
            with ui.column().classes('gap-0'):
                weight = 'font-medium' if step.state in ('current', 'failed') else 'text-slate-600'
                ui.label(step.name).classes(weight)
                self._details[step.name] = ui.label(step.detail).classes('text-xs text-slate-500')
