"""What a person sees when a page fails: an apology and a request id, never a stack trace."""

from nicegui import app, ui

from runtime.request_id import current_request_id


def register_error_page() -> None:
    @app.on_page_exception
    def error_page() -> None:
        with ui.column().classes('w-full min-h-screen items-center justify-center gap-2 p-4'):
            ui.label('Something went wrong').classes('text-2xl font-semibold')
            ui.label(f'The error was logged as request {current_request_id()}. Please try again.')
            ui.link('Back to the dashboard', '/')
