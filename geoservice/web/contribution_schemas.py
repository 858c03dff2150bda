"""Request and response schemas of the contributions API (posted offers, moderation)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from geoservice.store.config import ATTENDANCE_MODES, KINDS, STATUSES

#: Times given without an offset are local time of the Nièvre.
LOCAL_TIMEZONE = ZoneInfo("Europe/Paris")
_PHONE = re.compile(r"^\+?[0-9][0-9 .()/-]{5,24}$")
_COMMUNE_CODE = r"^(\d{5}|2[AB]\d{3})$"
_HTTP_URL = {"schemes": {"http", "https"}, "require_tld": False}
#: Timings are accepted between these years (UTC), and with offsets up to ±14 h (the
#: widest in use): anything else is a typo, and would overflow date arithmetic.
TIMING_YEARS = (1900, 2100)
MAX_UTC_OFFSET = timedelta(hours=14)
#: Control characters (and lone surrogates, which no database stores) are refused in text;
#: multi-line fields keep tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def no_control_characters(*, multiline: bool = False) -> Callable[[str], None]:
    """A validator refusing control characters (NUL...) in a text field."""
    pattern = _CONTROL_MULTILINE if multiline else _CONTROL

    def check(value: str) -> None:
        found = pattern.search(value)
        if found is not None:
            code = f"U+{ord(found.group()):04X}"
            raise ValidationError(f"contains a control character ({code}) at {found.start()}")

    return check


def _string(
    max_length: int, *, min_length: int = 0, multiline: bool = False, **kwargs: Any
) -> fields.String:
    checks: list[Callable[[Any], Any]] = [
        validate.Length(min=min_length, max=max_length),
        no_control_characters(multiline=multiline),
    ]
    return fields.String(validate=checks, **kwargs)


def _http_url(max_length: int = 500) -> fields.Url:
    return fields.Url(
        relative=False,
        validate=[validate.Length(max=max_length), no_control_characters()],
        allow_none=True,
        **_HTTP_URL,  # type: ignore[arg-type]
    )


def _text(max_length: int, *, multiline: bool = False) -> fields.String:
    return _string(max_length, multiline=multiline, allow_none=True)


def _check_timing(value: datetime) -> None:
    low, high = TIMING_YEARS
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValidationError(f"UTC offset {offset} is beyond ±14:00")
    if not low <= value.year <= high or not low <= value.astimezone(UTC).year <= high:
        raise ValidationError(f"must be between the years {low} and {high}")


class TimingSchema(Schema):
    """One occurrence. ISO 8601; without an offset, Europe/Paris local time."""

    begin = fields.AwareDateTime(
        required=True, default_timezone=LOCAL_TIMEZONE, validate=_check_timing
    )
    end = fields.AwareDateTime(
        required=True, default_timezone=LOCAL_TIMEZONE, validate=_check_timing
    )

    @validates_schema
    def _check_order(self, data: dict[str, Any], **_: Any) -> None:
        if "begin" in data and "end" in data and data["end"] < data["begin"]:
            raise ValidationError("end must not be before begin", field_name="end")


class AccessibilitySchema(Schema):
    """Accessible to people with these impairments (OpenAgenda ``accessibility``)."""

    wheelchair = fields.Boolean()
    hearing = fields.Boolean()
    visual = fields.Boolean()
    intellectual = fields.Boolean()
    psychic = fields.Boolean()


class RegistrationSchema(Schema):
    """How to register: an e-mail address, a phone number or a web link."""

    type = fields.String(required=True, validate=validate.OneOf(["email", "phone", "link"]))
    value = _string(300, min_length=1, required=True)

    @validates_schema
    def _check_value(self, data: dict[str, Any], **_: Any) -> None:
        kind, value = data.get("type"), data.get("value")
        if kind is None or value is None:
            return
        try:
            if kind == "email":
                validate.Email(error="not a valid e-mail address")(value)
            elif kind == "phone" and not _PHONE.match(value):
                raise ValidationError("not a valid phone number")
            elif kind == "link":
                validate.URL(relative=False, error="not an http(s) URL", **_HTTP_URL)(value)  # type: ignore[arg-type]
        except ValidationError as e:
            raise ValidationError(e.messages, field_name="value") from e


class OfferFieldsSchema(Schema):
    """The fields of a posted offer (names follow OpenAgenda where it has one)."""

    kind = fields.String(validate=validate.OneOf(KINDS))
    title = _string(200, min_length=1)
    description = _string(10_000, multiline=True)
    themes = fields.List(_string(40, min_length=1), validate=validate.Length(max=10))
    timings = fields.List(fields.Nested(TimingSchema), validate=validate.Length(max=100))
    lon = fields.Float(allow_nan=False, validate=validate.Range(-180, 180))
    lat = fields.Float(allow_nan=False, validate=validate.Range(-90, 90))
    commune_code = fields.String(validate=[validate.Regexp(_COMMUNE_CODE), no_control_characters()])
    location_name = _text(200)
    address = _text(300)
    accessibility = fields.Nested(AccessibilitySchema)
    age_min = fields.Integer(allow_none=True, validate=validate.Range(0, 120))
    age_max = fields.Integer(allow_none=True, validate=validate.Range(0, 120))
    free = fields.Boolean(allow_none=True)
    price_eur = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(0, 100_000))
    conditions = _text(500, multiline=True)
    registration = fields.List(fields.Nested(RegistrationSchema), validate=validate.Length(max=10))
    attendance_mode = fields.String(validate=validate.OneOf(ATTENDANCE_MODES))
    online_url = _http_url()
    url = _http_url()
    image_url = _http_url()
    organiser = _text(200)

    @validates_schema
    def _check_together(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        if "title" in data and not data["title"].strip():
            errors["title"] = ["must not be blank"]
        if ("lon" in data) != ("lat" in data):
            missing = "lat" if "lon" in data else "lon"
            errors[missing] = ["lon and lat go together"]
        age_min, age_max = data.get("age_min"), data.get("age_max")
        if age_min is not None and age_max is not None and age_min > age_max:
            errors["age_max"] = [f"must be >= age_min ({age_min})"]
        if data.get("free") is True and (data.get("price_eur") or 0) > 0:
            errors["price_eur"] = ["a free offer has no price"]
        if data.get("attendance_mode") in {"online", "mixed"} and not data.get("online_url"):
            errors["online_url"] = ["required when attendance_mode is online or mixed"]
        if errors:
            raise ValidationError(errors)


class OfferCreateSchema(OfferFieldsSchema):
    """``POST /offers`` body: `kind` and `title` required, and a location (lon/lat or commune).

    `status` ``draft`` keeps the offer unsubmitted; otherwise the author's role decides
    (contributor and anonymous → pending; organisation and moderator → published).
    """

    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = _string(200, min_length=1, required=True)
    status = fields.String(validate=validate.OneOf(["draft", "pending", "published"]))

    @validates_schema
    def _check_location(self, data: dict[str, Any], **_: Any) -> None:
        if "lon" not in data and "lat" not in data and "commune_code" not in data:
            raise ValidationError("give lon and lat, or commune_code", field_name="location")


class OfferPatchSchema(OfferFieldsSchema):
    """``PATCH /offers/{id}`` body: any subset of the fields; `status` and `reason` too."""

    status = fields.String(validate=validate.OneOf(STATUSES))
    reason = _string(2_000, min_length=1, multiline=True)


class ModerationSchema(Schema):
    """``POST /offers/{id}/moderation`` body."""

    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    reason = _string(2_000, min_length=1, multiline=True)


class PageQuerySchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class PostedOfferPropertiesSchema(Schema):
    """Properties of a posted offer as served (the point is the Feature's geometry)."""

    offer_id = fields.String()
    kind = fields.String()
    title = fields.String()
    description = fields.String()
    themes = fields.List(fields.String())
    timings = fields.List(fields.Dict())
    commune_code = fields.String(allow_none=True)
    located_by = fields.String(
        metadata={
            "description": "point, or commune (placed at the commune's town hall when it lies "
            "inside the commune, else at a point of its polygon)"
        }
    )
    location_name = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    accessibility = fields.Dict()
    age_min = fields.Integer(allow_none=True)
    age_max = fields.Integer(allow_none=True)
    free = fields.Boolean(allow_none=True)
    price_eur = fields.Float(allow_none=True)
    conditions = fields.String(allow_none=True)
    registration = fields.List(fields.Dict())
    attendance_mode = fields.String()
    online_url = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    image_url = fields.String(allow_none=True)
    organiser = fields.String(allow_none=True)
    status = fields.String()
    author = fields.String(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String()
    published_at = fields.String(allow_none=True)
    source = fields.String()
    history = fields.List(
        fields.Dict(), metadata={"description": "moderation events, oldest first (some answers)"}
    )
    changes_since_approval = fields.Dict(
        allow_none=True,
        metadata={
            "description": "moderation queue only: {approved_at, changes: [{field, before, "
            "after}]} when the offer had been approved before its last edits (null if never "
            "approved); the approved version is never served publicly"
        },
    )


class PostedOfferFeatureSchema(Schema):
    """A posted offer as a GeoJSON Feature, like the open-data offers of ``GET /offers``."""

    type = fields.String()
    id = fields.String()
    geometry = fields.Raw(metadata={"description": "GeoJSON Point, EPSG:4326"})
    properties = fields.Nested(PostedOfferPropertiesSchema)


class PostedOfferPageSchema(Schema):
    type = fields.String()
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
    features = fields.List(fields.Nested(PostedOfferFeatureSchema))


class ModerationEventSchema(Schema):
    at = fields.String()
    actor = fields.String()
    actor_role = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    reason = fields.String(allow_none=True)
