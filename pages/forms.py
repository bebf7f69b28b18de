"""Small pieces shared by the forms: a centred card, and errors shown beside the field they concern."""

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import ui

from models.errors import EspazeError, ValidationFailed


@contextmanager
def auth_card(heading: str) -> Iterator[None]:
    """The centred card of the login, sign-up and setup pages."""
    ui.query('body').classes('bg-slate-100')
    with ui.column().classes('w-full min-h-[80vh] items-center justify-center'):
        with ui.card().classes('w-full max-w-sm gap-3 p-6'):
            ui.label('Espaze').classes('text-2xl font-bold text-slate-800')
            ui.label(heading).classes('text-lg text-slate-600')
            yield


def email_input() -> ui.input:
    return ui.input('Email').props('type=email autocomplete=email outlined').classes('w-full')


def password_input(label: str = 'Password', autocomplete: str = 'current-password') -> ui.input:
    return (
        ui.input(label, password=True, password_toggle_button=True)
        .props(f'autocomplete={autocomplete} outlined')
        .classes('w-full')
    )


class FormErrors:
    """Shows a service error next to its field, or in the form's alert line."""

    def __init__(self, fields: dict[str, ui.input]) -> None:
        self.fields = fields
        self.banner = ui.label().classes('text-red-700 text-sm').props('role=alert')
        self.banner.set_visibility(False)

    def clear(self) -> None:
        for field in self.fields.values():
            field.error = None
        self.banner.set_visibility(False)

    def show(self, error: EspazeError) -> None:
        """Every refused field gets its message beside it; what has no field here goes in the alert line."""
        self.clear()
        problems = error.problems if isinstance(error, ValidationFailed) else (('', str(error)),)
        elsewhere = []
        for field, message in problems:
            if field in self.fields:
                self.fields[field].error = message[:1].upper() + message[1:]
            else:
                elsewhere.append(f'{field}: {message}' if field else message)
        self.banner.set_text('; '.join(elsewhere))
        self.banner.set_visibility(bool(elsewhere))
