"""What French costs a reader (issue 17): the same demo pages, English and French, through
the Flask test client (the whole request: session, queries, templates, catalog look-ups,
Babel's formats), beside a floor measured in the same run (``/health``, a request that
renders nothing), and the cost report of the demo's largest arrangement in both languages.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_languages.py [--runs 15]

Prints the median of ``--runs`` runs after one warm-up per URL and language.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade

import config
from jointprojects import create_app
from jointprojects.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from jointprojects.extensions import db
from jointprojects.organizations.services import load_reference_data

PAGES = ["/", "/arrangements/", "/arrangements/SA-2024-001", "/expenses/",
         "/expenses/arrangements/SA-2024-001", "/personnel-exchanges/", "/organizations/"]
LANGUAGES = {"en": "en-GB,en;q=0.9", "fr": "fr-FR,fr;q=0.9"}


def _median(client, url: str, runs: int) -> float:  # type: ignore[no-untyped-def]
    client.get(url)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code in (200, 302), (url, response.status_code)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(config.TestingConfig,
                         SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/bench.db",
                         WTF_CSRF_ENABLED=False)
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            load_reference_data()
            load_demo()
            db.session.commit()
        results: dict[str, dict[str, float]] = {}
        for language, header in LANGUAGES.items():
            client = app.test_client()
            client.environ_base["HTTP_ACCEPT_LANGUAGE"] = header
            client.post("/login", data={"email": DEMO_USERS[3][0], "password": DEMO_PASSWORD})
            page = client.get("/").get_data(as_text=True)
            assert f'<html lang="{language}">' in page, language
            results[language] = {url: _median(client, url, args.runs)
                                 for url in ["/health", *PAGES]}
            report = "/expenses/arrangements/SA-2024-001/cost-report.xlsx"
            if client.get(report).status_code == 200:
                results[language][report] = _median(client, report, max(3, args.runs // 3))
        print(f"median of {args.runs} runs, ms (floor: /health)")
        print(f"{'URL':45} {'en':>8} {'fr':>8} {'fr/en':>7}")
        for url in results["en"]:
            en, fr = results["en"][url], results["fr"][url]
            print(f"{url:45} {en:8.2f} {fr:8.2f} {fr / en:7.2f}")


if __name__ == "__main__":
    main()
