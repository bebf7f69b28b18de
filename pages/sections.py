"""Deployments and Observatory: sections whose content later work fills; each says honestly it is empty."""

from models import User
from pages.layout import empty_state, signed_in_page
from services.registry import Services


def register(services: Services) -> None:
    @signed_in_page(services, '/deployments', 'Deployments')
    async def deployments(user: User) -> None:
        empty_state(
            'rocket_launch',
            'No deployments yet',
            'Deploying from a GitHub repository to the cluster is not available on this instance yet.',
        )

    @signed_in_page(services, '/nodes', 'Nodes')
    async def nodes(user: User) -> None:
        empty_state(
            'hub',
            'No edge nodes enrolled',
            'Enrolling edge nodes with the node agent is not available on this instance yet.',
        )

    @signed_in_page(services, '/observatory', 'Observatory')
    async def observatory(user: User) -> None:
        empty_state(
            'show_chart',
            'No metrics collected',
            'Cluster and fleet metrics are not collected on this instance yet.',
        )
