"""``geoservice serve``: the development server (production runs gunicorn, see the Makefile)."""

from __future__ import annotations

import argparse
import os

from geoservice.cli.options import settings_from_args
from geoservice.errors import InvalidParameterError
from geoservice.web import create_app

#: ``development`` allows ``geoservice serve --debug``; anything else (default
#: ``production``) refuses it.
ENVIRONMENT_VARIABLE = "GEOSERVICE_ENV"


def cmd_serve(args: argparse.Namespace) -> int:
    """Load the data and serve the app with Werkzeug until interrupted."""
    environment = os.environ.get(ENVIRONMENT_VARIABLE, "production")
    if args.debug and environment != "development":
        msg = (
            f"--debug runs the interactive Werkzeug debugger (remote code execution); it is "
            f"refused unless {ENVIRONMENT_VARIABLE}=development (now {environment!r})"
        )
        raise InvalidParameterError("--debug", msg)
    settings = settings_from_args(args)
    app = create_app(settings)
    host = args.host or str(settings.get("server.host", "127.0.0.1"))
    port = args.port or int(settings.get("server.port", 5000))
    app.run(host=host, port=port, debug=bool(args.debug))
    return 0
