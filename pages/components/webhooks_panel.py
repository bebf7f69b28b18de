"""The admins' notifications card on Settings: outgoing webhooks, with add, test and delete."""

from nicegui import ui

from models.accounts import User
from models.errors import EspazeError
from pages.components.confirm import confirmed
from pages.forms import FormErrors
from services.notifications import EVENTS
from services.registry import Services

EVENT_LABELS = {
    'node.offline': 'a node is offline longer than the set time',
    'node.online': 'that node is back online',
    'deployment.failed': 'a deployment failed',
    'deployment.running': 'a deployment reached Running',
}


async def webhooks_card(services: Services, user: User) -> None:
    notifications = services.notifications

    @ui.refreshable
    async def listing() -> None:
        found = await notifications.webhooks(user)
        if not found:
            ui.label('No webhooks yet.').classes('text-slate-600')
        for webhook in found:
            with ui.row().classes('w-full items-center gap-2 border-b py-1').mark(f'webhook {webhook.id}'):
                with ui.column().classes('grow gap-0'):
                    ui.label(f'{webhook.shown_url} ({webhook.kind})').classes('font-medium break-all')
                    ui.label(', '.join(webhook.events)).classes('text-xs text-slate-600')
                    if webhook.last_status:
                        ui.label(f'Last: {webhook.last_status}').classes('text-xs text-slate-500')
                ui.button('Test', on_click=lambda w=webhook.id: test(w)).props('flat dense')
                ui.button(icon='delete', on_click=lambda w=webhook.id: delete(w)).props(
                    'flat round dense color=red-7 aria-label="Delete webhook"'
                ).mark('delete webhook')

    async def test(webhook_id: str) -> None:
        result = await notifications.test(user, webhook_id)
        ui.notify(f'Test message: {result}', type='positive' if result.startswith('delivered') else 'warning')
        await listing.refresh()

    async def delete(webhook_id: str) -> None:
        if not await confirmed('Delete this webhook? It is told nothing more.', 'Delete'):
            return
        await notifications.delete(user, webhook_id)
        ui.notify('Webhook deleted', type='positive')
        await listing.refresh()

    async def add() -> None:
        errors.clear()
        events = [event for event, box in boxes.items() if box.value]
        try:
            await notifications.create(user, url.value or '', kind.value, events, int((minutes.value or 0) * 60))
        except EspazeError as error:
            errors.show(error)
            return
        url.value = ''
        ui.notify('Webhook added', type='positive')
        await listing.refresh()

    ui.label('Notifications').classes('text-lg')
    ui.label('Webhooks told when something needs a person. The address is stored encrypted.').classes(
        'text-sm text-slate-600'
    )
    await listing()
    with ui.row().classes('w-full items-start gap-2'):
        url = ui.input('Webhook URL', placeholder='https://hooks.slack.com/services/...').props('outlined dense')
        url.classes('grow min-w-[16rem]')
        kind = ui.select({'generic': 'JSON event', 'slack': 'Slack'}, value='generic', label='Body')
        kind.props('outlined dense').classes('w-36')
        minutes = ui.number('Offline after (min)', value=5, min=1, max=10080, format='%d')
        minutes.props('outlined dense').classes('w-40')
    with ui.row().classes('gap-2 flex-wrap'):
        boxes = {event: ui.checkbox(EVENT_LABELS[event], value=True) for event in EVENTS}
    ui.button('Add webhook', icon='add', on_click=add)
    errors = FormErrors({'url': url, 'kind': kind, 'offlineAfterSeconds': minutes})
