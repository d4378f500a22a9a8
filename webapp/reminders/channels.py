"""Ways out: Web Push with VAPID, and email over SMTP (written to the log in development).

A channel answers each send with ``Sent``, ``Retry`` (a temporary failure: try again later)
or ``Gone`` (nothing to send to). Neither the log nor an outcome ever holds the message text.
"""

from __future__ import annotations

import functools
import json
import logging
import smtplib
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlsplit

import requests
from py_vapid import Vapid02
from pywebpush import WebPushException
from pywebpush import webpush

from .messages import Message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    state: str  # "sent", "retry" or "gone"
    detail: str = ""


SENT = Outcome("sent")


@functools.lru_cache(maxsize=4)
def _signer(private_key: str) -> Vapid02:
    """The VAPID key, read once (RFC 8292 ``vapid t=…, k=…`` headers)."""
    return Vapid02.from_string(private_key)


_http = threading.local()


def _session() -> requests.Session:
    """One HTTP session per thread, so pushes to the same service reuse their connection."""
    if not hasattr(_http, "session"):
        _http.session = requests.Session()
    return _http.session


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
            vapid_private_key=_signer(private_key),
            vapid_claims={"sub": contact, "aud": audience},
            ttl=12 * 3600,
            headers={"Topic": f"d{delivery_id}", "Urgency": "normal"},
            timeout=timeout,
            requests_session=_session(),
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
    return send_mail(mail, smtp_url=smtp_url, timeout=timeout)


def send_mail(mail: EmailMessage, *, smtp_url: str, timeout: float = 10.0) -> Outcome:
    """Hand one composed email to the mail server (reminders and password resets alike)."""
    try:
        try:
            _mailer(smtp_url, timeout).send_message(mail)
        except smtplib.SMTPServerDisconnected:
            _forget_mailer(smtp_url)  # the server closed an idle connection: once more
            _mailer(smtp_url, timeout).send_message(mail)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if all(code >= 500 for code in codes):
            return Outcome("gone", "the mail server refused the address")
        # 4xx is "not now" (greylisting, a full mailbox, a busy server): try again later.
        return Outcome("retry", f"smtp answered {max(codes)} for the address")
    except (smtplib.SMTPException, OSError) as error:
        _forget_mailer(smtp_url)
        return Outcome("retry", f"smtp failed: {type(error).__name__}")
    return SENT


def _mailer(smtp_url: str, timeout: float) -> smtplib.SMTP:
    """This thread's open connection to the mail server, made on first use."""
    mailers = _http.__dict__.setdefault("mailers", {})
    if smtp_url not in mailers:
        url = urlsplit(smtp_url)
        connect = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
        smtp = connect(url.hostname or "localhost", url.port or 25, timeout=timeout)
        if url.scheme == "smtp+starttls":
            smtp.starttls()
        if url.username:
            smtp.login(url.username, url.password or "")
        mailers[smtp_url] = smtp
    return mailers[smtp_url]


def _forget_mailer(smtp_url: str) -> None:
    smtp = _http.__dict__.get("mailers", {}).pop(smtp_url, None)
    if smtp is not None:
        try:
            smtp.close()
        except OSError:
            pass


def close_connections() -> None:
    """Say goodbye to the mail server at the end of a pass."""
    for url in list(_http.__dict__.get("mailers", {})):
        smtp = _http.mailers.pop(url)
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
