"""Keep link secrets out of request logs.

Invitation, password-reset and calendar-feed links carry their secret in the URL path, so a
request line (the development server's log, gunicorn's access log) or a Referer header would
write it down. Any path segment or query value of 32 or more URL-safe characters is treated as
a secret and replaced before the line is written; record ids are far shorter.
"""

from __future__ import annotations

import logging
import re

SECRET_IN_URL = re.compile(r"(?<=[/=])[A-Za-z0-9_-]{32,}")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """Replace the secret part of any link in ``text``."""
    return SECRET_IN_URL.sub(REDACTED, text)


class RedactLinkSecrets(logging.Filter):
    """A logging filter that rewrites a record's message with its link secrets replaced."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def redact_request_lines() -> None:
    """Install the filter on the development server's request log, once per process."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactLinkSecrets) for f in logger.filters):
        logger.addFilter(RedactLinkSecrets())
