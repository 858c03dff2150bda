"""The HTTP API: app factory, one blueprint per resource, the error table."""

from geoservice.web.app import create_app

__all__ = ["create_app"]
