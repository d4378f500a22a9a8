"""Gunicorn settings for the `web` process (the Procfile's command-line flags still apply).

After a worker has built the app, everything made at start-up (modules, routes, templates,
the SQLAlchemy mappers) is moved out of the cyclic garbage collector's reach with
``gc.freeze()``, so a full collection no longer walks it: without this, a collection in the
middle of a request adds 40–60 ms to it on a small machine (see the README's benchmarks).

The access log goes through ``RedactingLogger``: invitation and calendar-feed links carry
their secret in the path (and in the Referer of the requests their page makes), so the
secret part is replaced before a line is written.
"""

from __future__ import annotations

import gc

from gunicorn.glogging import Logger

from webapp.logs import redact


class RedactingLogger(Logger):
    """Gunicorn's logger, with link secrets replaced in every access-log field."""

    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        found = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in found.items()}


logger_class = RedactingLogger


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    gc.collect()
    gc.freeze()
