"""Maps speak French by default, English with ``lang=en`` (issue #17): titles, subtitles,
notes, legend titles, mode and category names; never "en vélo", "en à pied" or "(s)"."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from geoservice.maps.map_language import MODE_PHRASES, category_name, mode_phrase

BAD_FRENCH = re.compile(r"en à pied|en vélo|en pied|\(s\)|: cinema\b|Mode : ")


def _texts(collection: dict[str, object]) -> str:
    legend = collection.get("legend") or {}
    parts = [collection.get("title"), collection.get("subtitle"), collection.get("note")]
    parts.append(legend.get("title") if isinstance(legend, dict) else None)
    return "\n".join(str(p) for p in parts if p)


@pytest.mark.parametrize("mode", ["drive", "bike", "walk"])
def test_accessibility_map_texts_are_french_by_default(client: FlaskClient, mode: str) -> None:
    response = client.get(f"/api/v1/maps/accessibility.geojson?category=cinema&mode={mode}")
    assert response.status_code == 200
    collection = response.get_json()
    assert collection["title"] == "Temps jusqu'à l'offre la plus proche : cinémas"
    assert collection["subtitle"] == f"Depuis chaque commune, {MODE_PHRASES['fr'][mode]}"
    text = _texts(collection)
    assert "Départ : point représentatif de chaque commune." in text
    assert not BAD_FRENCH.search(text), text


def test_accessibility_map_texts_in_english(client: FlaskClient) -> None:
    response = client.get("/api/v1/maps/accessibility.geojson?category=cinema&mode=bike&lang=en")
    collection = response.get_json()
    assert collection["title"] == "Time to the nearest offer: cinemas"
    assert collection["subtitle"] == "From each commune, by bike"
    assert collection["legend"]["title"] == "Access time (minutes)"


def test_the_png_and_html_maps_follow_the_language(client: FlaskClient) -> None:
    base = "/api/v1/maps/accessibility.{fmt}?category=library&mode=walk"
    html_fr = client.get(base.format(fmt="html")).get_data(as_text=True)
    html_en = client.get(base.format(fmt="html") + "&lang=en").get_data(as_text=True)
    assert "Temps jusqu&#x27;à l&#x27;offre la plus proche : bibliothèques" in html_fr or (
        "Temps jusqu'à l'offre la plus proche : bibliothèques" in html_fr
    )
    assert "à pied" in html_fr
    assert not BAD_FRENCH.search(html_fr)
    assert "Time to the nearest offer: libraries" in html_en
    png_fr = client.get(base.format(fmt="png")).get_data()
    png_en = client.get(base.format(fmt="png") + "&lang=en").get_data()
    assert png_fr[:8] == b"\x89PNG\r\n\x1a\n"
    assert png_fr != png_en


def test_isochrone_png_in_both_languages(client: FlaskClient) -> None:
    url = "/api/v1/maps/isochrones.png?lon=3.16&lat=46.99&minutes=10,20&mode=bike"
    fr = client.get(url)
    en = client.get(url + "&lang=en")
    assert fr.status_code == en.status_code == 200
    assert fr.get_data() != en.get_data()


def test_an_unknown_language_is_a_400_with_its_code(client: FlaskClient) -> None:
    response = client.get("/api/v1/maps/accessibility.geojson?category=cinema&lang=de")
    assert response.status_code == 400
    problem = response.get_json()
    assert problem["code"] == "invalid_parameter"
    assert problem["invalid_params"][0]["name"] == "lang"
    assert problem["invalid_params"][0]["code"] == "not_allowed"


def test_mode_and_category_names() -> None:
    assert mode_phrase("walk") == "à pied"
    assert mode_phrase("bike") == "à vélo"
    assert mode_phrase("walk", "en") == "on foot"
    assert category_name("museum") == "musées"
