"""The node R-tree of geoservice.core.snapping."""

from __future__ import annotations

import gc
import subprocess
import sys

import numpy as np

from geoservice.core.snapping import NodeIndex


def test_nearest_nodes_by_distance_then_position() -> None:
    x = np.array([0.0, 10.0, 10.0, 30.0])
    y = np.array([0.0, 0.0, 0.0, 0.0])
    index = NodeIndex(x, y, max_snap_m=100.0)
    snap = index.nearest(9.0, 0.0, 3)
    assert snap.positions.tolist() == [1, 2, 0]
    np.testing.assert_allclose(snap.distances_m, [1.0, 1.0, 9.0])


def test_the_rtree_is_freed_with_its_index() -> None:
    """The libspatialindex tree is closed when the NodeIndex goes, not left to finalization."""
    index = NodeIndex(np.arange(5.0), np.arange(5.0), max_snap_m=10.0)
    tree = index._tree
    assert tree.handle is not None
    del index
    gc.collect()
    assert tree.handle is None


def test_an_index_alive_at_exit_is_closed_before_finalization() -> None:
    """An index still referenced at exit is closed by the exit hooks (weakref.finalize), so
    the interpreter's final garbage collection does not run libspatialindex's destructor."""
    # Exit finalizers run in reverse order of creation: the check, made first, runs last.
    code = (
        "import weakref, numpy as np\n"
        "from geoservice.core.snapping import NodeIndex\n"
        "class Holder: pass\n"
        "holder = Holder()\n"
        "state = lambda: 'closed' if holder.tree.handle is None else 'open'\n"
        "weakref.finalize(holder, lambda: print(state()))\n"
        "index = NodeIndex(np.arange(5.0), np.arange(5.0), max_snap_m=10.0)\n"
        "holder.tree = index._tree\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "closed"


_CONCURRENT_QUERIES = """
import sys, threading
import numpy as np
from geoservice.core.snapping import NodeIndex

rng = np.random.default_rng(0)
x, y = rng.uniform(0, 1e5, 5000), rng.uniform(0, 1e5, 5000)
index = NodeIndex(x, y, max_snap_m=1e4)
points = rng.uniform(0, 1e5, (1500, 2))
expected = [index.nearest(px, py, 3).positions.tolist() for px, py in points]
wrong = []

def work() -> None:
    for _ in range(4):
        for (px, py), want in zip(points, expected):
            if index.nearest(px, py, 3).positions.tolist() != want:
                wrong.append((px, py))

threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(wrong))
"""


def test_concurrent_queries_from_threads() -> None:
    """Eight threads querying one index at once (as a threaded server does) get the serial
    answers and do not corrupt memory. Without the index's lock this aborted with "double free
    or corruption": libspatialindex is not thread-safe and rtree releases the GIL. It runs in
    a subprocess so that a regression fails this test instead of killing the test run."""
    out = subprocess.run(
        [sys.executable, "-c", _CONCURRENT_QUERIES], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "0"
