"""A call in progress shows it: a spinner on the element that started it, which cannot be used twice meanwhile."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from nicegui import Client, ui

from models.errors import EspazeError

T = TypeVar('T')


@asynccontextmanager
async def busy(element: ui.element, *, disable: bool = True) -> AsyncIterator[None]:
    """`loading` on a button or an input while the block runs; a button is also disabled (no second click).
    An input being typed in stays enabled: only its spinner turns."""
    element.props('loading')
    if disable:
        element.disable()
    try:
        yield
    finally:
        element.props(remove='loading')
        if disable:
            element.enable()


async def attempted(
    button: ui.element, action: Callable[[], Awaitable[T]], page: Client | None = None
) -> tuple[bool, T | None]:
    """Run `action` with a spinner on its button; Espaze's refusal is told to the page (not to the button's row,
    which a live page may redraw meanwhile: pass the page when it was taken before waiting on something, such as
    a question). (True, its value), or (False, None) when it was refused."""
    page = page or ui.context.client
    async with busy(button):
        try:
            return True, await action()
        except EspazeError as error:
            with page:
                ui.notify(str(error), type='negative', multi_line=True)
            return False, None
