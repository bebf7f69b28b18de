"""The "deploy from GitHub" part of a configuration: deploy on push (optionally only for some paths), and a preview
per pull request (with or without secrets, forks or not), with a word when GitHub cannot reach Espaze."""

from nicegui import ui

from models.deployments import Configuration


class PushSettings:
    def __init__(self, configuration: Configuration, warning: str | None) -> None:
        c = configuration
        with ui.column().classes('w-full gap-1 border border-slate-200 rounded p-3') as self.box:
            ui.label('From GitHub').classes('font-medium')
            self.auto_deploy = ui.switch('Deploy every push to the branch', value=c.auto_deploy).mark('auto deploy')
            self.watch_paths = ui.input(
                'Only when these paths change (globs, comma-separated)',
                value=', '.join(c.watch_paths),
                placeholder='services/api/*, Dockerfile',
            )
            self.watch_paths.props('outlined dense stack-label').classes('w-96 max-w-full').mark('watch paths')
            self.previews = ui.switch('A preview for each pull request', value=c.previews).mark('previews')
            with ui.row().classes('gap-4 pl-10'):
                self.preview_secrets = ui.checkbox('Previews get the secret variables', value=c.preview_secrets)
                self.preview_forks = ui.checkbox(
                    'Build pull requests from forks (never with secrets)', value=c.preview_forks
                )
            self.warning = ui.label(warning or '').classes('text-sm text-amber-800').mark('webhook warning')
        for switch in (self.auto_deploy, self.previews):
            switch.on_value_change(lambda: self.warning.set_visibility(bool(warning) and self.hears_github))
        self.warning.set_visibility(bool(warning) and self.hears_github)

    def unavailable(self, reason: str) -> None:
        """Turned off and greyed out, saying why (e.g. no GitHub account to make the repository's webhook with)."""
        for element in self.elements:
            if isinstance(element, ui.switch | ui.checkbox):
                element.value = False
            element.disable()
        with self.box:
            ui.label(reason).classes('text-sm text-slate-600').mark('github needs an account')

    @property
    def hears_github(self) -> bool:
        return bool(self.auto_deploy.value or self.previews.value)

    @property
    def elements(self) -> list[ui.element]:
        return [self.auto_deploy, self.watch_paths, self.previews, self.preview_secrets, self.preview_forks]

    def values(self) -> dict:
        patterns = tuple(p.strip() for p in (self.watch_paths.value or '').split(',') if p.strip())
        return {
            'auto_deploy': bool(self.auto_deploy.value),
            'watch_paths': patterns,
            'previews': bool(self.previews.value),
            'preview_secrets': bool(self.preview_secrets.value),
            'preview_forks': bool(self.preview_forks.value),
        }
