"""The Blueprint every resource uses: argument errors are 400 problems, not 422."""

from __future__ import annotations

import flask_smorest
from webargs.flaskparser import FlaskParser


class ArgumentsParser(FlaskParser):
    """webargs parser whose validation failures are 400 Bad Request."""

    DEFAULT_VALIDATION_STATUS = 400


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest Blueprint with :class:`ArgumentsParser`."""

    ARGUMENTS_PARSER = ArgumentsParser()
