"""Request metrics keep a bounded set of series whatever clients send: route templates, known methods."""

from prometheus_client.parser import text_string_to_metric_families

from services.infrastructure.telemetry import Telemetry


async def test_odd_methods_and_unknown_paths_share_bounded_series():
    telemetry = Telemetry('test-holder')
    for n in range(50):
        telemetry.observe_request({'path': f'/nowhere/{n}', 'method': f'WEIRD{n}'}, 404, 0.001)
    telemetry.observe_request({'path': '/api/nodes/abc/heartbeat', 'method': 'POST'}, 200, 0.002)
    samples = [
        s
        for family in text_string_to_metric_families((await telemetry.render()).decode())
        for s in family.samples
        if s.name == 'espaze_http_requests_total'
    ]
    series = {(s.labels['method'], s.labels['route'], s.labels['status']): s.value for s in samples}
    assert series == {('OTHER', 'unmatched', '404'): 50, ('POST', '/api/nodes/{node_id}/heartbeat', '200'): 1}
