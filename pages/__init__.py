"""The NiceGUI pages; each module registers its routes with the services bootstrap built."""

from nicegui import app, background_tasks

from pages import (
    account,
    audit,
    dashboard,
    deployment_detail,
    deployment_new,
    deployments,
    login,
    node_detail,
    nodes,
    observatory,
    register,
    settings,
    setup,
    users,
)
from pages.page_guard import PageGuard
from pages.session import register_identity_routes
from pages.single_sign_on import register_single_sign_on_routes
from services.registry import Services


def register_all(services: Services, session_watch_seconds: float, anonymous_pages_per_address: int) -> None:
    """Register every page, and the guard that keeps open pages to the authority of their session."""
    for module in (
        audit,
        login,
        register,
        setup,
        dashboard,
        observatory,
        nodes,
        node_detail,
        users,
        account,
        settings,
        deployments,
        deployment_new,
        deployment_detail,
    ):
        module.register(services)
    register_identity_routes(services)
    register_single_sign_on_routes(services)
    guard = app.state.page_guard = PageGuard(services.auth, session_watch_seconds, anonymous_pages_per_address)
    app.on_startup(lambda: background_tasks.create(guard.watch(), name='close pages of ended sessions'))
