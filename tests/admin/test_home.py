"""The admin's home at company size: clients a page at a time, by name, and a search."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import gen_user
from tests.factories import login
from webapp.admin import services
from webapp.extensions import db
from webapp.models import Centre
from webapp.models import Discipline
from webapp.models import Role
from webapp.models import User
from webapp.models import now_utc


@pytest.fixture
def company(app: Flask) -> dict:
    """Two centres with a care team each; the admin runs the first."""
    london = gen_centre("London", "Europe/London")
    leeds = gen_centre("Leeds", "Europe/London")
    found = {
        "london": london,
        "leeds": leeds,
        "admin": gen_user(Role.ADMIN, [london], name="Ada Admin"),
        "team": [
            gen_therapist(london, Discipline.MASSAGE, name="Tom Massage"),
            gen_therapist(london, Discipline.PHYSIO, name="Sam Physio"),
        ],
        "leeds_team": [
            gen_therapist(leeds, Discipline.MASSAGE, name="Lou Massage"),
            gen_therapist(leeds, Discipline.PHYSIO, name="Lee Physio"),
        ],
    }
    db.session.commit()
    return found


def add_clients(company: dict, count: int, centre: str = "london", prefix: str = "Client") -> None:
    team = company["team"] if centre == "london" else company["leeds_team"]
    for n in range(count):
        gen_client(company[centre], team, name=f"{prefix} {n:03d}")
    db.session.commit()


def names(body: str) -> list[str]:
    """The clients listed, in order."""
    return re.findall(r"<h3>([^<]+)</h3>", body.split('id="clients-heading"')[1])


def signed_in(app: Flask, user: User) -> FlaskClient:
    http = app.test_client()
    assert login(http, user).status_code == 302
    return http


def test_clients_come_fifty_a_page_by_name(app: Flask, company: dict) -> None:
    add_clients(company, 120)
    http = signed_in(app, company["admin"])

    first = http.get("/admin/").get_data(as_text=True)
    assert names(first) == [f"Client {n:03d}" for n in range(50)]
    assert "120 clients" in first and "Page 1 of 3" in first
    assert 'rel="next" href="/admin/?page=2"' in first and 'rel="prev"' not in first

    last = http.get("/admin/?page=3").get_data(as_text=True)
    assert names(last) == [f"Client {n:03d}" for n in range(100, 120)]
    assert 'rel="prev" href="/admin/?page=2"' in last and 'rel="next"' not in last


def test_one_page_has_no_pager(app: Flask, company: dict) -> None:
    add_clients(company, 3)
    body = signed_in(app, company["admin"]).get("/admin/").get_data(as_text=True)
    assert "3 clients" in body
    assert "Pages of clients" not in body and "Page 1 of" not in body


def test_the_same_name_keeps_a_stable_order(app: Flask, company: dict) -> None:
    for _n in range(3):
        gen_client(company["london"], company["team"], name="Jo Smith")
    db.session.commit()
    page = services.client_page(db.session, company["admin"], now_utc(), per_page=2)
    again = services.client_page(db.session, company["admin"], now_utc(), page=2, per_page=2)
    ids = [row.client.id for row in page.rows + again.rows]
    assert ids == sorted(ids) and len(set(ids)) == 3


def test_search_finds_name_or_email_in_any_case(app: Flask, company: dict) -> None:
    add_clients(company, 60)
    gen_client(company["london"], company["team"], name="Priya Khan", email="pk@example.test")
    gen_client(company["london"], company["team"], name="Kim Lee", email="KHAN.k@example.test")
    add_clients(company, 1, centre="leeds", prefix="Khan at Leeds")
    http = signed_in(app, company["admin"])

    body = http.get("/admin/?q=  kHaN ").get_data(as_text=True)
    assert names(body) == ["Kim Lee", "Priya Khan"]  # another centre's Khan isn't found
    assert "2 clients matching “kHaN”" in body
    assert 'value="kHaN"' in body  # the search comes back in the box
    assert "Page 1 of" not in body

    many = http.get("/admin/?q=client&page=2").get_data(as_text=True)
    assert names(many) == [f"Client {n:03d}" for n in range(50, 60)]
    assert 'rel="prev" href="/admin/?page=1&amp;q=client"' in many


def test_search_text_is_text_not_a_pattern(app: Flask, company: dict) -> None:
    gen_client(company["london"], company["team"], name="Al_Pacino")
    gen_client(company["london"], company["team"], name="Alfa Pacino")
    db.session.commit()
    http = signed_in(app, company["admin"])
    assert names(http.get("/admin/?q=al_").get_data(as_text=True)) == ["Al_Pacino"]
    assert names(http.get("/admin/?q=%25").get_data(as_text=True)) == []


def test_a_search_that_finds_nobody_says_so(app: Flask, company: dict) -> None:
    add_clients(company, 2)
    body = signed_in(app, company["admin"]).get("/admin/?q=zebra").get_data(as_text=True)
    assert "No client's name or email contains “zebra”" in body
    assert 'href="/admin/">Show every client' in body


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("abc", 1),
        ("-1", 1),
        ("0", 1),
        ("1.5", 1),
        ("²", 1),
        ("", 1),
        ("2", 2),
        ("3", 2),  # past the last: the last
        ("9" * 400, 2),
        (str(2**63), 2),
    ],
)
def test_any_page_number_gives_a_page(app: Flask, company: dict, page: str, shown: int) -> None:
    add_clients(company, 60)
    response = signed_in(app, company["admin"]).get("/admin/", query_string={"page": page})
    assert response.status_code == 200
    assert f"Page {shown} of 2" in response.get_data(as_text=True)


def test_a_long_search_is_cut_to_its_first_hundred_characters(app: Flask, company: dict) -> None:
    add_clients(company, 2)
    response = signed_in(app, company["admin"]).get("/admin/", query_string={"q": "x" * 3000})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f"“{'x' * 100}”" in body and "x" * 101 not in body


def test_the_home_page_makes_the_same_queries_for_five_or_fifty_clients(
    app: Flask, company: dict
) -> None:
    http = signed_in(app, company["admin"])

    def queries() -> int:
        statements: list[str] = []
        note = lambda *args: statements.append(args[2])  # noqa: E731
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", note)
        try:
            assert http.get("/admin/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", note)
        return len(statements)

    add_clients(company, 5)
    few = queries()
    add_clients(company, 45, prefix="More")
    with app.app_context():
        more_centres = [db.session.get(Centre, company["leeds"].id)]
        admin = db.session.get(User, company["admin"].id)
        admin.centres = admin.centres + more_centres  # and a second centre's staff to list
        db.session.commit()
    assert queries() == few


def test_staff_are_listed_per_centre_without_the_clients(app: Flask, company: dict) -> None:
    add_clients(company, 2)
    staff = services.staff_by_centre(db.session, [company["london"], company["leeds"]])
    london, leeds = staff[company["london"].id], staff[company["leeds"].id]
    assert [u.name for u in london] == ["Ada Admin", "Sam Physio", "Tom Massage"]
    assert [u.name for u in leeds] == ["Lee Physio", "Lou Massage"]
