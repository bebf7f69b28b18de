"""The garbage collector's pauses are measured, and the survivors of a long full collection are frozen out of the
collections to come (at 60,000 nodes each full collection walked everything: 420 ms every 9 s)."""

import gc
import weakref

import pytest
from prometheus_client import CollectorRegistry

from services.infrastructure.pauses import Pauses


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr('services.infrastructure.pauses.LONG_COLLECTION_SECONDS', 0.0)
    registry = CollectorRegistry()
    yield Pauses(registry), registry
    gc.unfreeze()


def test_a_long_full_collection_is_measured_and_its_survivors_frozen(pauses):
    found, registry = pauses
    gc.unfreeze()
    gc.collect()
    assert registry.get_sample_value('espaze_gc_pause_seconds_count', {'generation': '2'}) >= 1
    assert gc.get_freeze_count() == 0
    assert found.freeze_if_asked() and gc.get_freeze_count() > 0
    assert registry.get_sample_value('espaze_gc_frozen_objects') > 0  # (frozen objects freed meanwhile leave it)
    assert not found.freeze_if_asked()  # once per long collection


def test_a_refreeze_collects_the_cycles_a_freeze_kept_and_freezes_the_survivors(pauses):
    class Cyclic:
        pass

    garbage = Cyclic()
    garbage.me = garbage
    alive = weakref.ref(garbage)
    gc.freeze()
    del garbage
    gc.collect()
    assert alive() is not None  # frozen: out of reach of the collector
    Pauses.refreeze()
    assert alive() is None and gc.get_freeze_count() > 0
