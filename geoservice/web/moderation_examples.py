"""OpenAPI example of ``GET /moderation/queue``: an offer edited since its approval.

Built from the posted-offer example (the organ concert in Nevers): its author changed the
title and the time after a moderator had approved it, so it waits again, hidden from the
public, with what changed and its history.
"""

from __future__ import annotations

from typing import Any

from geoservice.web.openapi_examples import EXAMPLES

_APPROVED = EXAMPLES["posted_offer"]["properties"]
_EDITED_AT = "2026-11-26T09:12:05.118203+00:00"
_HISTORY: list[dict[str, Any]] = [
    {
        "at": "2026-11-25T10:02:11.540921+00:00",
        "actor": "camille",
        "actor_role": "contributor",
        "from_status": None,
        "to_status": "pending",
        "reason": None,
    },
    {
        "at": _APPROVED["published_at"],
        "actor": "mod",
        "actor_role": "moderator",
        "from_status": "pending",
        "to_status": "published",
        "reason": None,
    },
    {
        "at": _EDITED_AT,
        "actor": "camille",
        "actor_role": "contributor",
        "from_status": "published",
        "to_status": "pending",
        "reason": None,
    },
]
_EDITED_TIMINGS = [{"begin": "2030-06-21T19:00:00+00:00", "end": "2030-06-21T20:30:00+00:00"}]

MODERATION_QUEUE_EXAMPLE: dict[str, Any] = {
    "type": "FeatureCollection",
    "total": 1,
    "limit": 50,
    "offset": 0,
    "features": [
        {
            **EXAMPLES["posted_offer"],
            "properties": {
                **_APPROVED,
                "title": "Concert d'orgue et chœur à l'église Saint-Étienne",
                "timings": _EDITED_TIMINGS,
                "status": "pending",
                "author": "camille",
                "updated_at": _EDITED_AT,
                "published_at": None,
                "history": _HISTORY,
                "changes_since_approval": {
                    "approved_at": _APPROVED["published_at"],
                    "changes": [
                        {
                            "field": "title",
                            "before": _APPROVED["title"],
                            "after": "Concert d'orgue et chœur à l'église Saint-Étienne",
                        },
                        {
                            "field": "timings",
                            "before": _APPROVED["timings"],
                            "after": _EDITED_TIMINGS,
                        },
                    ],
                },
            },
        }
    ],
}
