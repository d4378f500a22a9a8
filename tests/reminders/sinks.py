"""Real local endpoints for reminders: an SMTP server and a Web Push service.

The SMTP sink is aiosmtpd on a free port. The push sink is an HTTP server that does what a
push service does with a request: it checks the VAPID token (ES256, signed by the key in the
``Authorization`` header, audience = its origin, not expired) and, standing in for the
browser, decrypts the aes128gcm body with the subscription's private key and auth secret.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any

import http_ece
from aiosmtpd.controller import Controller
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- SMTP ----------------------------------------------------------------------------------------


@dataclass
class Mail:
    to: list[str]
    subject: str
    message_id: str
    body: str


class _Collect:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.sink.rcpt_answer != "250 OK":
            return self.sink.rcpt_answer
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.sink.delay:
            # A slow server: the whole message is in, the answer is not yet given. A sender
            # killed now never hears the 250, but (like a real server) the mail is kept.
            await asyncio.sleep(self.sink.delay)
        if self.sink.answer != "250 OK":
            return self.sink.answer
        parsed = message_from_bytes(envelope.content)
        body = parsed.get_payload(decode=True) or b""
        with self.sink.lock:
            self.sink.mails.append(
                Mail(
                    list(envelope.rcpt_tos),
                    str(parsed["Subject"]),
                    str(parsed["Message-ID"]),
                    body.decode(errors="replace"),
                )
            )
        return "250 OK"


class SmtpSink:
    """aiosmtpd on a free port (port 0 does not work with its controller).

    ``delay`` slows every message down (seconds); ``answer`` and ``rcpt_answer`` are what the
    server says to DATA and to each RCPT, e.g. ``"451 4.3.0 Try again later"`` to refuse for
    now; a refused message is not kept.
    """

    def __init__(self, delay: float = 0.0) -> None:
        self.mails: list[Mail] = []
        self.lock = threading.Lock()
        self.delay = delay
        self.answer = "250 OK"
        self.rcpt_answer = "250 OK"
        self.port = free_port()
        self.controller = Controller(_Collect(self), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


# --- Web Push ------------------------------------------------------------------------------------


@dataclass
class Browser:
    """A browser's side of one subscription: its keys, and where its pushes go."""

    name: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    endpoint: str
    answer: int = 201  # what the push service answers for this subscription
    # The applicationServerKey the browser subscribed with: when set, only a VAPID token
    # from that key is let through (a push service answers 403 to any other).
    server_key: str = ""

    @property
    def p256dh(self) -> str:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(public)

    @property
    def auth_b64(self) -> str:
        return b64url(self.auth)


@dataclass
class Push:
    browser: str
    topic: str | None
    payload: dict[str, Any]
    subject: str  # the VAPID "sub" claim


@dataclass
class PushSink:
    """A push service on a free port that verifies VAPID and decrypts every push."""

    browsers: dict[str, Browser] = field(default_factory=dict)
    received: list[Push] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why a request was refused
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> PushSink:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as push services do

            def do_POST(self) -> None:  # noqa: N802
                name = self.path.rsplit("/", 1)[-1]
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = sink.accept(name, {k.title(): v for k, v in self.headers.items()}, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def browser(self, name: str | None = None, answer: int = 201, server_key: str = "") -> Browser:
        name = name or secrets.token_hex(6)
        made = Browser(
            name,
            ec.generate_private_key(ec.SECP256R1()),
            os.urandom(16),
            f"{self.origin}/push/{name}",
            answer,
            server_key,
        )
        self.browsers[name] = made
        return made

    def accept(self, name: str, headers: dict[str, str], body: bytes) -> int:
        browser = self.browsers.get(name)
        if browser is None:
            return 404
        try:
            subject, key = self._check_vapid(headers)
        except ValueError as error:
            with self.lock:
                self.refused.append(str(error))
            return 401
        if browser.server_key and key != browser.server_key:
            with self.lock:
                self.refused.append("VAPID key is not the one the browser subscribed with")
            return 403
        if browser.answer >= 300:
            return browser.answer
        plain = http_ece.decrypt(
            body, private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm"
        )
        with self.lock:
            self.received.append(Push(name, headers.get("Topic"), json.loads(plain), subject))
        return browser.answer

    def _check_vapid(self, headers: dict[str, str]) -> tuple[str, str]:
        """The token's subject and public key, once its signature and claims check out."""
        value = headers.get("Authorization", "")
        if not value.startswith("vapid "):
            raise ValueError("no VAPID authorization")
        parts = dict(p.strip().split("=", 1) for p in value[6:].split(","))
        token, key = parts["t"], parts["k"]
        head, claims, signature = token.split(".")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
        raw = unb64url(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        try:
            public.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature as error:
            raise ValueError("bad VAPID signature") from error
        payload = json.loads(unb64url(claims))
        if payload.get("aud") != self.origin:
            raise ValueError(f"wrong audience {payload.get('aud')}")
        if payload.get("exp", 0) < time.time():
            raise ValueError("expired VAPID token")
        return str(payload.get("sub")), key
