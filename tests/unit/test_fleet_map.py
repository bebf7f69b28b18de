"""The map counts every node in exactly one marker, draws each node while they are few, and never more markers
than its limit however large the fleet."""

import random

from models.fleet_map import map_markers


def _fleet(count: int, rng: random.Random) -> list[tuple[str, str, str, float, float]]:
    statuses = ['online'] * 8 + ['offline'] * 3 + ['pending']
    return [
        (f'id{n}', f'edge-{n}', rng.choice(statuses), rng.uniform(-60, 70), rng.uniform(-180, 180))
        for n in range(count)
    ]


def _by_status(nodes) -> dict[str, int]:
    counted: dict[str, int] = {}
    for _, _, status, _, _ in nodes:
        counted[status] = counted.get(status, 0) + 1
    return counted


def test_a_small_fleet_is_drawn_node_by_node():
    nodes = _fleet(300, random.Random(1))
    markers = map_markers(nodes, max_markers=800)
    assert [(m.node_id, m.name, m.status, m.latitude, m.longitude, m.count) for m in markers] == [
        (i, name, status, lat, lon, 1) for i, name, status, lat, lon in nodes
    ]


def test_a_large_fleet_is_gathered_into_at_most_the_limit_and_every_node_counts_once():
    for count, limit in ((5000, 800), (60_000, 800), (60_000, 200)):
        nodes = _fleet(count, random.Random(count + limit))
        markers = map_markers(nodes, max_markers=limit)
        assert len(markers) <= limit
        counted: dict[str, int] = {}
        for marker in markers:
            counted[marker.status] = counted.get(marker.status, 0) + marker.count
            assert -90 <= marker.latitude <= 90 and -180 <= marker.longitude <= 180
            assert (marker.node_id is not None) == (marker.count == 1)
        assert counted == _by_status(nodes)


def test_nodes_close_together_share_a_marker_at_their_mean_position():
    rng = random.Random(3)
    nodes = [(f'l{n}', 'x', 'online', 38.71 + rng.uniform(0, 0.01), -9.14 + rng.uniform(0, 0.01)) for n in range(500)]
    nodes += [(f'o{n}', 'x', 'online', 59.91 + rng.uniform(0, 0.01), 10.75 + rng.uniform(0, 0.01)) for n in range(400)]
    lisbon, oslo = sorted(map_markers(nodes, max_markers=800), key=lambda m: m.count, reverse=True)
    assert (lisbon.count, oslo.count) == (500, 400) and lisbon.node_id is None
    assert abs(lisbon.latitude - 38.715) < 0.005 and abs(oslo.longitude - 10.755) < 0.005
    assert lisbon.name == '500 online nodes within 0.25°'
