"""The Blueprint every resource uses: argument errors are 400 problems, not 422."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import flask_smorest
import marshmallow as ma
from flask import Request
from webargs.flaskparser import FlaskParser

if TYPE_CHECKING:
    from webargs.core import ArgMap


class ArgumentsParser(FlaskParser):
    """webargs parser whose validation failures are 400 Bad Request."""

    DEFAULT_VALIDATION_STATUS = 400

    def _get_schema(self, argmap: ArgMap[Request], req: Request) -> ma.Schema:
        """The schema of `argmap`; a schema class is instantiated once, not per request
        (marshmallow schemas hold no per-load state)."""
        schema_class = argmap if isinstance(argmap, type) else None
        if schema_class is not None and issubclass(schema_class, ma.Schema):
            return _schema_instance(schema_class)
        return super()._get_schema(argmap, req)


@functools.cache
def _schema_instance(schema: type[ma.Schema]) -> ma.Schema:
    return schema()


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest Blueprint with :class:`ArgumentsParser`."""

    ARGUMENTS_PARSER = ArgumentsParser()
