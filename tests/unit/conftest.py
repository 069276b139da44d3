"""Unit tests are offline: a unit test that opens anything under the real-data mirror fails.

``pytest tests/unit`` must pass on a clone with no ``../shared`` beside it (CI checks that too);
this guard makes the rule visible on a developer's machine, where the mirror exists and a test
could read it silently (for example through the default config's ``mirrors: [../shared/data]``).
It is a Python audit hook (PEP 578) on the file events Python raises (open, listing, globbing,
copying): reads done inside DuckDB or Arrow's C++ code, and existence checks (``os.stat``),
raise no audit event, which is why the offline clone check remains the real proof.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from dyadstats.testing.repo import default_mirror

#: The directory beside the checkout that holds the real data (``../shared``).
FORBIDDEN = os.path.realpath(default_mirror().parent)
EVENTS = {"open", "os.listdir", "os.scandir", "glob.glob", "shutil.copyfile", "shutil.copytree",
          "os.symlink", "os.link"}
_state: dict[str, list[str] | None] = {"violations": None}


def _forbidden(path: object) -> str | None:
    if not isinstance(path, str | bytes | os.PathLike):
        return None  # a file descriptor, or an open() of no path
    full = os.path.realpath(os.fsdecode(path))
    return full if full == FORBIDDEN or full.startswith(FORBIDDEN + os.sep) else None


def _audit(event: str, args: tuple) -> None:
    violations = _state["violations"]
    if violations is None or event not in EVENTS or not args:
        return
    hit = _forbidden(args[0])
    if hit is not None:
        violations.append(f"{event} {hit}")
        raise PermissionError(f"a unit test touched the real-data mirror: {event} {hit} (unit tests are "
                              "offline: use dyadstats.testing.world or tmp_path; real-data checks go to tests/parity)")


sys.addaudithook(_audit)  # hooks cannot be removed: it is active only while a unit test runs


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    # from setup on: module- and session-scoped fixtures built for a unit test are covered too
    _state["violations"] = []
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    yield
    violations, _state["violations"] = _state["violations"] or [], None
    # an access the code under test caught and swallowed still fails the test
    if violations:
        pytest.fail(f"{item.nodeid} touched the real-data mirror:\n  " + "\n  ".join(violations))
