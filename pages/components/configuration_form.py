"""The configuration fields shared by the wizard and the deployment page: port, health check, public address,
resources (presets or custom), placement on labelled nodes, and environment variables (secret ones write-only)."""

from nicegui import ui

from models.cluster import Resources
from models.deployments import Configuration
from models.errors import EspazeError
from pages.components.push_settings import PushSettings
from services.registry import Services

PRESETS = {
    'Small (0.1 CPU, 128 MiB; limit 0.5 CPU, 512 MiB)': Resources('100m', '128Mi', '500m', '512Mi'),
    'Medium (0.25 CPU, 256 MiB; limit 1 CPU, 1 GiB)': Resources('250m', '256Mi', '1', '1Gi'),
    'Large (0.5 CPU, 512 MiB; limit 2 CPU, 2 GiB)': Resources('500m', '512Mi', '2', '2Gi'),
}
CUSTOM = 'Custom'
KEPT_SECRET = 'unchanged (hidden)'


class EnvRow:
    """One variable: a new or plain one has a name and value; a stored secret shows its name only."""

    def __init__(self, box: ui.column, name: str = '', value: str = '', secret: bool = False, stored: bool = False):
        self.stored = stored
        with box, ui.row().classes('w-full items-center gap-2') as self.row:
            self.name = ui.input('Name', value=name).props('outlined dense stack-label').classes('w-48')
            self.value = ui.input('Value', value=value, placeholder=KEPT_SECRET if stored else '')
            self.value.props('outlined dense stack-label').classes('grow min-w-[10rem]')
            self.secret = ui.checkbox('Secret', value=secret)
            self.remove = ui.button(icon='close').props('flat round dense aria-label=Remove')
        self.name.mark(f'env name {name}' if name else 'new env name')
        self.value.mark(f'env value {name}' if name else 'new env value')
        self.remove.mark(f'remove {name}' if name else 'remove new')
        if stored:
            self.name.disable()
            self.secret.disable()


class ConfigurationForm:
    def __init__(self, services: Services, configuration: Configuration | None = None) -> None:
        self.services = services
        self.initial = configuration or Configuration()
        self.rows: list[EnvRow] = []
        self.removed_secrets: set[str] = set()

    async def build(self) -> None:
        c = self.initial
        self.image: ui.input | None = None
        if c.image:  # a prebuilt deployment: its image (a new tag) can be changed
            self.image = (
                ui.input('Image', value=c.image).props('outlined dense').classes('w-full max-w-xl').mark('image')
            )
        with ui.row().classes('w-full gap-2 items-start'):
            self.port = ui.number('Container port', value=c.port, min=1, max=65535, format='%d')
            self.port.props('outlined dense').classes('w-36')
            self.health = ui.input('Health-check path', value=c.health_check_path or '').props('outlined dense')
            self.public = ui.switch('Public address', value=c.public)
        preset = next((label for label, r in PRESETS.items() if r == c.resources), CUSTOM)
        self.preset = ui.select([*PRESETS, CUSTOM], value=preset, label='Resources')
        self.preset.props('outlined dense').classes('w-96 max-w-full').on_value_change(self._preset_changed)
        with ui.row().classes('gap-2') as self.custom:
            r = c.resources
            self.cpu_request = ui.input('CPU request', value=r.cpu_request).props('outlined dense').classes('w-32')
            self.memory_request = ui.input('Memory request', value=r.memory_request)
            self.memory_request.props('outlined dense').classes('w-32')
            self.cpu_limit = ui.input('CPU limit', value=r.cpu_limit).props('outlined dense').classes('w-32')
            self.memory_limit = ui.input('Memory limit', value=r.memory_limit).props('outlined dense').classes('w-32')
        self.custom.set_visibility(preset == CUSTOM)
        await self._placement()
        ui.label('Environment variables (secret values are stored encrypted and never shown again)')
        self.env_box = ui.column().classes('w-full gap-1')
        for name, value in c.env.items():
            self._add(name, value)
        for name in c.secret_env_names:
            self._add(name, secret=True, stored=True)
        self.add_button = ui.button('Add variable', icon='add', on_click=lambda: self._add()).props('flat dense')
        self.push = PushSettings(c, self.services.hooks.warning)

    async def _placement(self) -> None:
        try:
            nodes = await self.services.cluster.reads.nodes()
        except EspazeError:
            nodes = []
        current = [f'{k}={v}' for k, v in self.initial.node_selector.items()]
        labels = {f'{k}={v}' for n in nodes for k, v in n.labels.items() if not k.startswith('kubernetes.io/')}
        self.placement = ui.select(
            sorted(labels | set(current)), multiple=True, value=current, label='Run only on nodes labelled'
        )
        self.placement.props('outlined dense use-chips').classes('w-96 max-w-full')

    def _preset_changed(self) -> None:
        self.custom.set_visibility(self.preset.value == CUSTOM)

    def _add(self, name: str = '', value: str = '', secret: bool = False, stored: bool = False) -> EnvRow:
        row = EnvRow(self.env_box, name, value, secret, stored)
        row.remove.on_click(lambda: self._remove(row))
        self.rows.append(row)
        return row

    def _remove(self, row: EnvRow) -> None:
        if row.stored:
            self.removed_secrets.add(row.name.value)
        self.rows.remove(row)
        self.env_box.remove(row.row)

    def disable(self) -> None:
        for element in (self.port, self.health, self.public, self.preset, self.placement, self.add_button, self.image):
            if element is not None:
                element.disable()
        for element in self.push.elements:
            element.disable()
        for element in (self.cpu_request, self.memory_request, self.cpu_limit, self.memory_limit):
            element.disable()
        for row in self.rows:
            for element in (row.name, row.value, row.secret, row.remove):
                element.disable()

    @property
    def fields(self) -> dict[str, ui.element]:
        return {
            **({'configuration.image': self.image} if self.image is not None else {}),
            'configuration.port': self.port,
            'configuration.healthCheckPath': self.health,
            'configuration.watchPaths': self.push.watch_paths,
        }

    def resources(self) -> Resources:
        return PRESETS.get(self.preset.value) or Resources(
            self.cpu_request.value or '',
            self.memory_request.value or '',
            self.cpu_limit.value or '',
            self.memory_limit.value or '',
        )

    def env(self) -> dict[str, str]:
        return {r.name.value.strip(): r.value.value or '' for r in self.rows if r.name.value and not r.secret.value}

    def secret_env(self) -> dict[str, str]:
        """New or replaced secret values; a stored secret left empty keeps its value."""
        return {
            r.name.value.strip(): r.value.value or ''
            for r in self.rows
            if r.name.value and r.secret.value and not (r.stored and not r.value.value)
        }

    def node_selector(self) -> dict[str, str]:
        return dict(choice.split('=', 1) for choice in self.placement.value or [])

    def changes(self) -> dict:
        """What the deployment page sends to `reconfigure`, besides the secrets."""
        image = {'image': (self.image.value or '').strip()} if self.image is not None else {}
        return image | {
            'port': int(self.port.value or 0),
            'env': self.env(),
            'resources': self.resources(),
            'health_check_path': (self.health.value or '').strip() or None,
            'public': bool(self.public.value),
            'node_selector': self.node_selector(),
            **self.push.values(),
        }

    def secret_changes(self) -> dict[str, str | None]:
        kept = {r.name.value for r in self.rows if r.stored and r.secret.value}
        return self.secret_env() | {name: None for name in self.removed_secrets - kept}
