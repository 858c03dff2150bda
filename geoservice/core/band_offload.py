"""Bands unioned beside the request: what a helper promises, and which bands it takes.

A 4-band car isochrone spends most of its time in four independent Clipper2 unions
(:func:`~geoservice.core.band_polygons.culled_union`), and Clipper2 (through ``manifold3d``)
holds the GIL, so threads cannot share them out. A :class:`BandOffload` unions some bands in
another process while the request unions the others (``geoservice/io/band_helper.py`` is the
service's: one helper process per gunicorn worker). The answer never depends on it: a helper
that is busy, not started yet or failed hands its bands back (:exc:`OffloadError`), and they
are unioned in the request, by the same function, to the same polygons.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import shapely

from geoservice.core.band_pieces import Ends


class OffloadError(RuntimeError):
    """The helper could not union the bands it took (they are unioned in the request)."""


class PendingBands(Protocol):
    """Bands being unioned by a helper."""

    def result(self) -> list[shapely.Geometry]:
        """The unions, in the order the bands were given (waits for them).

        Raises
        ------
        OffloadError
            The helper failed or took too long.
        """
        ...


class BandOffload(Protocol):
    """Something that unions bands beside the request (:mod:`geoservice.io.band_helper`)."""

    #: Fewer pieces than this over all the bands of a request: no helper (it would not pay).
    min_pieces: int

    def start(self, bands: Sequence[Ends], quad_segs: int, cells: int) -> PendingBands | None:
        """Start the union of each band (end disks of its pieces) elsewhere, with
        :func:`~geoservice.core.band_polygons.culled_union`'s `quad_segs` and `cells`;
        None when it cannot now (busy with another request, not ready, stopped)."""
        ...


#: The helper's bands count for this share of their pieces in :func:`helper_share`: sending
#: them costs the request less than unioning them (4-band car isochrones from the 12 largest
#: towns, quiet machine: the 60- and 15-min bands away 11.6 ms for the four polygons, the
#: 60-min band alone 14.0 ms, the 60- and 30-min bands 12.9 ms).
HELPER_WEIGHT = 0.8


def helper_share(sizes: Sequence[int]) -> list[int]:
    """Which bands (indices into `sizes`, their piece counts) the helper takes: largest band
    first, each band to the side with less work so far (the helper's pieces weighted by
    :data:`HELPER_WEIGHT`; the helper on ties), so that both finish about together (the
    union's cost grows with the pieces). At least one band stays in the request."""
    order = sorted(range(len(sizes)), key=lambda i: -sizes[i])
    helper, here = 0.0, 0.0
    taken: list[int] = []
    for i in order:
        if helper <= here:
            taken.append(i)
            helper += HELPER_WEIGHT * sizes[i]
        else:
            here += sizes[i]
    if taken and len(taken) == len(sizes):
        taken.pop()
    return sorted(taken)
