"""Warnings are captured per thread: concurrent model jobs never see each other's warnings."""

from __future__ import annotations

import threading
import warnings

from dyadstats.io.job_warnings import captured_warnings, warning_texts


def test_each_thread_keeps_its_own_warnings():
    barrier = threading.Barrier(3)
    results: dict[str, list[str]] = {}

    def job(name: str) -> None:
        with captured_warnings() as caught:
            barrier.wait()  # both jobs inside their capture at once
            for _ in range(3):
                warnings.warn(f"from {name}", RuntimeWarning, stacklevel=1)
            barrier.wait()
        results[name] = warning_texts(caught)

    threads = [threading.Thread(target=job, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    barrier.wait()
    # A warning from a thread that captures nothing (Snakemake's own) reaches no job's notes.
    with warnings.catch_warnings(record=True):
        warnings.warn("from the scheduler", DeprecationWarning, stacklevel=1)
    barrier.wait()
    for t in threads:
        t.join()
    assert results == {"a": ["RuntimeWarning: from a"], "b": ["RuntimeWarning: from b"]}


def test_a_repeated_warning_is_recorded_in_every_fit():
    # Python shows a warning once per code location by default; each fit must see its own.
    # The warning is raised from a module of dyadstats' own namespace, with its own registry.
    namespace = {"__name__": "dyadstats.fake_estimator"}
    exec(compile("import warnings\ndef fit():\n    warnings.warn('did not converge', UserWarning)\n",
                 "fake_estimator.py", "exec"), namespace)

    def fit() -> list[str]:
        with captured_warnings() as caught:
            namespace["fit"]()
        return warning_texts(caught)

    assert fit() == fit() == ["UserWarning: did not converge"]
