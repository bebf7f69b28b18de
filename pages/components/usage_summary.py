"""What the Observatory shows from one snapshot: the stat cards' texts, pods per namespace and per node, and the
deployments using the most CPU and memory against what they requested (a right-sizing hint)."""

from collections import Counter, defaultdict

import plotly.graph_objects as go

from models.metrics import PodUse, Snapshot
from pages.components.chart_figures import COLORS, GRID, MUTED, TRANSPARENT

GIB = 2**30
FINISHED = ('Succeeded', 'Failed')
TOP = 10


def _share(used: float | None, total: float, unit: str, scale: float = 1.0) -> str:
    if used is None:
        return f'unmeasured of {total * scale:.1f} {unit}'
    percent = f' ({used / total:.0%})' if total else ''
    return f'{used * scale:.2f} of {total * scale:.1f} {unit}{percent}'


def stat_texts(snapshot: Snapshot) -> dict[str, str]:
    c, f = snapshot.cluster, snapshot.fleet
    phases = c.pods_by_phase
    return {
        'CPU used': _share(c.cpu_used, c.cpu_allocatable, 'cores'),
        'Memory used': _share(c.memory_used, c.memory_allocatable, 'GiB', 1 / GIB),
        'Pods': f'{phases.get("Running", 0)} running · {phases.get("Pending", 0)} pending · '
        f'{phases.get("Failed", 0)} failed',
        'Nodes ready': f'{c.nodes_ready} of {c.nodes_total}',
        'Fleet online': f'{f.online} of {f.online + f.offline + f.pending}',
    }


def _live(pods: list[PodUse]) -> list[PodUse]:
    return [p for p in pods if p.phase not in FINISHED]


def bars_figure(counts: dict[str, int], title: str) -> go.Figure:
    """Horizontal bars, the largest on top (at most 15), in the house look."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:15]
    figure = go.Figure(
        go.Bar(
            orientation='h',
            y=[name for name, _ in ordered][::-1],
            x=[n for _, n in ordered][::-1],
            marker={'color': COLORS[0]},
            hovertemplate='%{y}: %{x} pods<extra></extra>',
        )
    )
    figure.update_layout(
        title={'text': title, 'font': {'size': 14}},
        margin={'l': 8, 'r': 8, 't': 32, 'b': 24},
        yaxis={'automargin': True},
        xaxis={'rangemode': 'tozero', 'dtick': 1 if not ordered or ordered[0][1] < 10 else None, 'gridcolor': GRID},
        height=80 + 24 * max(len(ordered), 1),
        paper_bgcolor=TRANSPARENT,
        plot_bgcolor=TRANSPARENT,
        font={'color': MUTED},
    )
    return figure


def pods_per_namespace(pods: list[PodUse]) -> dict[str, int]:
    return dict(Counter(p.namespace for p in _live(pods)))


def pods_per_node(pods: list[PodUse]) -> dict[str, int]:
    return dict(Counter(p.node or 'unscheduled' for p in _live(pods)))


def _hint(total: dict, measured: bool) -> str:
    """Which request is too low (used above it) or much too high (used under a quarter of it); nothing to say
    of a deployment none of whose pods runs (a Pending pod uses nothing because it was never placed)."""
    if not total['running']:
        return 'no pod runs yet: nothing measured to size by'
    if not measured:
        return ''
    hints = []
    for kind in ('cpu', 'memory'):
        requested = total[f'{kind}_request']
        ratio = total[kind] / requested if requested else 0
        if ratio > 1:
            hints.append(f'{kind.upper() if kind == "cpu" else kind} above its request ({ratio:.0%}): raise it')
        elif requested and ratio < 0.25:
            hints.append(f'{kind.upper() if kind == "cpu" else kind} at {ratio:.0%} of its request: ask for less')
    return '; '.join(hints) or 'requests fit its use'


def top_deployments(pods: list[PodUse]) -> list[dict]:
    """The deployments using the most CPU, with memory, requests and a hint, as table rows."""
    totals: dict[str, dict] = defaultdict(lambda: defaultdict(float))
    names: dict[str, tuple[str, str]] = {}
    measured = all(p.cpu_used is not None for p in pods)
    for pod in _live(pods):
        if not pod.deployment_id:
            continue
        names[pod.deployment_id] = (pod.deployment_name or pod.deployment_id, pod.namespace)
        total = totals[pod.deployment_id]
        total['cpu'] += pod.cpu_used or 0
        total['memory'] += pod.memory_used or 0
        total['cpu_request'] += pod.cpu_request
        total['memory_request'] += pod.memory_request
        total['running'] += pod.phase == 'Running'
        total['pods'] += 1
    ranked = sorted(totals.items(), key=lambda item: (-item[1]['cpu'], names[item[0]][0]))[:TOP]
    return [
        {
            'id': deployment_id,
            'name': names[deployment_id][0],
            'namespace': names[deployment_id][1],
            'pods': int(t['pods']),
            'cpu': f'{t["cpu"]:.3f} / {t["cpu_request"]:.2f}' if measured else f'— / {t["cpu_request"]:.2f}',
            'memory': f'{t["memory"] / 2**20:.0f} / {t["memory_request"] / 2**20:.0f}'
            if measured
            else f'— / {t["memory_request"] / 2**20:.0f}',
            'hint': _hint(t, measured),
        }
        for deployment_id, t in ranked
    ]
