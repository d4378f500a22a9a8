"""One id per request, to tie an audit row, a log line and a response together.

A proxy's ``X-Request-ID`` is kept when it is a sane token (8–64 letters, digits, ``.``, ``_``,
``:`` or ``-``), so one id follows a request through the proxy's logs and ours; anything else is
replaced by a fresh random one. The id lives on ``flask.g``, goes back in the response header,
and is stamped on log records as ``request_id``.
"""

from __future__ import annotations

import logging
import re
import secrets

from flask import Flask
from flask import g
from flask import has_request_context
from flask import request
from flask.logging import default_handler
from werkzeug.wrappers import Response

HEADER = "X-Request-ID"
SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")
LOG_FORMAT = "[%(asctime)s] %(levelname)s %(request_id)s in %(module)s: %(message)s"


def current() -> str:
    """This request's id, made on first use; "" outside a request (a CLI command, a job)."""
    if not has_request_context():
        return ""
    found: str | None = g.get("request_id")
    if found is None:
        offered = request.headers.get(HEADER, "")
        found = offered if SANE.fullmatch(offered) else secrets.token_hex(8)
        g.request_id = found
    return found


def send_back(response: Response) -> Response:
    """Tell the caller which id their request had (support can find it in the trail)."""
    response.headers[HEADER] = current()
    return response


class RequestIdFilter(logging.Filter):
    """Stamp every record with the current request's id ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current() or "-"
        return True


def register_request_ids(app: Flask) -> None:
    """Send the id back on every response and put it in the app's log lines."""
    app.after_request(send_back)
    for target in (app.logger, default_handler):
        if not any(isinstance(f, RequestIdFilter) for f in target.filters):
            target.addFilter(RequestIdFilter())
    default_handler.setFormatter(logging.Formatter(LOG_FORMAT))
