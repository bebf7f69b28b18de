"""Asking before an action that destroys or disrupts something, naming what will happen."""

from nicegui import ui


async def confirmed(question: str, action: str, *, danger: bool = True) -> bool:
    """A dialog with the question, a way out, and a button named for the action; True when the person chose it.
    It belongs to the page, not to the element that opened it, which a live page may redraw meanwhile."""
    with ui.context.client, ui.dialog() as dialog, ui.card().classes('gap-3 max-w-md').mark('confirm'):
        ui.label(question).classes('text-base')
        with ui.row().classes('w-full justify-end gap-2'):
            ui.button('No, keep it', on_click=lambda: dialog.submit(False)).props('flat')
            ui.button(action, color='red-7' if danger else 'primary', on_click=lambda: dialog.submit(True)).mark(
                'confirm action'
            )
    chosen = await dialog
    dialog.delete()
    return bool(chosen)
