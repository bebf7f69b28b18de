"""A replica's read model saved in its data directory, so that a restart reads only what changed while it was
down rather than every document (60,000 nodes took 7.6 s to read, their snapshot well under one): the rows and
the cursors, written after each full read and at a clean stop, atomically. A snapshot is used only when it is
younger than KEPT_FOR (deletions are followed through tombstones kept a day), of this row format, and of this
database's epoch (a restore starts a new one); anything else means a full read. The data directory is trusted as
the secrets next to it are: the file is a pickle."""

import logging
import os
import pickle
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

log = logging.getLogger('espaze.read_model')

FORMAT = 3  # raised whenever Row changes shape
KEPT_FOR = timedelta(hours=12)


@dataclass(frozen=True)
class Snapshot:
    rows: dict[str, Any]
    cursor: datetime
    tombstone_cursor: datetime
    saved_at: datetime
    epoch: str  # the database's lineage it was read from (instance `read_models`)


def save(path: Path, snapshot: Snapshot) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix('.partial')
    with partial.open('wb') as file:
        pickle.dump((FORMAT, snapshot), file, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, path)


def read(path: Path, epoch: str) -> Snapshot | None:
    """The snapshot at `path` if it is there, readable, of this format and database, and young enough."""
    try:
        with path.open('rb') as file:
            found_format, snapshot = pickle.load(file)
    except FileNotFoundError:
        return None
    except Exception as error:  # a torn or foreign file: read everything instead
        log.warning('read model snapshot %s unreadable (%s): reading everything', path.name, type(error).__name__)
        return None
    if found_format != FORMAT or snapshot.epoch != epoch or datetime.now(UTC) - snapshot.saved_at > KEPT_FOR:
        return None
    return snapshot
