"""The contributions API over HTTP, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import shapely.geometry
from flask.testing import FlaskClient

from geoservice.runtime import Runtime
from geoservice.store.auth import add_user
from geoservice.store.db import Store, head_revision, open_store
from geoservice.store.location import Coverage
from geoservice.store.ratelimit import TokenBucketLimiter
from geoservice.web import create_app
from geoservice.web.contributions import STORE_EXTENSION_KEY, ContributionsState

NEVERS = "58194"
#: For rules checked before the database is reached: once is enough.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
USERS = {"contributor": "alice", "other": "bob", "organisation": "mjc", "moderator": "mod"}


@pytest.fixture
def api(runtime: Runtime, store: Store, coverage: Coverage) -> FlaskClient:
    return create_app(runtime=runtime, store=store).test_client()


@pytest.fixture
def auth(store: Store) -> dict[str, dict[str, str]]:
    """Authorization headers per role (``other`` is a second contributor); anonymous: {}."""
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    with store.write() as session:
        for key, name in USERS.items():
            role = "contributor" if key == "other" else key
            headers[key] = {"Authorization": f"Bearer {add_user(session, name, role)[1]}"}
    return headers


def offer_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "event",
        "title": "Concert d'orgue à l'église Saint-Étienne",
        "description": "Bach et Couperin, par l'ensemble de la cathédrale.",
        "themes": ["music", "heritage"],
        "timings": [
            {"begin": "2030-06-21T20:30:00+02:00", "end": "2030-06-21T22:00:00+02:00"},
            {"begin": "2030-06-22T16:00:00", "end": "2030-06-22T17:30:00"},
        ],
        "commune_code": NEVERS,
        "location_name": "Église Saint-Étienne",
        "address": "13 rue Saint-Étienne, 58000 Nevers",
        "accessibility": {"wheelchair": True, "hearing": False},
        "age_min": 6,
        "free": False,
        "price_eur": 12.5,
        "registration": [
            {"type": "email", "value": "contact@example.org"},
            {"type": "link", "value": "https://example.org/billetterie"},
        ],
        "attendance_mode": "on_site",
        "organiser": "Les Amis de l'orgue",
        "url": "https://example.org/concert",
    }
    body.update(changes)
    return body


def props(response: Any) -> dict[str, Any]:
    """A posted-offer Feature response, flattened: its properties plus lon and lat."""
    assert response.status_code < 400, response.get_data(as_text=True)
    feature = response.get_json()
    assert feature["type"] == "Feature"
    assert feature["id"] == feature["properties"]["offer_id"]
    lon, lat = feature["geometry"]["coordinates"]
    return {**feature["properties"], "lon": lon, "lat": lat}


def post(api: FlaskClient, headers: dict[str, str], **changes: Any) -> Any:
    return api.post("/api/v1/offers", json=offer_body(**changes), headers=headers)


def test_post_returns_the_offer_with_a_user_id(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    response = post(api, auth["organisation"])
    assert response.status_code == 201, response.get_json()
    body = props(response)
    assert body["offer_id"].startswith("user:")
    assert response.headers["Location"] == f"/api/v1/offers/{body['offer_id']}"
    assert body["status"] == "published"
    assert body["author"] == "mjc"
    assert body["commune_code"] == NEVERS
    assert body["themes"] == ["heritage", "music"]
    # A time without offset is Europe/Paris local time (CEST in June: UTC+2).
    assert body["timings"][1] == {
        "begin": "2030-06-22T14:00:00+00:00",
        "end": "2030-06-22T15:30:00+00:00",
    }
    again = api.get(f"/api/v1/offers/{body['offer_id']}")
    assert again.status_code == 200
    assert props(again)["title"] == body["title"]


# (actor, action) → expected status. "own" offers are the actor's; "other" ones another
# contributor's (published); "moderate" approves another contributor's pending offer.
MATRIX = {
    "anonymous": {
        "create": 201,
        "edit_other": 401,
        "delete_other": 401,
        "moderate": 401,
        "queue": 401,
    },
    "contributor": {
        "create": 201,
        "edit_own": 200,
        "edit_other": 403,
        "delete_own": 204,
        "delete_other": 403,
        "moderate": 403,
        "queue": 403,
    },
    "organisation": {
        "create": 201,
        "edit_own": 200,
        "edit_other": 403,
        "delete_own": 204,
        "delete_other": 403,
        "moderate": 403,
        "queue": 403,
    },
    "moderator": {
        "create": 201,
        "edit_own": 200,
        "edit_other": 200,
        "delete_own": 204,
        "delete_other": 204,
        "moderate": 200,
        "queue": 200,
    },
}
CASES = [
    (role, action, status) for role, actions in MATRIX.items() for action, status in actions.items()
]


@pytest.mark.parametrize(
    ("role", "action", "expected"), CASES, ids=[f"{r}-{a}" for r, a, _ in CASES]
)
def test_permission_matrix(
    api: FlaskClient, auth: dict[str, dict[str, str]], role: str, action: str, expected: int
) -> None:
    headers = auth[role]
    # Another contributor's offer, published (pending ones are invisible to others: 404).
    other = props(post(api, auth["other"]))["offer_id"]
    approve = {"decision": "approve"}
    api.post(f"/api/v1/offers/{other}/moderation", json=approve, headers=auth["moderator"])
    pending = props(post(api, auth["other"]))["offer_id"]
    if action == "create":
        response = post(api, headers)
    elif action == "edit_own":
        own = props(post(api, headers))["offer_id"]
        response = api.patch(
            f"/api/v1/offers/{own}", json={"title": "Nouveau titre"}, headers=headers
        )
    elif action == "edit_other":
        response = api.patch(
            f"/api/v1/offers/{other}", json={"title": "Nouveau titre"}, headers=headers
        )
    elif action == "delete_own":
        own = props(post(api, headers))["offer_id"]
        response = api.delete(f"/api/v1/offers/{own}", headers=headers)
    elif action == "delete_other":
        response = api.delete(f"/api/v1/offers/{other}", headers=headers)
    elif action == "moderate":
        response = api.post(f"/api/v1/offers/{pending}/moderation", json=approve, headers=headers)
    else:
        response = api.get("/api/v1/moderation/queue", headers=headers)
    assert response.status_code == expected, response.get_data(as_text=True)
    if expected >= 400:
        assert response.mimetype == "application/problem+json"
        if expected == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        # Nothing changed on the other's offer.
        mod = auth["moderator"]
        assert (
            props(api.get(f"/api/v1/offers/{other}", headers=mod))["title"] == offer_body()["title"]
        )
    if action == "create":
        status = props(response)["status"]
        assert status == ("pending" if role in {"anonymous", "contributor"} else "published")


def test_moderation_flow(api: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    offer_id = props(post(api, auth["contributor"]))["offer_id"]
    # Pending: invisible to others, listed in the moderation queue.
    assert api.get(f"/api/v1/offers/{offer_id}").status_code == 404
    assert api.get(f"/api/v1/offers/{offer_id}", headers=auth["other"]).status_code == 404
    assert api.get(f"/api/v1/offers/{offer_id}", headers=auth["contributor"]).status_code == 200
    queue = api.get("/api/v1/moderation/queue", headers=auth["moderator"]).get_json()
    assert (queue["type"], queue["total"]) == ("FeatureCollection", 1)
    assert [f["id"] for f in queue["features"]] == [offer_id]
    moderation = f"/api/v1/offers/{offer_id}/moderation"
    # Rejecting needs a reason.
    response = api.post(moderation, json={"decision": "reject"}, headers=auth["moderator"])
    assert response.status_code == 400
    assert response.get_json()["invalid_params"][0]["name"] == "reason"
    response = api.post(
        moderation, json={"decision": "reject", "reason": "Pas de date"}, headers=auth["moderator"]
    )
    assert props(response)["status"] == "rejected"
    # Approving a draft-less rejected offer is allowed; approving twice conflicts.
    response = api.post(moderation, json={"decision": "approve"}, headers=auth["moderator"])
    assert props(response)["status"] == "published"
    again = api.post(moderation, json={"decision": "approve"}, headers=auth["moderator"])
    assert again.status_code == 409
    assert api.get(f"/api/v1/offers/{offer_id}").status_code == 200
    # The contributor edits the published offer: back to moderation.
    edited = api.patch(
        f"/api/v1/offers/{offer_id}", json={"price_eur": 10}, headers=auth["contributor"]
    )
    assert props(edited)["status"] == "pending"
    history = api.get(moderation, headers=auth["contributor"]).get_json()
    assert [(h["actor"], h["from_status"], h["to_status"], h["reason"]) for h in history] == [
        ("alice", None, "pending", None),
        ("mod", "pending", "rejected", "Pas de date"),
        ("mod", "rejected", "published", None),
        ("alice", "published", "pending", None),
    ]
    assert api.get(moderation, headers=auth["other"]).status_code == 404  # pending again: hidden


@SQLITE_ONLY
def test_unknown_token_is_401(api: FlaskClient) -> None:
    for header in ("Bearer gs_nope", "Basic abc", "Bearer "):
        response = post(api, {"Authorization": header})
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"


def _invalid_names(response: Any) -> set[str]:
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return {p["name"] for p in response.get_json()["invalid_params"]}


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "concert"}, "kind"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": 42}, "description"),
        (
            {
                "timings": [
                    {"begin": "2030-06-21T22:00:00+02:00", "end": "2030-06-21T20:00:00+02:00"}
                ]
            },
            "timings.0.end",
        ),
        ({"timings": [{"begin": "demain", "end": "2030-06-21T20:00:00+02:00"}]}, "timings.0.begin"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"image_url": "ftp://example.org/a.png"}, "image_url"),
        ({"online_url": "file:///etc/passwd"}, "online_url"),
        ({"age_min": 12, "age_max": 6}, "age_max"),
        ({"age_min": -1}, "age_min"),
        ({"free": True, "price_eur": 5}, "price_eur"),
        ({"attendance_mode": "online"}, "online_url"),
        ({"accessibility": {"wheelchair": "peut-être"}}, "accessibility.wheelchair"),
        ({"registration": [{"type": "email", "value": "pas-un-mail"}]}, "registration.0.value"),
        ({"registration": [{"type": "link", "value": "javascript:x"}]}, "registration.0.value"),
        ({"registration": [{"type": "phone", "value": "call me"}]}, "registration.0.value"),
        ({"commune_code": "75056x"}, "commune_code"),
        ({"commune_code": "99999"}, "commune_code"),
        ({"themes": ["cooking"]}, "themes"),
        ({"lon": 3.16}, "lat"),
        ({"lat": "north", "lon": 3.1}, "lat"),
        ({"status": "published-now"}, "status"),
        ({"secret_field": 1}, "secret_field"),
    ],
)
def test_every_bad_field_is_named(
    api: FlaskClient, auth: dict[str, dict[str, str]], changes: dict[str, Any], field: str
) -> None:
    assert field in _invalid_names(post(api, auth["contributor"], **changes))


@SQLITE_ONLY
def test_several_bad_fields_are_all_named(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    body = {"title": "", "kind": "x", "url": "javascript:1", "age_min": "old"}
    response = api.post("/api/v1/offers", json=body, headers=auth["contributor"])
    assert {"title", "kind", "url", "age_min"} <= _invalid_names(response)


@SQLITE_ONLY
def test_a_location_is_required(api: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    body = offer_body()
    del body["commune_code"]
    response = api.post("/api/v1/offers", json=body, headers=auth["contributor"])
    assert "location" in _invalid_names(response)


@SQLITE_ONLY
def test_point_outside_the_nievre_is_refused(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    body = offer_body(lon=2.3522, lat=48.8566)  # Paris
    del body["commune_code"]
    response = api.post("/api/v1/offers", json=body, headers=auth["contributor"])
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["invalid_params"][0]["name"] == "location"
    assert problem["distance_m"] > 100_000


def test_point_is_placed_in_its_commune(api: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    body = offer_body(lon=3.1590, lat=46.9900)  # in Nevers
    del body["commune_code"]
    response = api.post("/api/v1/offers", json=body, headers=auth["organisation"])
    assert response.status_code == 201
    assert props(response)["commune_code"] == NEVERS
    assert props(response)["located_by"] == "point"
    # A commune code given with the point must be the point's commune.
    mismatch = post(api, auth["organisation"], lon=3.1590, lat=46.9900, commune_code="58086")
    assert "commune_code" in _invalid_names(mismatch)


def test_commune_code_alone_gives_a_point_inside_the_commune(
    api: FlaskClient, auth: dict[str, dict[str, str]], coverage: Coverage
) -> None:
    body = props(post(api, auth["organisation"]))
    assert body["located_by"] == "commune"
    commune = coverage.communes[coverage.communes["code"] == NEVERS].to_crs(4326).geometry.iloc[0]
    assert commune.contains(shapely.geometry.Point(body["lon"], body["lat"]))


def test_commune_code_alone_places_the_offer_at_the_town_hall(
    api: FlaskClient, auth: dict[str, dict[str, str]], runtime: Runtime
) -> None:
    """The same origin as every commune answer: the published town-hall point of the commune
    (data/territory), not a point computed from its outline."""
    communes = runtime.communes.set_index("code")
    assert communes.loc[NEVERS, "origin_source"] == "town_hall"
    body = props(post(api, auth["organisation"]))
    assert body["located_by"] == "commune"
    assert body["lon"] == pytest.approx(float(communes.loc[NEVERS, "origin_lon"]), abs=1e-6)
    assert body["lat"] == pytest.approx(float(communes.loc[NEVERS, "origin_lat"]), abs=1e-6)
    outline_point = communes.loc[[NEVERS]].to_crs(2154).representative_point().to_crs(4326)
    assert abs(body["lon"] - float(outline_point.x.iloc[0])) > 1e-4  # not the outline's point


@SQLITE_ONLY
def test_oversize_body_is_413(api: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    response = post(api, auth["contributor"], description="x" * 1_100_000)
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


@SQLITE_ONLY
def test_malformed_json_is_400(api: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    response = api.post(
        "/api/v1/offers",
        data="{not json",
        headers={**auth["contributor"], "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


@SQLITE_ONLY
def test_anonymous_posts_are_rate_limited_per_client(api: FlaskClient) -> None:
    clock = [1000.0]
    state: ContributionsState = api.application.extensions[STORE_EXTENSION_KEY]
    limiter = TokenBucketLimiter(burst=2, per_hour=60, clock=lambda: clock[0])
    api.application.extensions[STORE_EXTENSION_KEY] = replace(state, limiter=limiter)
    here = {"REMOTE_ADDR": "192.0.2.1"}
    for _ in range(2):
        response = api.post("/api/v1/offers", json=offer_body(), environ_base=here)
        assert response.status_code == 201
        assert props(response)["status"] == "pending"
    refused = api.post("/api/v1/offers", json=offer_body(), environ_base=here)
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.headers["Retry-After"] == "60"  # one token a minute
    # Another client is not affected; the first one may post again a minute later.
    other = api.post("/api/v1/offers", json=offer_body(), environ_base={"REMOTE_ADDR": "192.0.2.2"})
    assert other.status_code == 201
    clock[0] += 60
    assert api.post("/api/v1/offers", json=offer_body(), environ_base=here).status_code == 201


def test_text_is_stored_as_given(api: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    title = '<script>alert("x")</script> & « Noël »'
    body = props(post(api, auth["organisation"], title=title))
    assert props(api.get(f"/api/v1/offers/{body['offer_id']}"))["title"] == title


def test_exports_parse_back(api: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    published = props(post(api, auth["organisation"], title='=HYPERLINK("http://evil")'))
    post(api, auth["contributor"], title="En attente")  # pending: never exported
    venue = props(post(api, auth["organisation"], kind="venue", title="Médiathèque", timings=[]))

    geojson = api.get("/api/v1/offers/export.geojson")
    assert geojson.status_code == 200
    assert geojson.mimetype == "application/geo+json"
    collection = json.loads(geojson.get_data(as_text=True))
    assert [f["id"] for f in collection["features"]] == [published["offer_id"], venue["offer_id"]]
    point = shapely.geometry.shape(collection["features"][0]["geometry"])
    assert (point.x, point.y) == (published["lon"], published["lat"])

    exported = api.get("/api/v1/offers/export.csv")
    assert exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert list(rows[0])[:3] == ["offer_id", "kind", "title"]
    assert [r["offer_id"] for r in rows] == [published["offer_id"], venue["offer_id"]]
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil")'  # never a live formula
    assert rows[0]["themes"] == "heritage;music"

    feed = api.get("/api/v1/events.ics")
    assert feed.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(feed.get_data())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 2  # two timings of the one published event; the venue has none
    assert {str(e["UID"]) for e in events} == {
        f"{published['offer_id']}-0@localhost",
        f"{published['offer_id']}-1@localhost",
    }
    assert str(events[0]["SUMMARY"]) == published["title"]
    assert events[0].decoded("DTSTART").isoformat() == "2030-06-21T18:30:00+00:00"

    # A cancelled event stays in the feed, marked cancelled, so calendars learn of it.
    api.patch(
        f"/api/v1/offers/{published['offer_id']}",
        json={"status": "cancelled"},
        headers=auth["organisation"],
    )
    calendar = icalendar.Calendar.from_ical(api.get("/api/v1/events.ics").get_data())
    assert {str(e["STATUS"]) for e in calendar.walk("VEVENT")} == {"CANCELLED"}


def test_posts_survive_an_app_restart(
    runtime: Runtime, database_url: str, coverage: Coverage
) -> None:
    first_store = open_store(database_url)
    with first_store.write() as session:
        token = add_user(session, "mjc", "organisation")[1]
    app = create_app(runtime=runtime, store=first_store)
    offer_id = props(post(app.test_client(), {"Authorization": f"Bearer {token}"}))["offer_id"]
    first_store.dispose()

    second_store = open_store(database_url)  # new engine, new app, same database
    try:
        restarted = create_app(runtime=runtime, store=second_store)
        response = restarted.test_client().get(f"/api/v1/offers/{offer_id}")
        assert response.status_code == 200
        assert props(response)["title"] == offer_body()["title"]
    finally:
        second_store.dispose()


@SQLITE_ONLY
def test_openapi_documents_the_contributions(api: FlaskClient) -> None:
    paths = api.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"post"} <= set(paths["/api/v1/offers"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/offers/user:{number}"])
    for path in (
        "/api/v1/offers/user:{number}/moderation",
        "/api/v1/moderation/queue",
        "/api/v1/events.ics",
    ):
        assert path in paths


def _search(api: FlaskClient, query: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/offers?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def test_published_posts_are_searched_with_open_data(
    api: FlaskClient, auth: dict[str, dict[str, str]], runtime: Runtime
) -> None:
    open_data = len(runtime.offers)
    posted = props(post(api, auth["organisation"]))["offer_id"]
    post(api, auth["contributor"], title="Orgue en attente")  # pending: never searched
    everything = _search(api, "limit=500")
    assert everything["total"] == open_data + 1
    feature = next(f for f in everything["features"] if f["id"] == posted)
    assert feature["properties"]["category"] == "event"
    assert feature["properties"]["source"] == "contribution"
    assert feature["properties"]["name"] == offer_body()["title"]
    assert feature["properties"]["period"] == "2030-06-21 → 2030-06-22"

    def ids(query: str) -> list[str]:
        return [f["id"] for f in _search(api, query + "&limit=500")["features"]]

    assert ids("category=event") == [posted]
    assert posted not in ids("category=museum")
    assert posted in ids("q=orgue")
    assert posted in ids("q=EGLISE saint")
    assert posted in ids("theme=music&commune=58194")
    assert posted not in ids("commune=58086")
    assert posted in ids("bbox=3.1,46.95,3.2,47.02")
    assert ids("when=upcoming") == [posted]
    assert ids("when=past") == []
    # Open data has yearly seasons, not timings: "current" keeps what is open today.
    today = datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()
    assert ids("when=current") == ids(f"date_from={today}&date_to={today}")
    assert posted not in ids("when=current")
    assert ids("category=event&date_from=2030-06-22&date_to=2030-06-22") == [posted]
    assert posted in ids("date_from=2030-06-22&date_to=2030-06-22")  # with the venues
    assert ids("category=event&date_from=2030-06-23") == []
    assert ids("category=event&date_to=2030-06-20") == []


def test_paging_covers_both_sources_once(
    api: FlaskClient, auth: dict[str, dict[str, str]], runtime: Runtime
) -> None:
    posted = sorted(
        props(post(api, auth["organisation"], title=f"Atelier {n}"))["offer_id"] for n in range(3)
    )
    total = len(runtime.offers) + 3
    seen: list[str] = []
    for offset in range(0, total + 40, 40):
        page = _search(api, f"limit=40&offset={offset}")
        assert page["total"] == total
        seen += [f["id"] for f in page["features"]]
    assert len(seen) == total
    assert seen == sorted(set(seen))
    assert seen[-3:] == posted  # "user:" sorts after the open-data sources


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("when=soon", "when"),
        ("date_from=tomorrow", "date_from"),
        ("date_from=2030-02-02&date_to=2030-02-01", "date_to"),
    ],
)
def test_bad_date_filters_are_named(api: FlaskClient, query: str, param: str) -> None:
    response = api.get(f"/api/v1/offers?{query}")
    assert param in _invalid_names(response)


def test_open_data_and_posted_ids_do_not_clash(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    posted = props(post(api, auth["organisation"]))["offer_id"]
    assert api.get(f"/api/v1/offers/{posted}").get_json()["properties"]["source"] == "contribution"
    assert api.get("/api/v1/offers/cnc:723200").get_json()["properties"]["source"] != "contribution"
    assert (
        api.patch(
            "/api/v1/offers/cnc:723200", json={"title": "x"}, headers=auth["moderator"]
        ).status_code
        == 405
    )
    assert api.get("/api/v1/offers/user:999999").status_code == 404


def test_health_reports_the_offers_database(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    post(api, auth["organisation"])
    post(api, auth["contributor"])
    store = api.get("/health").get_json()["store"]
    assert store["status"] == "ok"
    assert store["revision"] == head_revision()
    assert store["offers_by_status"] == {"pending": 1, "published": 1}


def test_posted_offers_take_part_in_the_travel_time_filter(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    near = props(post(api, auth["organisation"], title="Près de la gare"))["offer_id"]  # Nevers
    far = props(post(api, auth["organisation"], title="Au Morvan", commune_code="58062"))
    found = _search(api, "within_minutes=10&near=3.159,46.99&mode=drive&limit=500")
    by_id = {f["id"]: f["properties"]["travel_time_s"] for f in found["features"]}
    assert near in by_id
    assert 0 <= by_id[near] <= 600
    assert far["offer_id"] not in by_id  # Château-Chinon is about an hour's drive away
    times = [f["properties"]["travel_time_s"] for f in found["features"]]
    assert times == sorted(times)
    assert found["total"] == len(found["features"])
    wider = _search(api, "within_minutes=120&near=3.159,46.99&mode=drive&limit=500")
    assert far["offer_id"] in {f["id"] for f in wider["features"]}


def test_posted_offers_are_ranked_by_the_reachable_endpoint(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    posted = props(post(api, auth["organisation"]))["offer_id"]  # Nevers, music, June 2030
    props(post(api, auth["contributor"]))  # pending: never ranked
    base = "/api/v1/reachable?lon=3.159&lat=46.99&mode=drive&max_minutes=15&limit=200"
    everything = api.get(base).get_json()
    ranked = [f["id"] for f in everything["features"]]
    assert posted in ranked
    times = [f["properties"]["travel_time_s"] for f in everything["features"]]
    assert times == sorted(times)
    assert everything["total"] == len(ranked)
    events = api.get(base + "&category=event").get_json()
    assert [f["id"] for f in events["features"]] == [posted]
    assert events["features"][0]["properties"]["travel_time_s"] < 15 * 60
    later = api.get(base + "&category=event&date_from=2030-07-01").get_json()
    assert later["features"] == []
