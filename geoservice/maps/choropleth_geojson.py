"""A classified choropleth as a GeoJSON FeatureCollection (EPSG:4326) with its legend."""

from __future__ import annotations

import json
import math
from typing import Any

from geoservice.maps.choropleth import DEFAULT_LEGEND_TITLE, ChoroplethFrame
from geoservice.maps.page import MapTexts


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def choropleth_to_geojson(cf: ChoroplethFrame, texts: MapTexts | None = None) -> dict[str, Any]:
    """The GeoJSON of a classified frame, with its legend and texts.

    Parameters
    ----------
    cf
        The classified zones (:func:`~geoservice.maps.choropleth.classify_frame`).
    texts
        ``title``, ``subtitle`` and ``note`` are stored under those keys when given (what the
        PNG prints: the origin points, the network's limits); ``attribution`` always;
        ``legend_title`` as ``legend.title``. Default: no title, the default attribution.

    Returns
    -------
    dict
        ``{"type": "FeatureCollection", "features": [...], "legend": {...},
        "attribution": ...}``. Each feature keeps the input columns and gets
        ``value_minutes``, ``class``, ``class_label``, ``color``, ``underserved``. The legend
        has ``title``, ``unit`` (``"min"``), ``scheme``, ``threshold_minutes`` and
        ``classes`` (see :attr:`ChoroplethFrame.legend`).
    """
    texts = texts or MapTexts()
    frame = cf.frame.copy()
    frame["value_minutes"] = frame["value_minutes"].round(2)
    # to_json turns NaN into null and numpy scalars into JSON numbers.
    collection: dict[str, Any] = json.loads(frame.to_json(na="null", drop_id=True))
    for feature in collection["features"]:
        props = feature["properties"]
        feature["properties"] = {key: _jsonable(v) for key, v in props.items()}
    collection.pop("bbox", None)
    for key, text in (("title", texts.title), ("subtitle", texts.subtitle), ("note", texts.note)):
        if text is not None:
            collection[key] = text
    collection["legend"] = {
        "title": texts.legend_title or DEFAULT_LEGEND_TITLE,
        "unit": "min",
        "scheme": cf.classification.scheme,
        "threshold_minutes": cf.threshold_minutes,
        "classes": cf.legend,
    }
    collection["attribution"] = texts.attribution
    return collection
