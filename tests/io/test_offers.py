"""Build step ``offers`` and the committed offers: counts, repairs, all inside the Nièvre."""

from __future__ import annotations

import shapely

from geoservice.core.offers import CATEGORIES, LOCATION_QUALITIES, OFFER_COLUMNS, ThemeConfig
from geoservice.runtime import Runtime
from geoservice.settings import Settings

LE_CLAP = "cnc:723200"
NOYERS = "festivals:FEST_89279_4486"


def test_counts_per_category(runtime: Runtime) -> None:
    counts = runtime.offers["category"].value_counts().to_dict()
    # Sources: 11 museums, 10 cinemas, 105 libraries (104 with coordinates), 51 festivals
    # labelled Nièvre, of which one (Noyers, INSEE 89279) takes place in the Yonne.
    assert counts == {"museum": 11, "cinema": 10, "library": 105, "festival": 50}
    assert NOYERS not in set(runtime.offers["offer_id"])
    repairs = runtime.manifest["repairs"]["offers"]
    assert any(NOYERS in line and "EXCLUDED" in line for line in repairs)


def test_schema_and_stable_ids(runtime: Runtime) -> None:
    offers = runtime.offers
    assert list(offers.columns) == [*OFFER_COLUMNS, "geometry"]
    assert offers["offer_id"].is_unique
    assert (offers["offer_id"] == offers["source"] + ":" + offers["source_id"]).all()
    assert offers["offer_id"].tolist() == sorted(offers["offer_id"])
    assert set(offers["category"]) == set(CATEGORIES)
    assert set(offers["location_quality"]) <= set(LOCATION_QUALITIES)
    assert offers["licence"].notna().all()
    assert offers["attribution"].notna().all()
    assert (offers.geometry.geom_type == "Point").all()


def test_themes_come_from_the_vocabulary(runtime: Runtime, settings: Settings) -> None:
    vocabulary = set(ThemeConfig.from_section(settings.section("themes")).vocabulary)
    for offer_id, themes in zip(runtime.offers["offer_id"], runtime.offers["themes"], strict=True):
        assert isinstance(themes, tuple), offer_id
        assert themes, offer_id
        assert set(themes) <= vocabulary, offer_id
    by_cat = runtime.offers.groupby("category")["themes"]
    assert all("cinema" in t for t in by_cat.get_group("cinema"))
    assert all("books" in t for t in by_cat.get_group("library"))
    festivals = runtime.offers[runtime.offers["category"] == "festival"]
    assert festivals["period"].notna().all()
    assert sum("music" in t for t in festivals["themes"]) == 21  # 22 "Musique" minus Noyers


def test_every_offer_is_inside_the_departement_and_its_commune(runtime: Runtime) -> None:
    departement = runtime.zones["departement"].geometry.iloc[0]
    assert runtime.offers.geometry.within(departement).all()
    communes = runtime.communes.set_index("code").geometry
    assert runtime.offers["commune_code"].isin(communes.index).all()
    polygons = communes.loc[runtime.offers["commune_code"]].to_crs(2154).to_numpy()
    points = runtime.offers.geometry.to_crs(2154).to_numpy()
    assert (shapely.distance(polygons, points) <= 1000).all()


def test_le_clap_is_repaired_to_its_commune(runtime: Runtime) -> None:
    clap = runtime.offers.set_index("offer_id").loc[LE_CLAP]
    assert clap["name"] == "Cinéma Le Clap"
    assert clap["commune_code"] == "58205"
    assert clap["location_quality"] == "commune_centroid_repaired"
    ouroux = runtime.communes.set_index("code").geometry.loc["58205"]
    assert ouroux.contains(clap.geometry)
    repairs = runtime.manifest["repairs"]["offers"]
    assert any(LE_CLAP in line and "outside the département" in line for line in repairs)


def test_the_library_without_coordinates_is_placed_in_its_commune(runtime: Runtime) -> None:
    libraries = runtime.offers[runtime.offers["category"] == "library"]
    missing = libraries[libraries["location_quality"] == "commune_centroid_missing"]
    assert missing["source_id"].tolist() == ["BD2450"]  # Bibliothèque départementale
    assert missing["commune_code"].tolist() == ["58303"]  # Varennes-Vauzelles
    assert (libraries["location_quality"] == "source").sum() == 104


def test_museums_without_insee_code_get_their_commune(runtime: Runtime) -> None:
    museums = runtime.offers[runtime.offers["category"] == "museum"].set_index("source_id")
    assert museums.loc["M0148", "commune_code"] == "58062"  # Château-Chinon (Ville)
    assert museums.loc["M0155", "commune_code"] == "58194"  # Nevers
    assert (museums["location_quality"] == "source").all()
