"""Request and response schemas of the projects API (projects, needs, responses, matches)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from geoservice.core.network import MODES
from geoservice.store.config import STATUSES
from geoservice.store.project_models import NEED_KINDS, PROJECT_STAGES
from geoservice.web.origins import TRANSIT
from geoservice.web.transit_offers import DEPARTURE_FIELD

_COMMUNE_CODE = r"^(\d{5}|2[AB]\d{3})$"


class NeedSchema(Schema):
    """A need: a kind, a short text, a quantity or a date."""

    kind = fields.String(required=True, validate=validate.OneOf(NEED_KINDS))
    text = fields.String(required=True, validate=validate.Length(min=1, max=300))
    quantity = fields.Integer(allow_none=True, validate=validate.Range(1, 10_000))
    needed_on = fields.Date(allow_none=True)

    @validates_schema
    def _check_text(self, data: dict[str, Any], **_: Any) -> None:
        if "text" in data and not data["text"].strip():
            raise ValidationError("must not be blank", field_name="text")


class ProjectFieldsSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String(validate=validate.Length(max=10_000))
    themes = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)), validate=validate.Length(max=10)
    )
    lon = fields.Float(allow_nan=False, validate=validate.Range(-180, 180))
    lat = fields.Float(allow_nan=False, validate=validate.Range(-90, 90))
    commune_code = fields.String(validate=validate.Regexp(_COMMUNE_CODE))
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    stage = fields.String(validate=validate.OneOf(PROJECT_STAGES))

    @validates_schema
    def _check_together(self, data: dict[str, Any], **_: Any) -> None:
        if "title" in data and not data["title"].strip():
            raise ValidationError("must not be blank", field_name="title")
        if ("lon" in data) != ("lat" in data):
            missing = "lat" if "lon" in data else "lon"
            raise ValidationError("lon and lat go together", field_name=missing)


class ProjectCreateSchema(ProjectFieldsSchema):
    """``POST /projects``: a title, a place (lon/lat or commune_code), needs optional."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    needs = fields.List(fields.Nested(NeedSchema), validate=validate.Length(max=30))
    status = fields.String(validate=validate.OneOf(["draft", "pending", "published"]))

    @validates_schema
    def _check_location(self, data: dict[str, Any], **_: Any) -> None:
        if "lon" not in data and "lat" not in data and "commune_code" not in data:
            raise ValidationError("give lon and lat, or commune_code", field_name="location")


class ProjectPatchSchema(ProjectFieldsSchema):
    """``PATCH /projects/{id}``: any subset; `status` and `reason` too."""

    status = fields.String(validate=validate.OneOf(STATUSES))
    reason = fields.String(validate=validate.Length(min=1, max=2_000))


class ResponseCreateSchema(Schema):
    """``POST /projects/{id}/responses``: join (no `need_id`) or answer a need."""

    need_id = fields.Integer(allow_none=True, validate=validate.Range(min=1))
    offer_id = fields.String(
        allow_none=True, validate=validate.Regexp(r"^user:\d{1,11}$", error="a user:<n> id")
    )
    message = fields.String(load_default="", validate=validate.Length(max=2_000))


class DecisionSchema(Schema):
    """An owner's or a driver's decision."""

    decision = fields.String(required=True, validate=validate.OneOf(["accept", "decline"]))


class ProjectQuerySchema(Schema):
    """``GET /projects`` filters; `near` + `within_minutes` keep projects reached in time."""

    q = fields.String(validate=validate.Length(max=200))
    theme = fields.String(validate=validate.Length(max=200))
    commune = fields.String(validate=validate.Regexp(_COMMUNE_CODE))
    near = fields.String(
        metadata={"description": "lon,lat (EPSG:4326): rank by travel time from this point"}
    )
    within_minutes = fields.Float(allow_nan=False, metadata={"description": "with near"})
    mode = fields.String(validate=validate.OneOf(MODES), metadata={"description": "with near"})
    status = fields.String(
        validate=validate.OneOf(PROJECT_STAGES),
        metadata={"description": "the project's stage: open, running, done"},
    )


class MatchesQuerySchema(Schema):
    mode = fields.String(validate=validate.OneOf([*MODES, TRANSIT]))
    max_minutes = fields.Float(allow_nan=False)
    departure = DEPARTURE_FIELD
    limit = fields.Integer(load_default=10, validate=validate.Range(1, 50))


class OfferProjectsQuerySchema(Schema):
    mode = fields.String(validate=validate.OneOf(MODES))
    max_minutes = fields.Float(allow_nan=False)


class NeedOutSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    text = fields.String()
    quantity = fields.Integer(allow_none=True)
    needed_on = fields.String(allow_none=True)
    fulfilled = fields.Boolean()


class ResponseOutSchema(Schema):
    id = fields.Integer()
    need_id = fields.Integer(allow_none=True)
    responder = fields.String()
    offer_id = fields.String(allow_none=True)
    message = fields.String()
    status = fields.String()
    created_at = fields.String()
    decided_at = fields.String(allow_none=True)


class ProjectPropertiesSchema(Schema):
    project_id = fields.Integer()
    title = fields.String()
    description = fields.String()
    themes = fields.List(fields.String())
    commune_code = fields.String(allow_none=True)
    located_by = fields.String()
    starts_on = fields.String(allow_none=True)
    ends_on = fields.String(allow_none=True)
    stage = fields.String(metadata={"description": "open, running or done"})
    status = fields.String(metadata={"description": "moderation status"})
    owner = fields.String(allow_none=True)
    needs = fields.List(fields.Nested(NeedOutSchema))
    members = fields.List(fields.String(), metadata={"description": "accepted members"})
    answers = fields.List(fields.Dict(), metadata={"description": "accepted answers"})
    responses = fields.List(
        fields.Nested(ResponseOutSchema),
        metadata={"description": "every response for the owner; one's own for a responder"},
    )
    created_at = fields.String()
    updated_at = fields.String()
    published_at = fields.String(allow_none=True)
    history = fields.List(fields.Dict())
    travel_time_s = fields.Float(metadata={"description": "with near: from that point, s"})


class ProjectFeatureSchema(Schema):
    type = fields.String()
    id = fields.Integer()
    geometry = fields.Raw(metadata={"description": "GeoJSON Point, EPSG:4326"})
    properties = fields.Nested(ProjectPropertiesSchema)


class ProjectCollectionSchema(Schema):
    type = fields.String()
    total = fields.Integer()
    features = fields.List(fields.Nested(ProjectFeatureSchema))


class MatchSchema(Schema):
    offer_id = fields.String()
    name = fields.String()
    category = fields.String()
    commune_code = fields.String(allow_none=True)
    travel_time_s = fields.Float(metadata={"description": "door to door from the project"})
    travel_time_min = fields.Float()
    distance_m = fields.Integer(allow_none=True)
    matched_words = fields.List(fields.String())


class NeedMatchesSchema(Schema):
    need = fields.Nested(NeedOutSchema)
    offer_kinds = fields.List(fields.String())
    words = fields.List(fields.String())
    matches = fields.List(fields.Nested(MatchSchema))


class ProjectMatchesSchema(Schema):
    project_id = fields.Integer()
    mode = fields.String()
    max_minutes = fields.Float()
    origin = fields.Dict()
    needs = fields.List(fields.Nested(NeedMatchesSchema))


class OfferProjectSchema(Schema):
    project_id = fields.Integer()
    title = fields.String()
    commune_code = fields.String(allow_none=True)
    travel_time_s = fields.Float()
    travel_time_min = fields.Float()
    needs = fields.List(fields.Nested(NeedOutSchema))


class OfferProjectsSchema(Schema):
    offer_id = fields.String()
    mode = fields.String()
    max_minutes = fields.Float()
    projects = fields.List(fields.Nested(OfferProjectSchema))
