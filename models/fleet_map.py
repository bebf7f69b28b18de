"""The fleet on a map at any size: every node as its own marker while they are few, otherwise markers that each
stand for the nodes of one status in one cell of a grid, as fine a grid as keeps the markers few. Every node is
counted in exactly one marker, so the counts the map shows are the true counts."""

from dataclasses import dataclass

FINEST_DEGREES = 0.25
COARSENINGS = (1, 2, 4, 8, 20, 40, 80, 180)  # cells of 0.25 degrees up to 45
MAX_MARKERS = 800  # the coarsest grid (45 degrees) makes at most 96: a limit below that is not kept


@dataclass(frozen=True)
class MapMarker:
    status: str
    latitude: float
    longitude: float
    count: int
    name: str  # the node's name, or where the nodes are
    node_id: str | None = None  # a marker for one node leads to its page


@dataclass
class _Cell:
    latitude_sum: float = 0.0
    longitude_sum: float = 0.0
    count: int = 0
    node_id: str = ''
    name: str = ''

    def merge(self, other: '_Cell') -> None:
        if not self.count:
            self.node_id, self.name = other.node_id, other.name
        self.latitude_sum += other.latitude_sum
        self.longitude_sum += other.longitude_sum
        self.count += other.count


def map_markers(nodes: list[tuple[str, str, str, float, float]], max_markers: int = MAX_MARKERS) -> list[MapMarker]:
    """Markers for (id, name, status, latitude, longitude) of nodes."""
    if len(nodes) <= max_markers:
        return [MapMarker(status, lat, lon, 1, name, node_id) for node_id, name, status, lat, lon in nodes]
    cells: dict[tuple[str, int, int], _Cell] = {}
    for node_id, name, status, latitude, longitude in nodes:
        key = (status, int(latitude // FINEST_DEGREES), int(longitude // FINEST_DEGREES))
        cells.setdefault(key, _Cell()).merge(_Cell(latitude, longitude, 1, node_id, name))
    grouped, factor = cells, 1
    for factor in COARSENINGS:
        grouped = _coarsened(cells, factor)
        if len(grouped) <= max_markers:
            break
    return [_marker(status, cell, factor) for (status, _, _), cell in sorted(grouped.items())]


def _coarsened(cells: dict[tuple[str, int, int], _Cell], factor: int) -> dict[tuple[str, int, int], _Cell]:
    if factor == 1:
        return cells
    grouped: dict[tuple[str, int, int], _Cell] = {}
    for (status, row, column), cell in cells.items():
        grouped.setdefault((status, row // factor, column // factor), _Cell()).merge(cell)
    return grouped


def _marker(status: str, cell: _Cell, factor: int) -> MapMarker:
    latitude, longitude = cell.latitude_sum / cell.count, cell.longitude_sum / cell.count
    if cell.count == 1:
        return MapMarker(status, latitude, longitude, 1, cell.name, cell.node_id)
    size = FINEST_DEGREES * factor
    return MapMarker(status, latitude, longitude, cell.count, f'{cell.count} {status} nodes within {size:g}°')
