"""Versioned static URLs: cached for a year when the URL names the current content, never
pinned otherwise."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask import url_for

from webapp.assets import IMMUTABLE
from webapp.assets import version_of


def test_static_urls_carry_the_hash_of_the_files_content(app: Flask) -> None:
    with app.test_request_context():
        url = url_for("static", filename="css/app.css")
    assert re.fullmatch(r"/static/css/app\.css\?v=[0-9a-f]{10}", url)
    page = app.test_client().get("/login").get_data(as_text=True)
    assert f'href="{url}"' in page


def test_only_the_current_version_is_kept_for_a_year(app: Flask) -> None:
    with app.test_request_context():
        url = url_for("static", filename="css/app.css")
    http = app.test_client()
    with http.get(url) as answer:
        assert answer.headers["Cache-Control"] == IMMUTABLE
    for stale in ("/static/css/app.css", "/static/css/app.css?v=0000000000"):
        with http.get(stale) as answer:
            assert answer.status_code == 200
            assert "immutable" not in answer.headers.get("Cache-Control", ""), stale
    with http.get("/static/css/missing.css?v=0000000000") as answer:
        assert answer.status_code == 404


def test_a_changed_file_gets_a_new_version(tmp_path: Path) -> None:
    file = tmp_path / "site.css"
    file.write_text("body { color: black; }")
    first = version_of(str(tmp_path), "site.css")
    file.write_text("body { color: navy; }")
    second = version_of(str(tmp_path), "site.css")
    assert first and second and first != second
    assert version_of(str(tmp_path), "../outside.css") == ""
    assert version_of(str(tmp_path), "absent.css") == ""
