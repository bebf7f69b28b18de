"""How a deployment's status looks: a coloured badge, and the Building -> Deploying -> Running steps."""

from nicegui import ui

from models.deployments import Status

COLORS = {
    Status.PENDING: 'grey-7',
    Status.BUILDING: 'blue-7',
    Status.DEPLOYING: 'indigo-6',
    Status.RUNNING: 'positive',
    Status.FAILED: 'negative',
    Status.STOPPED: 'grey-6',
    Status.DELETED: 'grey-5',
}
ICONS = {
    Status.PENDING: 'schedule',
    Status.BUILDING: 'construction',
    Status.DEPLOYING: 'sync',
    Status.RUNNING: 'check_circle',
    Status.FAILED: 'error',
    Status.STOPPED: 'pause_circle',
    Status.DELETED: 'delete',
}
STEPS = [Status.BUILDING, Status.DEPLOYING, Status.RUNNING]
BADGE_CELL = '<q-td :props="props"><q-badge :color="props.row.color" :label="props.value" class="q-px-sm" /></q-td>'


def status_badge(status: Status) -> None:
    with ui.badge(color=COLORS[status]).classes('px-2 py-1 gap-1').mark('status'):
        ui.icon(ICONS[status], size='1rem')
        ui.label(status.value)


def steps(status: Status, reached: set[Status]) -> None:
    """Building -> Deploying -> Running, the current one highlighted, the reached ones done."""
    with ui.row().classes('items-center gap-2 flex-wrap').mark('steps'):
        for index, step in enumerate(STEPS):
            if index:
                ui.icon('chevron_right', color='grey-5')
            current = step == status
            done = step in reached and not current
            icon = 'check_circle' if done else ('radio_button_checked' if current else 'radio_button_unchecked')
            color = 'positive' if done else ('primary' if current else 'grey-5')
            with ui.row().classes('items-center gap-1 no-wrap'):
                ui.icon(icon, color=color)
                ui.label(step.value.capitalize()).classes('font-medium' if current else 'text-slate-500')
