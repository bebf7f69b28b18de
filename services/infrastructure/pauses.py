"""What holds the event loop back, as Prometheus histograms: the garbage collector's pauses by generation, and how
late the loop wakes a sleeper (its lag). A heartbeat answered in 4 ms most of the time and in 400 ms at its 99th
percentile is waiting on one of these.

And what shortens the longest of them: a full collection walks every object the collector tracks (60,000 nodes'
rows, their tokens, the app's own modules: 420 ms each, every 9 s at 2,000 beats a second). So what survives a
full collection that took long is frozen (`gc.freeze`): still freed when no longer referenced, but never walked
again, so that the next ones walk only what was made since. At startup, and every ten minutes, everything is
unfrozen, collected once and frozen again: garbage in reference cycles among frozen objects waits for that
(`espaze_gc_frozen_objects` shows how many are frozen)."""

import asyncio
import gc
import time

from prometheus_client import CollectorRegistry, Gauge, Histogram

PAUSE_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
LAG_PROBE_SECONDS = 0.25
REFREEZE_EVERY_SECONDS = 600
LONG_COLLECTION_SECONDS = 0.05  # a full collection this long freezes its survivors


class Pauses:
    _current: 'Pauses | None' = None  # the garbage collector calls back once per process: into the newest

    def __init__(self, registry: CollectorRegistry) -> None:
        self.collections = Histogram(
            'espaze_gc_pause_seconds',
            'Garbage collection pauses',
            ['generation'],
            buckets=PAUSE_BUCKETS,
            registry=registry,
        )
        self.lag = Histogram(
            'espaze_event_loop_lag_seconds',
            'How late the event loop woke a sleeper',
            buckets=PAUSE_BUCKETS,
            registry=registry,
        )
        self.frozen = Gauge('espaze_gc_frozen_objects', 'Objects frozen out of collections', registry=registry)
        self.frozen.set_function(gc.get_freeze_count)
        self._started = 0.0
        self._freeze_soon = False
        if Pauses._current is None:
            gc.callbacks.append(Pauses._collected)
        Pauses._current = self

    @staticmethod
    def _collected(phase: str, info: dict) -> None:
        pauses = Pauses._current
        if pauses is None:
            return
        if phase == 'start':
            pauses._started = time.perf_counter()
            return
        took = time.perf_counter() - pauses._started
        pauses.collections.labels(str(info['generation'])).observe(took)
        if info['generation'] == 2 and took > LONG_COLLECTION_SECONDS:
            pauses._freeze_soon = True

    async def probe(self) -> None:
        """Sleep a quarter of a second at a time, for ever, and record how late each wake-up was."""
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(LAG_PROBE_SECONDS)
            self.lag.observe(max(0.0, time.perf_counter() - asked - LAG_PROBE_SECONDS))
            self.freeze_if_asked()

    def freeze_if_asked(self) -> bool:
        """Freeze the survivors of a long full collection (not from within the collector's own callback)."""
        if not self._freeze_soon:
            return False
        self._freeze_soon = False
        gc.freeze()
        return True

    @staticmethod
    def refreeze() -> None:
        """One full collection of everything, then what survives it is left out of the collections to come."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    async def refreeze_periodically(self, seconds: float = REFREEZE_EVERY_SECONDS) -> None:
        while True:
            await asyncio.sleep(seconds)
            self.refreeze()
