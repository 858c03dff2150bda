"""What each impact indicator means: its French label, definition, unit and source.

Indicator ids are dotted paths whose first parts name a *family* and whose other parts are
its parameters (``offers.posted.kind.event``, ``reach.drive.music.30min.65_plus``). The
catalogue describes families; :func:`describe_indicator` fills in the parameters. The
formulas and limits are in ``docs/impact.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: Levels the indicators are given for (``Runtime.zones`` holds the zone outlines).
IMPACT_LEVELS: tuple[str, ...] = ("commune", "canton", "epci", "departement")
#: Population groups of the reach indicators: all inhabitants, then two census age bands.
POPULATION_GROUPS: tuple[str, ...] = ("population", "under_15", "65_plus")
#: Commune population below which a commune counts as small for ``events.held.small``.
SMALL_COMMUNE_POPULATION = 2_000

MODE_LABELS_FR = {
    "drive": "en voiture",
    "bike": "à vélo",
    "walk": "à pied",
    "transit": "en transports en commun",
}
#: Offer categories (open data) and kinds (posted), in French.
KIND_LABELS_FR = {
    "museum": "musées",
    "cinema": "cinémas",
    "library": "bibliothèques",
    "festival": "festivals",
    "event": "événements",
    "venue": "lieux",
    "work": "œuvres",
    "skill": "savoir-faire",
    "resource": "ressources",
}
GROUP_LABELS_FR = {
    "population": "habitants",
    "under_15": "habitants de moins de 15 ans",
    "65_plus": "habitants de 65 ans et plus",
}

_PLATFORM = "base de données de la plateforme (offres publiées, projets, trajets)"
_OPEN_DATA = (
    "données ouvertes chargées (data/MANIFEST.json : Muséofile, CNC, bibliothèques, "
    "festivals, agendas importés)"
)
_REACH_SOURCE = (
    "tables d'accessibilité (moteur de temps de trajet du service, data/accessibility) et "
    "moteur de scénarios; population INSEE des communes, tranches d'âge de la grille "
    "Eurostat recensement 2021 (1 km)"
)
_RIDES_SOURCE = (
    "trajets partagés et réservations acceptées de la plateforme; temps et distances du "
    "moteur routier (mode voiture, comme /reachable)"
)


@dataclass(frozen=True)
class IndicatorFamily:
    """A family of indicators: the same definition for every parameter value."""

    family: str
    label_fr: str
    definition: str
    unit: str
    source: str


FAMILIES: Mapping[str, IndicatorFamily] = {
    f.family: f
    for f in (
        IndicatorFamily(
            "offers.open_data",
            "Offres en données ouvertes",
            "Offers of the open-data catalogue loaded on the snapshot's day, located in the "
            "zone (``.category.<c>``: of that category).",
            "offers",
            _OPEN_DATA,
        ),
        IndicatorFamily(
            "offers.posted",
            "Offres publiées sur la plateforme",
            "Offers posted on the platform, published on or before the snapshot's day and "
            "still published, located in the zone (``.kind.<k>``: of that kind).",
            "offers",
            _PLATFORM,
        ),
        IndicatorFamily(
            "offers.theme",
            "Offres par thème",
            "Open-data and published posted offers of the theme located in the zone.",
            "offers",
            f"{_OPEN_DATA}; {_PLATFORM}",
        ),
        IndicatorFamily(
            "events.held",
            "Événements tenus",
            "Published posted events with at least one timing beginning in the period "
            "(the ``[impact] events_period_days`` days ending on the snapshot's day), "
            "located in the zone.",
            "events",
            _PLATFORM,
        ),
        IndicatorFamily(
            "events.held_small_communes",
            "Événements tenus dans les communes de moins de 2 000 habitants",
            "``events.held`` counted only in communes of fewer than 2,000 inhabitants "
            "(INSEE population).",
            "events",
            _PLATFORM,
        ),
        IndicatorFamily(
            "projects.published",
            "Projets publiés",
            "Projects published on or before the snapshot's day and still published, at "
            "their commune.",
            "projects",
            _PLATFORM,
        ),
        IndicatorFamily(
            "projects.members",
            "Membres des projets",
            "People in the published projects: the owner plus each person whose response was "
            "accepted on or before the day (a person counts once per project).",
            "people",
            _PLATFORM,
        ),
        IndicatorFamily(
            "rides.offered",
            "Trajets partagés proposés",
            "Open rides created on or before the day, at their departure commune.",
            "rides",
            _PLATFORM,
        ),
        IndicatorFamily(
            "rides.seats_offered",
            "Places proposées",
            "Seats of the open rides created on or before the day, at their departure commune.",
            "seats",
            _PLATFORM,
        ),
        IndicatorFamily(
            "rides.seats_booked",
            "Places réservées",
            "Bookings accepted by the driver on or before the day, at the ride's departure "
            "commune.",
            "seats",
            _PLATFORM,
        ),
        IndicatorFamily(
            "rides.minutes_saved",
            "Minutes de trajet économisées (estimation)",
            "Estimate over the accepted bookings with a pick-up point: the rider's drive time "
            "alone (pick-up → destination) minus the driver's detour (departure → pick-up → "
            "destination − departure → destination), outbound only, engine times; counted at "
            "the pick-up commune. Booked seats, not measured trips.",
            "minutes",
            _RIDES_SOURCE,
        ),
        IndicatorFamily(
            "rides.car_km_saved",
            "Kilomètres en voiture économisés (estimation)",
            "Same as ``rides.minutes_saved`` with the engine's road distances: the rider's "
            "distance alone minus the driver's extra distance. Booked seats, not measured trips.",
            "km",
            _RIDES_SOURCE,
        ),
        IndicatorFamily(
            "reach",
            "Habitants à portée d'une offre",
            "``reach.<mode>.<theme>.<m>min.<group>``: inhabitants (or an age band) of the "
            "communes whose origin is within m minutes by the mode of an offer of the theme, "
            "open-data and published posted offers together (accessibility engine, posted "
            "events and venues added by the scenario engine). Zones only: a commune is all in "
            "or all out.",
            "inhabitants",
            _REACH_SOURCE,
        ),
        IndicatorFamily(
            "reach_new",
            "Habitants nouvellement à portée grâce aux offres publiées",
            "``reach_new.<mode>.<theme>.<m>min.<group>``: inhabitants within m minutes of an "
            "offer of the theme with the published posted events and venues, and not without "
            "them (scenario engine: accessibility with and without the posted offers).",
            "inhabitants",
            _REACH_SOURCE,
        ),
    )
}


def family_of(indicator: str) -> IndicatorFamily:
    """The family of an indicator id (the longest family name it starts with)."""
    parts = indicator.split(".")
    for n in range(len(parts), 0, -1):
        name = ".".join(parts[:n])
        if name in FAMILIES:
            return FAMILIES[name]
    raise KeyError(indicator)


def label_fr(indicator: str, theme_labels: Mapping[str, str] | None = None) -> str:
    """The French label of an indicator id, its parameters spelled out."""
    family = family_of(indicator)
    params = indicator.split(".")[len(family.family.split(".")) :]
    if family.family in {"reach", "reach_new"} and len(params) == 4:
        mode, theme, minutes, group = params
        theme_name = (theme_labels or {}).get(theme, theme)
        what = "nouvellement à portée" if family.family == "reach_new" else "à portée"
        return (
            f"{GROUP_LABELS_FR.get(group, group).capitalize()} {what} "
            f"({minutes.removesuffix('min')} min {MODE_LABELS_FR.get(mode, mode)}) d'une "
            f"offre « {theme_name} »"
        )
    if len(params) == 2:
        value = KIND_LABELS_FR.get(params[1], params[1])
        return f"{family.label_fr} : {value}"
    if len(params) == 1:
        return f"{family.label_fr} : {(theme_labels or {}).get(params[0], params[0])}"
    return family.label_fr


def describe_indicator(
    indicator: str, theme_labels: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``id``, ``label`` (French), ``definition``, ``unit``, ``source`` of one id."""
    family = family_of(indicator)
    return {
        "id": indicator,
        "family": family.family,
        "label": label_fr(indicator, theme_labels),
        "definition": family.definition,
        "unit": family.unit,
        "source": family.source,
    }


def describe_indicators(
    indicators: Sequence[str], theme_labels: Mapping[str, str] | None = None
) -> list[dict[str, str]]:
    """:func:`describe_indicator` of each id, in the order given."""
    return [describe_indicator(i, theme_labels) for i in indicators]
