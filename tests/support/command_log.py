"""The commands this process sends the database, of one name on one collection (pymongo's command monitoring: it
sees the clients made after it is created)."""

from pymongo import monitoring


class CommandLog(monitoring.CommandListener):
    def __init__(self, name: str, collection: str) -> None:
        self._name, self._collection = name, collection
        self.commands: list[dict] = []
        monitoring.register(self)

    @property
    def count(self) -> int:
        return len(self.commands)

    def clear(self) -> None:
        self.commands.clear()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == self._name and event.command.get(self._name) == self._collection:
            self.commands.append(dict(event.command))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass
