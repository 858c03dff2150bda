"""Parser fuzzing: malformed files and request values give a GeoserviceError (or a 4xx
problem naming the field), never another exception type, a 500 or a hang.

Derandomized and bounded (``max_examples``, pytest-timeout) so the module runs in seconds.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import hypothesis
import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from geoservice.errors import GeoserviceError
from geoservice.io.gtfs import read_gtfs_zip, seconds_from_gtfs_time
from geoservice.io.osm import graph_from_osm_file
from geoservice.io.travelmapping import parse_wpt

FUZZ = hypothesis.settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

GTFS_HEADER = {
    "agency": "agency_id,agency_name,agency_url,agency_timezone\nA,TER,https://x.fr,Europe/Paris\n",
    "stops": "stop_id,stop_name,stop_lat,stop_lon\nS1,Nevers,46.98,3.15\nS2,Decize,46.83,3.46\n",
    "routes": "route_id,agency_id,route_short_name,route_type\nR1,A,TER,2\n",
    "trips": "route_id,service_id,trip_id\nR1,W,T1\n",
    "stop_times": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T1,08:00:00,08:00:00,S1,1\nT1,08:30:00,08:30:00,S2,2\n"
    ),
    "calendar": (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "W,1,1,1,1,1,0,0,20250122,20250422\n"
    ),
}

#: Text with CSV-significant characters, quotes, BOMs and control characters.
csv_text = st.text(
    alphabet=st.sampled_from(list(',"\n\r\t;:. 0123456789abRST-\ufeff\x00é')),
    max_size=200,
)


def _zip(tables: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, raw in tables.items():
            zf.writestr(f"{name}.txt", raw)
    return buffer.getvalue()


def _expect_clean(call, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    try:
        call(*args, **kwargs)
    except GeoserviceError as e:
        message = str(e)
    else:
        return
    if not message.strip():
        raise AssertionError("the error must say what is wrong")


# --- GTFS -------------------------------------------------------------------------------


def test_the_reference_gtfs_feed_reads(tmp_path: Path) -> None:
    path = tmp_path / "feed.zip"
    path.write_bytes(_zip({k: v.encode() for k, v in GTFS_HEADER.items()}))
    tables = read_gtfs_zip(path, "fuzz")
    assert len(tables["stop_times"]) == 2


@FUZZ
@given(
    table=st.sampled_from(sorted(GTFS_HEADER)),
    content=st.one_of(csv_text.map(str.encode), st.binary(max_size=120)),
    keep_header=st.booleans(),
)
def test_a_malformed_gtfs_table_is_a_clean_error(
    tmp_path: Path, table: str, content: bytes, keep_header: bool
) -> None:
    tables = {k: v.encode() for k, v in GTFS_HEADER.items()}
    header = GTFS_HEADER[table].splitlines()[0].encode() + b"\n"
    tables[table] = (header if keep_header else b"") + content
    path = tmp_path / "feed.zip"
    path.write_bytes(_zip(tables))
    _expect_clean(read_gtfs_zip, path, "fuzz")


@FUZZ
@given(raw=st.binary(max_size=300))
def test_a_non_zip_gtfs_is_a_clean_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "feed.zip"
    path.write_bytes(raw)
    _expect_clean(read_gtfs_zip, path, "fuzz")


@FUZZ
@given(text=st.text(max_size=20))
def test_gtfs_times(text: str) -> None:
    _expect_clean(seconds_from_gtfs_time, text)


# --- OSM XML ----------------------------------------------------------------------------

OSM_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'
    '<node id="1" lat="46.99" lon="3.15"/><node id="2" lat="46.995" lon="3.16"/>\n'
    '<way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="secondary"/></way>\n</osm>\n'
)


@FUZZ
@given(
    cut=st.integers(min_value=0, max_value=len(OSM_XML)),
    insert=st.text(alphabet=st.sampled_from(list("<>/=\"'& abc\x00é")), max_size=15),
)
def test_a_malformed_osm_file_is_a_clean_error(tmp_path: Path, cut: int, insert: str) -> None:
    path = tmp_path / "map.osm"
    path.write_text(OSM_XML[:cut] + insert + OSM_XML[cut:], encoding="utf-8")
    _expect_clean(graph_from_osm_file, path, network_type="drive")


@FUZZ
@given(raw=st.binary(max_size=200))
def test_a_garbage_pbf_file_is_a_clean_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "map.osm.pbf"
    path.write_bytes(raw)
    _expect_clean(graph_from_osm_file, path, network_type="drive")


# --- Travel Mapping .wpt ----------------------------------------------------------------

wpt_line = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda label, lat, lon: f"{label} http://www.openstreetmap.org/?lat={lat}&lon={lon}",
        st.text(alphabet="ABCD0123_/", min_size=1, max_size=8),
        st.text(alphabet="-0123456789.e", max_size=10),
        st.text(alphabet="-0123456789.e", max_size=10),
    ),
)


@FUZZ
@given(lines=st.lists(wpt_line, max_size=5))
def test_malformed_wpt_lines_are_clean_errors(lines: list[str]) -> None:
    _expect_clean(parse_wpt, "\n".join(lines))


# --- request bodies and query strings ---------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
isochrone_body = st.fixed_dictionaries(
    {},
    optional={
        "locations": json_values,
        "range": json_values,
        "interval": json_values,
        "profile": json_values,
        "mode": json_values,
        "attributes": json_values,
        "area_units": json_values,
    },
)


def _assert_no_server_error(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["detail"]


@FUZZ
@given(body=st.one_of(isochrone_body, json_values))
@pytest.mark.parametrize("url", ["/api/v1/isochrones", "/ors/v2/isochrones/driving-car"])
def test_json_bodies(client: FlaskClient, url: str, body: object) -> None:
    _assert_no_server_error(client.post(url, json=body))


@FUZZ
@given(raw=st.binary(max_size=80))
def test_raw_bodies_that_are_not_json(client: FlaskClient, raw: bytes) -> None:
    response = client.post(
        "/api/v1/isochrones", data=raw, headers={"Content-Type": "application/json"}
    )
    _assert_no_server_error(response)


#: Free-text query values: numbers, separators, ISO-like dates, huge and non-finite numbers.
query_value = st.one_of(
    st.text(max_size=25),
    st.text(alphabet="0123456789,.-+eE:TZ ", max_size=25),
    st.sampled_from(["nan", "inf", "-inf", "1e309", "9999-12-31T25:61", "0000-01-01", ""]),
)


@FUZZ
@given(
    url=st.sampled_from(
        [
            "/api/v1/isochrones",
            "/api/v1/offers",
            "/api/v1/reachable",
            "/api/v1/reachable/nearest",
            "/api/v1/transit/earliest",
            "/api/v1/transit/isochrones",
            "/api/v1/accessibility",
            "/api/v1/underserved",
        ]
    ),
    params=st.dictionaries(
        st.sampled_from(
            ["lon", "lat", "bbox", "minutes", "max_minutes", "mode", "departure", "date_from",
             "date_to", "near", "within_minutes", "limit", "offset", "theme", "arrive_by"]
        ),
        query_value,
        max_size=5,
    ),
)  # fmt: skip
def test_query_strings(client: FlaskClient, url: str, params: dict[str, str]) -> None:
    base = {"lon": "3.1586", "lat": "46.991"} if "lon" not in params else {}
    _assert_no_server_error(client.get(url, query_string={**base, **params}))


def test_a_gtfs_table_in_another_encoding_is_a_data_error(tmp_path: Path) -> None:
    """Regression (fuzzing): Latin-1 bytes in stops.txt raised UnicodeDecodeError."""
    from geoservice.errors import DataError

    tables = {k: v.encode() for k, v in GTFS_HEADER.items()}
    tables["stops"] = GTFS_HEADER["stops"].replace("Nevers", "Nièvre").encode("latin-1")
    path = tmp_path / "feed.zip"
    path.write_bytes(_zip(tables))
    with pytest.raises(DataError, match=r"stops\.txt is not a UTF-8 CSV table"):
        read_gtfs_zip(path, "fuzz")
