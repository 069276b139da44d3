"""Unit tests are offline: a unit test that opens anything under the real-data mirror fails.

``pytest tests/unit`` must pass on a clone with no ``../shared`` beside it (docs/development.md
shows the check); on a developer's machine the mirror exists, so this guard
(:class:`dyadstats.testing.offline.PathGuard`) fails any unit test that opens, lists, globs or
copies a path under ``../shared``, including module- and session-scoped fixtures built for it,
and including accesses the code under test caught. Reads inside DuckDB or Arrow's C++ code and
bare existence checks are invisible to it (see the module's docstring).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dyadstats.testing.offline import PathGuard
from dyadstats.testing.repo import default_mirror

GUARD = PathGuard(
    default_mirror().parent,
    "Unit tests are offline: use dyadstats.testing.world or tmp_path (and point a config's "
    "mirrors there); real-data checks belong in tests/parity.",
).install()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    GUARD.start()  # from setup on: fixtures built for the test are covered too
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    try:
        result = yield
    finally:
        violations = GUARD.stop()
    if violations:
        pytest.fail(f"{item.nodeid} touched the real-data mirror:\n  " + "\n  ".join(violations))
    return result
