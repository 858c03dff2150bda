"""Which OSM ways make a network: osmnx's Overpass way filters applied to local data.

A local file is filtered by the same way filter osmnx sends to Overpass for the requested
``network_type`` (see ``docs/osm-networks.md``), so a file and a download of the same area
give the same graph.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from osmnx import _overpass

from geoservice.errors import DataError, InvalidParameterError

#: The network types a graph can be built for. Each uses osmnx's Overpass way filter of
#: the same name (``osmnx._overpass._get_network_filter``); ``walk`` ignores one-way tags.
NETWORK_TYPES = ("drive", "bike", "walk", "all")

# One clause of an Overpass way filter: ["key"] or ["key"!~"regex"] / ["key"~"regex"].
_CLAUSE = re.compile(r'\["(?P<key>[^"]+)"(?:(?P<op>!?~|!?=)"(?P<value>[^"]*)")?\]')


def check_network_type(network_type: str) -> str:
    """Return `network_type` if it is one of :data:`NETWORK_TYPES`, else raise.

    Raises
    ------
    InvalidParameterError
        Naming the bad value and the allowed ones.
    """
    if network_type not in NETWORK_TYPES:
        msg = f"unknown network type {network_type!r}"
        raise InvalidParameterError("network_type", msg, allowed=NETWORK_TYPES)
    return network_type


def way_filter_clauses(network_type: str) -> list[tuple[str, str, str]]:
    """The Overpass way filter osmnx uses for `network_type`, as ``(key, op, value)`` clauses.

    ``op`` is ``""`` (the key must exist), ``"~"`` / ``"!~"`` (the value must / must not
    match the regular expression, unanchored, as Overpass does), ``"="`` or ``"!="``.
    """
    text = _overpass._get_network_filter(check_network_type(network_type))
    clauses = [(m["key"], m["op"] or "", m["value"] or "") for m in _CLAUSE.finditer(text)]
    if "".join(m.group(0) for m in _CLAUSE.finditer(text)) != text:  # pragma: no cover
        # an osmnx upgrade changed the filter syntax: refuse rather than filter wrongly
        raise DataError(f"cannot parse osmnx's {network_type!r} way filter: {text}")
    return clauses


def way_matches(tags: Mapping[str, str], clauses: Iterable[tuple[str, str, str]]) -> bool:
    """Whether a way with `tags` passes every clause, with Overpass's semantics.

    A negated clause (``!~``, ``!=``) passes when the key is absent.
    """
    for key, op, value in clauses:
        present = key in tags
        if op == "":
            ok = present
        elif op == "~":
            ok = present and re.search(value, tags[key]) is not None
        elif op == "!~":
            ok = not present or re.search(value, tags[key]) is None
        elif op == "=":
            ok = present and tags[key] == value
        else:  # "!="
            ok = not present or tags[key] != value
        if not ok:
            return False
    return True


def filter_overpass_json(response_json: Mapping[str, Any], network_type: str) -> dict[str, Any]:
    """Keep the ways of `network_type` and the nodes they use, as Overpass would answer.

    Parameters
    ----------
    response_json
        Overpass-style JSON: ``{"elements": [...]}`` with ``node`` elements (``id``,
        ``lat``, ``lon``, optional ``tags``) and ``way`` elements (``id``, ``nodes``,
        optional ``tags``); other elements are dropped.
    network_type
        One of :data:`NETWORK_TYPES`.
    """
    clauses = way_filter_clauses(network_type)
    elements = response_json.get("elements", [])
    ways = [e for e in elements if e["type"] == "way" and way_matches(e.get("tags", {}), clauses)]
    present = {e["id"] for e in elements if e["type"] == "node"}
    ways, cut = complete_ways(ways, present)
    if cut:
        msg = (
            f"{cut} OSM way(s) use nodes absent from the data (an extract cut at its border?): "
            "each keeps its longest stretch of present nodes, or is dropped; use an extract "
            "made with complete ways (osmium extract --strategy complete_ways) to avoid this"
        )
        warnings.warn(msg, UserWarning, stacklevel=2)
    used = {ref for w in ways for ref in w["nodes"]}
    nodes = [e for e in elements if e["type"] == "node" and e["id"] in used]
    return {"elements": nodes + ways}


def complete_ways(
    ways: Iterable[dict[str, Any]], present: set[int]
) -> tuple[list[dict[str, Any]], int]:
    """Ways cut to their longest run of `present` nodes (dropped below 2), and how many were cut.

    osmnx needs the coordinates of every node of a way; a stretch with a missing node cannot
    be measured, so it is left out rather than bridged by a straight line.
    """
    kept: list[dict[str, Any]] = []
    cut = 0
    for way in ways:
        refs = way["nodes"]
        if all(r in present for r in refs):
            kept.append(way)
            continue
        cut += 1
        best: list[int] = []
        run: list[int] = []
        for r in [*refs, None]:  # None closes the last run
            if r is not None and r in present:
                run.append(r)
                continue
            if len(run) > len(best):
                best = run
            run = []
        if len(best) >= 2:
            kept.append({**way, "nodes": best})
    return kept, cut
