"""WSGI entry point for production: ``gunicorn 'geoservice.wsgi:create_app()'``."""

from geoservice.web import create_app

__all__ = ["create_app"]
