"""Charts draw what was measured: a gap where nothing was, and a readable time axis for one point or many."""

from datetime import UTC, datetime, timedelta

from pages.components.chart_figures import Line, time_figure, with_gaps

T0 = datetime(2026, 12, 5, 2, 44, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def test_a_silence_longer_than_a_few_steps_breaks_the_line():
    times = [T0, T0 + MINUTE, T0 + 2 * MINUTE, T0 + 12 * MINUTE, T0 + 13 * MINUTE]
    shown, columns = with_gaps(times, {'cpu': [1.0, 2.0, 3.0, 4.0, 5.0]}, MINUTE)
    assert columns['cpu'] == [1.0, 2.0, 3.0, None, 4.0, 5.0]
    assert shown[3] == T0 + 7 * MINUTE and len(shown) == 6


def test_regular_samples_have_no_gap():
    times = [T0 + i * MINUTE for i in range(5)]
    shown, columns = with_gaps(times, {'cpu': [1.0] * 5}, MINUTE)
    assert shown == times and None not in columns['cpu']


def test_one_point_gets_the_whole_range_around_it_not_a_millisecond():
    span = (T0 - timedelta(hours=1), T0)
    figure = time_figure([T0], [Line('Used', [0.5])], 'cores', span)
    assert figure.layout.xaxis.range == (span[0].isoformat(), span[1].isoformat())
    assert figure.data[0].mode == 'lines+markers'  # a single point is visible
    stops = {tuple(s.dtickrange): s.value for s in figure.layout.xaxis.tickformatstops}
    assert stops[(None, 60_000)] == '%H:%M:%S'  # never finer than seconds


def test_many_points_let_plotly_choose_the_range_and_no_points_say_so():
    times = [T0 + i * MINUTE for i in range(10)]
    many = time_figure(times, [Line('Used', [1.0] * 10)], 'cores', (T0, T0 + 10 * MINUTE))
    assert many.layout.xaxis.range is None and many.data[0].mode == 'lines'
    empty = time_figure([], [Line('Used', [])], 'cores', (T0 - MINUTE, T0))
    assert empty.layout.annotations[0].text == 'No samples in this range yet'
    assert empty.layout.xaxis.range == ((T0 - MINUTE).isoformat(), T0.isoformat())
