"""VAPID keys: from the environment, or made once into the instance folder by a command."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import Flask
from py_vapid import Vapid01
from py_vapid import b64urlencode

KEY_FILE = "vapid.json"


def generate() -> dict[str, str]:
    """A new key pair: the private key as base64url raw bytes, the public as an EC point."""
    vapid = Vapid01()
    vapid.generate_keys()
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {"private": b64urlencode(private), "public": b64urlencode(public)}


def write_instance_keys(app: Flask) -> tuple[Path, bool]:
    """Make the instance folder's key file if there is none; returns (path, made)."""
    path = Path(app.instance_path) / KEY_FILE
    if path.exists():
        return path, False
    keys = generate()
    path.write_text(json.dumps(keys))
    os.chmod(path, 0o600)
    return path, True


def load_into(app: Flask) -> None:
    """Fill VAPID_* from the instance file when the environment did not set them."""
    if app.config["VAPID_PRIVATE_KEY"] and app.config["VAPID_PUBLIC_KEY"]:
        return
    path = Path(app.instance_path) / KEY_FILE
    if path.exists():
        keys = json.loads(path.read_text())
        app.config["VAPID_PRIVATE_KEY"] = keys["private"]
        app.config["VAPID_PUBLIC_KEY"] = keys["public"]
