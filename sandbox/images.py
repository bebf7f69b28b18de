"""What a built image does when it runs, read from its Dockerfile: the sandbox has no container runtime, so an
image's behaviour is what its Dockerfile says it will do.

- `CMD`/`ENTRYPOINT` ending in `exit N`: the app exits with status N at once (a crash loop);
- `EXPOSE 3000`: the app listens on those ports only; probes on another port are refused;
- `LABEL io.espaze.sandbox.memory="600Mi"`: the app needs that much memory; under a lower limit it is OOMKilled.
"""

import re
from dataclasses import dataclass

from sandbox.usage import quantity

CRASHING_COMMAND = re.compile(r'^\s*(CMD|ENTRYPOINT)\b.*\bexit\s+([0-9]{1,3})', re.M | re.I)
EXPOSE = re.compile(r'^\s*EXPOSE\s+(.+)$', re.M | re.I)
MEMORY_LABEL = re.compile(r'^\s*LABEL\b.*\bio\.espaze\.sandbox\.memory="?([0-9.]+(?:Ki|Mi|Gi|k|M|G)?)"?', re.M | re.I)


@dataclass(frozen=True)
class ImageTraits:
    exit_code: int | None = None
    memory_bytes: float | None = None
    ports: tuple[int, ...] = ()


def traits_of(dockerfile: str) -> ImageTraits:
    crash = CRASHING_COMMAND.search(dockerfile)
    memory = MEMORY_LABEL.search(dockerfile)
    ports = tuple(
        int(word.split('/')[0])
        for line in EXPOSE.findall(dockerfile)
        for word in line.split()
        if word.split('/')[0].isdigit()
    )
    return ImageTraits(
        exit_code=int(crash.group(2)) if crash else None,
        memory_bytes=quantity(memory.group(1)) if memory else None,
        ports=ports,
    )
