"""The NiceGUI pages; each module registers its routes with the services app.py built."""

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
from services.registry import Services


def register_all(services: Services) -> None:
    """Register every page."""
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
