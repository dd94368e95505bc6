"""Annual report benchmark (issue 15): Tables 二, 三 and 四 for a year with 20,000
applications, on PostgreSQL (skipped on SQLite), in under 2 s (median of ``BENCH_ANNUAL_RUNS``
runs, default 5). The counting is grouped queries in the database, never a loop over
applications; the test also checks the number of queries and the identity.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_j .venv/bin/pytest \
     tests/benchmarks/test_annual_report_bench.py -s -p no:cacheprovider
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edu_portal.disclosure import annual
from edu_portal.disclosure.models import ApplicantType, Application, Outcome

pytestmark = pytest.mark.django_db
APPLICATIONS = int(os.environ.get("BENCH_ANNUAL_APPLICATIONS", "20000"))
RUNS = int(os.environ.get("BENCH_ANNUAL_RUNS", "5"))
YEAR = 2025
LIMIT_S = 2.0


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the annual report benchmark needs PostgreSQL (DATABASE_URL=postgres://…)")


def _generate(n: int) -> None:
    rng = random.Random(15)
    types, outcomes = ApplicantType.values, Outcome.values
    start = dt.date(YEAR, 1, 1)
    rows = []
    for _ in range(n):
        received = start + dt.timedelta(days=rng.randrange(-40, 365))
        replied = received + dt.timedelta(days=rng.randrange(5, 60))
        still_open = rng.random() < 0.03
        rows.append(
            Application(
                applicant_type=rng.choice(types),
                applicant_name="申请人",
                id_type="resident_id",
                id_number="11010519491231002X",
                phone="13800138000",
                description="政府信息",
                form="electronic",
                delivery="email",
                channel="post",
                received_on=received,
                replied_on=None if still_open else replied,
                outcome="" if still_open else rng.choice(outcomes),
                state="open" if still_open else "replied",
            )
        )
    Application.objects.bulk_create(rows, batch_size=2000)


def test_annual_report_for_20000_applications():
    _generate(APPLICATIONS)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE disclosure_application")
    timings = []
    for _ in range(RUNS):
        began = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            figures = annual.compute(YEAR)
        timings.append(time.perf_counter() - began)
    median = statistics.median(timings)
    counted = figures.table3["new"]["total"] + figures.table3["carried_over"]["total"]
    print(
        f"\nannual report, {APPLICATIONS} applications: median {median * 1000:.1f} ms "
        f"over {RUNS} runs (min {min(timings) * 1000:.1f}, max {max(timings) * 1000:.1f}); "
        f"{len(queries)} queries; {counted} applications in Table 三"
    )
    assert figures.failures == []
    assert counted > APPLICATIONS * 0.8
    assert len(queries) <= 6
    assert median < LIMIT_S
