"""The words of the maps in French (the default: the readers live in the Nièvre) and English
(``lang=en``): titles, subtitles, notes, legend titles, mode and category names."""

from __future__ import annotations

from typing import Final

from geoservice.errors import InvalidParameterError

LANGUAGES: Final = ("fr", "en")

#: How each mode reads after a verb ("Depuis chaque commune, à vélo").
MODE_PHRASES: Final = {
    "fr": {
        "drive": "en voiture",
        "bike": "à vélo",
        "walk": "à pied",
        "transit": "en transports en commun (train ou car) et à pied",
    },
    "en": {
        "drive": "by car",
        "bike": "by bike",
        "walk": "on foot",
        "transit": "by public transport (train or coach) and on foot",
    },
}

#: Offer categories, plural, as a map title names them.
CATEGORY_NAMES: Final = {
    "fr": {
        "museum": "musées",
        "cinema": "cinémas",
        "library": "bibliothèques",
        "festival": "festivals",
        "event": "événements",
        "venue": "lieux",
        "work": "œuvres",
        "skill": "savoir-faire",
        "resource": "ressources",
    },
    "en": {
        "museum": "museums",
        "cinema": "cinemas",
        "library": "libraries",
        "festival": "festivals",
        "event": "events",
        "venue": "venues",
        "work": "works",
        "skill": "skills",
        "resource": "resources",
    },
}

#: Sentences of the maps; ``{…}`` are filled by the caller.
WORDS: Final = {
    "fr": {
        "accessibility_title": "Temps jusqu'à l'offre la plus proche : {target}",
        "accessibility_subtitle": "Depuis chaque commune, {mode}",
        "accessibility_note": "Départ : point représentatif de chaque commune.",
        "network_note": "Réseau : {limits}.",
        "accessibility_legend": "Temps d'accès (minutes)",
        "isochrone_title": "Zones atteignables en un temps donné",
        "isochrone_subtitle": "Depuis le point de départ, {mode}",
        "isochrone_legend": "Temps de trajet (minutes)",
    },
    "en": {
        "accessibility_title": "Time to the nearest offer: {target}",
        "accessibility_subtitle": "From each commune, {mode}",
        "accessibility_note": "Start: a representative point of each commune.",
        "network_note": "Network: {limits}.",
        "accessibility_legend": "Access time (minutes)",
        "isochrone_title": "Areas reached within a travel time",
        "isochrone_subtitle": "From the starting point, {mode}",
        "isochrone_legend": "Travel time (minutes)",
    },
}


def check_language(lang: str | None) -> str:
    """`lang` (default ``fr``) if the maps speak it.

    Raises
    ------
    InvalidParameterError
        Another language (naming ``lang``).
    """
    value = lang or "fr"
    if value not in LANGUAGES:
        raise InvalidParameterError("lang", f"unknown language {value!r}", LANGUAGES)
    return value


def mode_phrase(mode: str, lang: str = "fr") -> str:
    """``à vélo``, ``by bike``… (the mode itself when unknown)."""
    return MODE_PHRASES[check_language(lang)].get(mode, mode)


def category_name(category: str, lang: str = "fr") -> str:
    """``cinémas``, ``cinemas``… (the category itself when unknown)."""
    return CATEGORY_NAMES[check_language(lang)].get(category, category)


def words(key: str, lang: str = "fr", **values: str) -> str:
    """The sentence `key` in `lang`, filled with `values`."""
    return WORDS[check_language(lang)][key].format(**values)
