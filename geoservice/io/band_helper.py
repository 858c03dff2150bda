"""The band helper: a process beside each service worker that unions isochrone bands.

Clipper2 holds the GIL, so the four unions of a car isochrone cannot share two cores through
threads; a second process can. Each gunicorn worker starts one helper
(``config/gunicorn.conf.py``, ``post_worker_init``) running ``python -m
geoservice.io.band_helper``: it imports the union code only (no data: the end disks of the
pieces come with each request), warms its compiled kernels and says it is ready. The worker
then sends it some bands of a large request (:mod:`geoservice.core.band_offload`) and unions
the others meanwhile.

Frames on the helper's standard input and output: an 8-byte little-endian length, then the
body. A request: ``n_bands, quad_segs, cells`` (3 × int64), then per band its piece count
``m`` (int64) and the ``6 × m`` float64 of its end disks ``x0, y0, r0, x1, y1, r1``. An
answer: one status byte (``0`` ok, ``1`` failed, with the error's text), then per band the
length (int64) and WKB of its polygon (EPSG:2154, the same polygon
:func:`~geoservice.core.band_polygons.band_geometries` gives in the worker). The helper's own
standard output is moved to standard error as it starts, so no stray print of the union
code can break a frame (anything printed while its modules import, which print nothing,
would spoil its ready frame: it would be stopped at once, never used). It exits when its input
closes (its worker is gone).

The worker never waits for a helper that is busy (another thread of the worker uses it),
still starting, or broken: :meth:`BandHelper.start` answers None and the request unions
every band itself. A helper that fails or takes longer than ``timeout_s`` is killed (its
bands are unioned in the request) and started again at most once per
:data:`RESTART_AFTER_S`.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import BinaryIO

import numpy as np
import shapely

from geoservice.core.band_offload import OffloadError
from geoservice.core.band_pieces import Ends
from geoservice.core.band_polygons import polygons_from_sections, union_section, warm_union

logger = logging.getLogger(__name__)

LENGTH = struct.Struct("<q")
HEADER = struct.Struct("<qqq")
READY = b"ready"
OK, FAILED = b"\x00", b"\x01"
#: Seconds between two starts of a helper that stopped or failed.
RESTART_AFTER_S = 10.0


def _read_exactly(fd: int, n: int, deadline: float | None) -> bytes:
    """`n` bytes from file descriptor `fd`; EOFError when it closes, TimeoutError past
    `deadline` (``time.monotonic()``; None: wait)."""
    chunks: list[bytes] = []
    left = n
    while left:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError("the band helper did not answer in time")
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the band helper's output closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int, deadline: float | None = None) -> bytes:
    (n,) = LENGTH.unpack(_read_exactly(fd, LENGTH.size, deadline))
    return _read_exactly(fd, n, deadline)


def _write_frame(fd: int, body: bytes, deadline: float | None = None) -> None:
    """Write a frame to `fd`; TimeoutError past `deadline` (the worker's end of the pipe is
    non-blocking, so a helper that stopped reading cannot hold the request)."""
    view = memoryview(LENGTH.pack(len(body)) + body)
    while view:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([], [fd], [], wait)[1]:
                raise TimeoutError("the band helper did not read its request in time")
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            continue


def encode_request(bands: Sequence[Ends], quad_segs: int, cells: int) -> bytes:
    """A request frame's body (module docstring)."""
    parts = [HEADER.pack(len(bands), quad_segs, cells)]
    for ends in bands:
        stacked = np.ascontiguousarray(np.stack(ends), dtype="<f8")
        parts += [LENGTH.pack(stacked.shape[1]), stacked.tobytes()]
    return b"".join(parts)


def decode_request(body: bytes) -> tuple[list[Ends], int, int]:
    """The bands, `quad_segs` and `cells` of a request frame's body."""
    n, quad_segs, cells = HEADER.unpack_from(body, 0)
    offset = HEADER.size
    bands: list[Ends] = []
    for _ in range(n):
        (m,) = LENGTH.unpack_from(body, offset)
        offset += LENGTH.size
        stacked = np.frombuffer(body, dtype="<f8", count=6 * m, offset=offset).reshape(6, m)
        offset += 48 * m
        x0, y0, r0, x1, y1, r1 = (np.array(row) for row in stacked)
        bands.append((x0, y0, r0, x1, y1, r1))
    return bands, int(quad_segs), int(cells)


def encode_answer(geometries: Sequence[shapely.Geometry]) -> bytes:
    parts = [OK]
    for wkb in shapely.to_wkb(np.asarray(geometries, dtype=object)).tolist():
        parts += [LENGTH.pack(len(wkb)), wkb]
    return b"".join(parts)


def decode_answer(body: bytes, n: int) -> list[shapely.Geometry]:
    """The `n` polygons of an answer frame's body; OffloadError if the helper failed."""
    if body[:1] != OK:
        raise OffloadError(f"the band helper failed: {body[1:].decode(errors='replace')}")
    offset, wkbs = 1, []
    for _ in range(n):
        (m,) = LENGTH.unpack_from(body, offset)
        wkbs.append(body[offset + LENGTH.size : offset + LENGTH.size + m])
        offset += LENGTH.size + m
    return list(shapely.from_wkb(np.asarray(wkbs, dtype=object)))


class PendingHelperBands:
    """Bands sent to the helper; :meth:`result` reads its answer and frees the helper."""

    def __init__(self, helper: BandHelper, n: int) -> None:
        self._helper = helper
        self._n = n

    def result(self) -> list[shapely.Geometry]:
        helper = self._helper
        try:
            proc = helper.process
            if proc is None or proc.stdout is None:
                raise OffloadError("the band helper stopped")
            deadline = time.monotonic() + helper.timeout_s
            geometries = decode_answer(_read_frame(proc.stdout.fileno(), deadline), self._n)
            helper.answered += 1
            return geometries
        except (OSError, EOFError, TimeoutError, struct.error, shapely.errors.ShapelyError) as e:
            helper.fail(f"{type(e).__name__}: {e}")
            raise OffloadError(str(e)) from e
        except OffloadError as e:  # it answered, so it is still in step: kept
            logger.warning("%s; bands are unioned in the request", e)
            raise
        finally:
            helper.lock.release()


class BandHelper:
    """One helper process of a worker (:class:`~geoservice.core.band_offload.BandOffload`).

    Parameters
    ----------
    min_pieces
        Requests with fewer pieces over their bands union everything themselves.
    timeout_s
        Longest wait for an answer; past it the helper is killed and started again later.
    """

    def __init__(self, min_pieces: int, timeout_s: float) -> None:
        self.min_pieces = min_pieces
        self.timeout_s = timeout_s
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self._ready = False
        self._launched_at = -np.inf
        #: Requests answered, and helpers stopped after a failure (for tests and logs).
        self.answered = 0
        self.failures = 0

    def launch(self) -> None:
        """Start the helper process (it says when it is ready; nothing waits for it)."""
        self._launched_at = time.monotonic()
        self._ready = False
        self.process = subprocess.Popen(
            [sys.executable, "-m", "geoservice.io.band_helper"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        if self.process.stdin is not None:
            os.set_blocking(self.process.stdin.fileno(), False)

    def ready(self) -> bool:
        """Whether the helper said it is ready (and is not busy); starts it again when it
        stopped at least :data:`RESTART_AFTER_S` ago."""
        if not self.lock.acquire(blocking=False):
            return False
        try:
            return self._check_ready()
        finally:
            self.lock.release()

    def _check_ready(self) -> bool:
        proc = self.process
        if proc is None or proc.poll() is not None:
            if proc is not None:
                logger.warning("band helper exited (code %s)", proc.returncode)
                self.close()
            if time.monotonic() - self._launched_at >= RESTART_AFTER_S:
                self.launch()
            return False
        if not self._ready and proc.stdout is not None:
            fd = proc.stdout.fileno()
            expected = LENGTH.pack(len(READY)) + READY  # written at once by the helper
            try:
                if select.select([fd], [], [], 0)[0]:
                    got = _read_exactly(fd, len(expected), time.monotonic() + 1.0)
                    if got != expected:
                        raise OSError(f"no ready frame, got {got!r}")
                    self._ready = True
            except (OSError, EOFError, TimeoutError) as e:
                self.fail(f"while starting: {type(e).__name__}: {e}")
        return self._ready

    def start(self, bands: Sequence[Ends], quad_segs: int, cells: int) -> PendingHelperBands | None:
        """Send `bands` to the helper; None when it is busy, not ready or stopped."""
        if not self.lock.acquire(blocking=False):
            return None
        try:
            if not self._check_ready():
                self.lock.release()
                return None
            proc = self.process
            if proc is None or proc.stdin is None:
                raise OSError("the band helper stopped")
            request = encode_request(bands, quad_segs, cells)
            _write_frame(proc.stdin.fileno(), request, time.monotonic() + self.timeout_s)
        except (OSError, EOFError, TimeoutError, ValueError) as e:
            self.fail(f"{type(e).__name__}: {e}")
            self.lock.release()
            return None
        return PendingHelperBands(self, len(bands))

    def fail(self, why: str) -> None:
        """Stop a helper that failed (started again later by :meth:`start`)."""
        self.failures += 1
        logger.warning("band helper stopped (%s); bands are unioned in the request", why)
        self.close()

    def close(self) -> None:
        """Stop the helper process."""
        proc, self.process, self._ready = self.process, None, False
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdin, proc.stdout) if proc is not None else ():
            if pipe is not None:
                pipe.close()


def serve(source: BinaryIO, sink: BinaryIO) -> int:
    """The helper's loop: answer request frames from `source` on `sink` until it closes."""
    warm_union()
    fd_in, fd_out = source.fileno(), sink.fileno()
    _write_frame(fd_out, READY)
    while True:
        try:
            body = _read_frame(fd_in)
        except EOFError:
            return 0
        try:
            bands, quad_segs, cells = decode_request(body)
            sections = [union_section(e, quad_segs, cells) for e in bands]
            answer = encode_answer(polygons_from_sections(sections))
        except Exception as e:  # reported to the worker, which unions the bands itself
            answer = FAILED + f"{type(e).__name__}: {e}".encode()
        _write_frame(fd_out, answer)


def main() -> int:
    # Ctrl-C in gunicorn's terminal reaches the whole group: the helper ends with its worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    frames = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints go to standard error
    return serve(sys.stdin.buffer, frames)


if __name__ == "__main__":
    sys.exit(main())
