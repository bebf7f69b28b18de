"""A call in progress shows it: a spinner on the element that started it, which cannot be used twice meanwhile."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from nicegui import ui


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
