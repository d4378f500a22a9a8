"""Ways out: Web Push with VAPID, and email over SMTP (written to the log in development).

A channel answers each send with ``Sent``, ``Retry`` (a temporary failure: try again later)
or ``Gone`` (nothing to send to). Neither the log nor an outcome ever holds the message text.
"""

from __future__ import annotations

import json
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlsplit

from pywebpush import WebPushException
from pywebpush import webpush

from .messages import Message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    state: str  # "sent", "retry" or "gone"
    detail: str = ""


SENT = Outcome("sent")


@dataclass(frozen=True)
class Subscription:
    id: int
    endpoint: str
    p256dh: str
    auth: str


def push(
    subscription: Subscription,
    message: Message,
    *,
    delivery_id: int,
    base_url: str,
    private_key: str,
    contact: str,
    timeout: float = 10.0,
) -> Outcome:
    """Send one encrypted push; 404/410 means the subscription is gone for good."""
    payload = json.dumps(
        {"title": message.title, "body": message.body, "url": base_url.rstrip("/") + message.path}
    )
    audience = "{0.scheme}://{0.netloc}".format(urlsplit(subscription.endpoint))
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=payload,
            vapid_private_key=private_key,
            vapid_claims={"sub": contact, "aud": audience},
            ttl=12 * 3600,
            headers={"Topic": f"d{delivery_id}", "Urgency": "normal"},
            timeout=timeout,
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in (404, 410):
            return Outcome("gone", f"push subscription {subscription.id} answered {status}")
        return Outcome("retry", f"push answered {status}")
    except OSError as error:
        return Outcome("retry", f"push failed: {type(error).__name__}")
    return SENT


def email(
    to: str,
    message: Message,
    *,
    delivery_id: int,
    base_url: str,
    smtp_url: str,
    sender: str,
    timeout: float = 10.0,
) -> Outcome:
    """Send one email; without SMTP_URL (development) it goes to the log instead."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = message.title
    mail["Date"] = formatdate(localtime=False)
    # The same id on a retry, so a mail client shows a resend once.
    mail["Message-ID"] = f"<delivery-{delivery_id}@continuum.invalid>"
    link = base_url.rstrip("/") + message.path
    mail.set_content(f"{message.body}\n\nOpen Continuum: {link}\n")
    if not smtp_url:
        log.info("email for delivery %s not sent: no SMTP_URL (development)", delivery_id)
        return SENT
    url = urlsplit(smtp_url)
    try:
        secure = url.scheme == "smtps"
        connect = smtplib.SMTP_SSL if secure else smtplib.SMTP
        with connect(url.hostname or "localhost", url.port or 25, timeout=timeout) as smtp:
            if url.scheme == "smtp+starttls":
                smtp.starttls()
            if url.username:
                smtp.login(url.username, url.password or "")
            smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused:
        return Outcome("gone", "the mail server refused the address")
    except (smtplib.SMTPException, OSError) as error:
        return Outcome("retry", f"smtp failed: {type(error).__name__}")
    return SENT
