"""The Observatory: a section whose content later work fills; it says honestly it is empty."""

from models import User
from pages.layout import empty_state, signed_in_page
from services.registry import Services


def register(services: Services) -> None:
    @signed_in_page(services, '/observatory', 'Observatory')
    async def observatory(user: User) -> None:
        empty_state(
            'show_chart',
            'No metrics collected',
            'Cluster and fleet metrics are not collected on this instance yet.',
        )
