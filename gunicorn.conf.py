"""Gunicorn settings for the `web` process (the Procfile's command-line flags still apply).

After a worker has built the app, everything made at start-up (modules, routes, templates,
the SQLAlchemy mappers) is moved out of the cyclic garbage collector's reach with
``gc.freeze()``, so a full collection no longer walks it: without this, a collection in the
middle of a request adds 40–60 ms to it on a small machine (see the README's benchmarks).
"""

from __future__ import annotations

import gc


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    gc.collect()
    gc.freeze()
