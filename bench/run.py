"""Server time per page on the demo data set (DESIGN.md §7: client pages ≤ 50 ms p95).

Runs in-process through the WSGI app (no network), on a fresh SQLite file seeded with the demo
company, and prints p50/p95/max per page. Usage: make bench   (or python bench/run.py -n 300)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webapp import create_app  # noqa: E402
from webapp.demo import services as demo  # noqa: E402
from webapp.library import services as library  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import User  # noqa: E402
from webapp.models import now_utc  # noqa: E402

PAGES = {
    "client": ("Alex Morgan", ["/today", "/pathway"]),
    "therapist": ("Sam Patel", ["/caseload/", "/clients/{alex}"]),
    "admin": ("Ruth Adler", ["/admin/", "/admin/clients/new"]),
}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=200, help="requests per page")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="continuum-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "WTF_CSRF_ENABLED": False,
        }
    )
    app.instance_path = str(folder)
    with app.app_context():
        upgrade()
        root = Path(app.config["EXERCISES_DIR"])
        library.load(db.session, root)
        demo.seed(db.session, now_utc(), app.config["PASSWORD_HASH_PROFILE"], root)
        db.session.commit()
        alex = db.session.scalar(db.select(User.id).where(User.name == "Alex Morgan"))
    print(
        f"machine: {cpu_model()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLite demo data, {args.n} requests per page"
    )
    print(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for person, urls in PAGES.values():
        http = app.test_client()
        http.post(
            "/login", data={"email": demo.email_for(person), "password": demo.password_for(person)}
        )
        for template in urls:
            url = template.format(alex=alex)
            for _ in range(10):  # warm up templates and connections
                http.get(url)
            samples = []
            for _ in range(args.n):
                start = time.perf_counter()
                response = http.get(url)
                samples.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            print(
                f"{url:28} {statistics.median(samples):8.1f} {percentile(samples, 0.95):8.1f} "
                f"{max(samples):8.1f}"
            )


if __name__ == "__main__":
    main()
