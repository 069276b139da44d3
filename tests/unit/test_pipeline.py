"""dyadstats.pipeline: the upstream stages side by side, in order where one reads the other."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from dyadstats import pipeline


def _record(monkeypatch: pytest.MonkeyPatch, calls: list[str], barrier: threading.Barrier | None = None,
            fail: str | None = None) -> None:
    def stage(name: str):
        def run(plan: object) -> None:
            if barrier is not None and name in ("run_universe", "run_events"):
                barrier.wait()  # returns only when the other stage is running at the same time
            if name == fail:
                raise RuntimeError(f"{name} failed")
            calls.append(name)
        return run

    for name in ("run_universe", "run_roles", "run_events"):
        monkeypatch.setattr(pipeline, name, stage(name))


def test_events_run_beside_the_universe(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    # run one after the other, the first stage would wait at the barrier until it timed out
    _record(monkeypatch, calls, barrier=threading.Barrier(2, timeout=10))
    pipeline.run_upstream(SimpleNamespace(event_role=None))
    assert sorted(calls) == ["run_events", "run_roles", "run_universe"]
    assert calls.index("run_universe") < calls.index("run_roles")


def test_events_from_a_role_wait_for_universe_and_roles(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    _record(monkeypatch, calls)
    pipeline.run_upstream(SimpleNamespace(event_role=object()))
    assert calls == ["run_universe", "run_roles", "run_events"]
    calls.clear()
    pipeline.run_upstream(SimpleNamespace(event_role=None), roles=False)
    assert sorted(calls) == ["run_events", "run_universe"]


def test_a_failing_stage_is_raised_after_the_other_finished(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    _record(monkeypatch, calls, fail="run_events")
    with pytest.raises(RuntimeError, match="run_events failed"):
        pipeline.run_upstream(SimpleNamespace(event_role=None))
    assert calls == ["run_universe", "run_roles"]  # the universe side ran to the end
