"""OPDS benchmark: 100,000 published e-books on PostgreSQL, 200 feed requests through the
Django test client (root, newest page 1, deep pages of newest, a subject feed, a search) by
a signed-in teacher on the intranet. Prints p50/p95 per feed type and overall.

Run with `make bench` and DATABASE_URL=postgres://…; skipped on SQLite. Issue 6 asks for the
p95 figure but sets no limit for it, so the latencies are printed, not asserted; what is
asserted is that every request answers 200 with a feed that has entries. The subjects and
collections the generator draws on are re-seeded by the ``taxonomy`` fixture
(tests/benchmarks/conftest.py), so the benchmark does not depend on the order of the runs.
"""

from __future__ import annotations

import hashlib
import random
import statistics
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

N_BOOKS = 100_000
N_REQUESTS = 200
WARMUP = 10
BATCH = 5000
WORDS = [
    "勾股定理",
    "唐诗三百首",
    "古文观止",
    "物理实验",
    "化学方程式",
    "英语阅读",
    "数学思维",
    "红楼梦",
    "西游记",
    "地理图册",
    "生物探究",
    "历史故事",
]
QUERIES = ["勾股", "唐诗", "物理", "红楼", "阅读", "实验", "故事", "数学"]
STAGE_OF_GRADE = {
    g: ("primary" if g <= 6 else "junior" if g <= 9 else "senior") for g in range(1, 13)
}


def _blob(name: str, content_type: str):
    from catalog.models import Blob

    sha = hashlib.sha256(name.encode()).hexdigest()
    return Blob.objects.create(
        sha256=sha, size=1000, content_type=content_type, key=Blob.key_for(sha)
    )


def _generate(teacher) -> None:
    from catalog.models import Collection, Resource, Subject
    from ebooks.models import EBook

    rng = random.Random(20261125)
    subjects = list(Subject.objects.all())
    collections = list(Collection.objects.all())
    assert subjects and collections, "the taxonomy fixture seeds subjects and collections"
    cover = _blob("bench-cover", "image/jpeg")
    thumbnail = _blob("bench-thumbnail", "image/jpeg")
    now = timezone.now()
    for start in range(0, N_BOOKS, BATCH):
        resources = []
        for i in range(start, min(start + BATCH, N_BOOKS)):
            grade = rng.randint(1, 12)
            word = rng.choice(WORDS)
            resources.append(
                Resource(
                    title=f"{word}（第{i % 7 + 1}册）",
                    description=f"{word}，适合{grade}年级学生课外阅读。",
                    kind="ebook",
                    visibility=rng.choice(["public", "intranet", "intranet", "staff"]),
                    uploader=teacher,
                    status="ready",
                    state="published",
                    published_at=now - timedelta(minutes=i),
                    stage=STAGE_OF_GRADE[grade],
                    grade=grade,
                    subject=rng.choice(subjects),
                    collection=rng.choice(collections) if collections else None,
                )
            )
        Resource.objects.bulk_create(resources)
        EBook.objects.bulk_create(
            EBook(
                resource=resource,
                format=rng.choice(["epub", "epub", "pdf", "txt"]),
                authors=["作者甲", "作者乙"],
                publisher="人民教育出版社",
                language="zh",
                isbn=f"978710{resource.pk:07d}",
                subjects=["阅读"],
                issued="2020",
                cover=cover,
                thumbnail=thumbnail,
            )
            for resource in resources
        )


def _plan(rng: random.Random, subject_codes: list[str]) -> list[tuple[str, str]]:
    """(feed type, path) for every request, shuffled so no type gets a warm streak."""
    deep_last = N_BOOKS // 2 // 50  # about half the books are visible to a teacher
    plan = []
    for i in range(N_REQUESTS + WARMUP):
        kind = ["root", "new", "new-deep", "subject", "search"][i % 5]
        if kind == "root":
            path = "/opds/"
        elif kind == "new":
            path = "/opds/new/"
        elif kind == "new-deep":
            path = f"/opds/new/?page={rng.randint(2, deep_last)}"
        elif kind == "subject":
            path = f"/opds/subjects/{rng.choice(subject_codes)}/?page={rng.randint(1, 5)}"
        else:
            path = f"/opds/search/?q={rng.choice(QUERIES)}"
        plan.append((kind, path))
    rng.shuffle(plan)
    return plan


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


# Committed and vacuumed rows, as in production (see test_search_bench.py).
@pytest.mark.django_db(transaction=True)
def test_opds_benchmark(client, teacher, taxonomy, intranet_settings, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the OPDS benchmark needs DATABASE_URL=postgres://… (found SQLite)")
    from catalog.search import services
    from catalog.taxonomy import Subject

    settings.SEARCH_URL = "db://"
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    started = time.perf_counter()
    _generate(teacher)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    indexed, _removed = services.reindex(rebuild=True, batch_size=2000)
    indexing = time.perf_counter() - started
    with connection.cursor() as cursor:
        for table in ("catalog_resource", "ebooks_ebook", "catalog_searchentry"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(
        f"\nOPDS benchmark: generated {N_BOOKS} e-books in {generated:.0f} s,"
        f" indexed {indexed} in {indexing:.0f} s"
    )

    client.force_login(teacher)
    subject_codes = list(Subject.objects.values_list("code", flat=True))
    timings: dict[str, list[float]] = {}
    for number, (kind, path) in enumerate(_plan(random.Random(7), subject_codes)):
        start = time.perf_counter()
        response = client.get(path)
        body = response.content
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, (path, body[:200])
        assert b"<entry" in body, (path, body[:500])  # a real page, not an empty feed
        if number >= WARMUP:
            timings.setdefault(kind, []).append(elapsed)

    every = [value for values in timings.values() for value in values]
    for kind in ("root", "new", "new-deep", "subject", "search"):
        values = timings[kind]
        print(
            f"  {kind:9s} {len(values):3d} requests: p50 {statistics.median(values):6.1f} ms,"
            f" p95 {_p95(values):6.1f} ms, max {max(values):6.1f} ms"
        )
    print(
        f"OPDS benchmark: {len(every)} feed requests over {N_BOOKS} e-books on PostgreSQL:"
        f" p50 {statistics.median(every):.1f} ms, p95 {_p95(every):.1f} ms,"
        f" max {max(every):.1f} ms"
    )
