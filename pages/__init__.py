"""The NiceGUI pages; each module registers its routes with the services app.py built."""

from pages import account, dashboard, login, register, sections, setup, users
from services.registry import Services


def register_all(services: Services) -> None:
    """Register every page."""
    for module in (login, register, setup, dashboard, sections, users, account):
        module.register(services)
