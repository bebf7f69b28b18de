"""A kind the sandbox serves, named as the API server names it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    group: str  # '' for core
    version: str
    plural: str
    kind: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f'{self.group}/{self.version}' if self.group else self.version
