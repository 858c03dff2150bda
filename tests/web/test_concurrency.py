"""Concurrent requests on one app, as a threaded server (``geoservice serve``) sends them.

The runtime's data are shared by every thread of a worker. Native libraries that release the
GIL must not be used concurrently where they are not thread-safe: the node R-tree
(libspatialindex) was, and concurrent snapping corrupted the heap (a wrong answer now, a crash
later). Each request here is answered once alone, then many times from 8 threads at once, and
every concurrent answer must equal the one given alone.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask

#: Point origins (lon, lat) across the département: each request snaps to the road network.
POINTS = [(3.1597, 46.9896), (3.5306, 47.4606), (3.9040, 47.0640), (3.0650, 47.1640)]


def _urls() -> list[str]:
    urls = []
    for lon, lat in POINTS:
        for mode in ("drive", "bike", "walk"):
            urls.append(
                f"/api/v1/reachable?lon={lon}&lat={lat}&mode={mode}&max_minutes=45&limit=20"
            )
        urls.append(f"/api/v1/isochrones?lon={lon}&lat={lat}&minutes=10,20&mode=drive")
        urls.append(f"/api/v1/transit/earliest?lon={lon}&lat={lat}&departure=2025-02-04T08:00")
    lon, lat = POINTS[0]
    urls += [
        f"/api/v1/isochrones?lon={lon}&lat={lat}&minutes=30&mode=transit"
        "&departure=2025-02-04T08:00",
        "/api/v1/suggestions?category=cinema&mode=transit&threshold_minutes=45&k=2",
        "/api/v1/accessibility?theme=books&mode=bike&level=epci",
        "/api/v1/offers?category=cinema&limit=20",
    ]
    return urls


def _answer(app: Flask, url: str) -> tuple[int, Any]:
    with app.test_client() as client:
        response = client.get(url)
        body = response.get_json()
        body.get("metadata", {}).pop("timestamp", None)  # when it was computed (isochrones)
        return response.status_code, body


def test_concurrent_requests_get_the_answers_given_alone(app: Flask) -> None:
    urls = _urls()
    alone = {url: _answer(app, url) for url in urls}
    assert all(status == 200 for status, _ in alone.values()), alone
    mismatches: list[str] = []
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for i in range(3 * len(urls)):
                url = urls[(offset + i) % len(urls)]
                if _answer(app, url) != alone[url]:
                    mismatches.append(url)
        except BaseException as e:  # reported below, with the thread's failure
            errors.append(e)

    threads = [threading.Thread(target=work, args=(w * 5,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors
    assert not mismatches, sorted(set(mismatches))
