"""Site search benchmark (issue 14): 100,000 articles plus 100,000 resources in the site
index on PostgreSQL, 2-character queries with type counts through the database backend.
Prints p50/p95 per query class and asserts the issue's targets: p95 < 50 ms over every
2-character query, and < 100 ms for the most common words.

Counts of very common words are sampled (``CMS_SEARCH_FACET_SAMPLE`` matches, scaled by
PostgreSQL's estimate) and their estimates kept a few minutes; both are measured: "cold"
clears the cache before every query, "warm" lets the cache work as it does in production.

The resources are generated and indexed as in the resource-search benchmark
(tests/benchmarks/test_search_bench.py), through the site index's own rebuild. The articles
go into the index through the backend's ``index_entries`` (the path a rebuild uses) rather
than as 100,000 Wagtail pages: what is measured is the search, and a tree of 100,000 pages
would take most of an hour to build without changing one row of the index.

Run with `make bench` and DATABASE_URL=postgres://…; skipped on SQLite.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.benchmarks.test_search_bench import QUERIES as RESOURCE_QUERIES
from tests.benchmarks.test_search_bench import _generate

N_ARTICLES = 100_000
N_SEARCHES = 300
TARGET_P95_MS = 50.0
TARGET_COMMON_P95_MS = 100.0

ISSUERS = ["教育局办公室", "基础教育科", "人事科", "计划财务科", "教研室", "招生考试中心", "督导室"]
SUBJECTS = [
    "秋季学期开学工作",
    "义务教育招生入学",
    "教师资格认定",
    "中小学生安全教育",
    "校园食品安全",
    "课后服务",
    "学前教育普及",
    "教师职称评审",
    "学生资助政策",
    "体育艺术活动",
    "防溺水专项行动",
    "教育信息化建设",
    "高考考务工作",
    "中考体育考试",
    "校外培训治理",
    "心理健康教育",
]
FORMS = [
    "关于做好{}的通知",
    "关于{}的实施方案",
    "{}工作会议召开",
    "{}情况通报",
    "{}专项检查结果公示",
]
BODY = [
    "各学校要高度重视，切实加强组织领导，明确责任分工。",
    "请各单位结合实际认真贯彻落实，并于规定时间前报送工作总结。",
    "会议强调，要坚持以学生为中心，全面提高教育教学质量。",
    "本次活动覆盖全县中小学校，参与师生逾万人。",
    "联系电话见附件，咨询时间为工作日上午九时至下午五时。",
    "各校要加强家校沟通，及时向家长通报有关情况。",
]
# 2-character queries over the articles (their words) and the resources (the resource
# benchmark's list), from narrow to broad.
ARTICLE_QUERIES = ["招生", "资助", "防溺", "职称", "食品", "培训", "心理", "信息", "考务", "体育"]
# The words that occur in tens of thousands of rows.
COMMON = ["教学", "教育", "学校", "工作", "学生"]


def _articles():
    from edu_portal.cms.search.registry import Entry

    rng = random.Random(20261205)
    now = timezone.now()
    batch = []
    for i in range(N_ARTICLES):
        title = rng.choice(FORMS).format(rng.choice(SUBJECTS))
        text = rng.choice(ISSUERS) + "。" + "".join(rng.sample(BODY, 3))
        batch.append(
            Entry(
                type="article" if i % 10 else "guide",
                object_id=i + 1,
                title=title,
                text=text,
                url=f"/news/a{i + 1}/",
                published=now - timedelta(minutes=7 * i),
            )
        )
        if len(batch) == 5000:
            yield batch
            batch = []
    if batch:
        yield batch


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share) - 1)]


# Committed and vacuumed rows, as in production (see test_search_bench.py).
@pytest.mark.django_db(transaction=True)
def test_site_search_benchmark(teacher, taxonomy, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the site search benchmark needs DATABASE_URL=postgres://… (found SQLite)")
    from django.core.cache import cache

    from edu_portal.cms.search import SiteQuery, search, services
    from edu_portal.cms.search.backends import get_backend

    settings.SEARCH_URL = "db://"
    backend = get_backend()
    started = time.perf_counter()
    _generate(teacher)
    for entries in _articles():
        backend.index_entries(entries)
    services.rebuild(types=["resource", "ebook"], batch_size=2000)
    built = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cms_sitesearchentry")
        cursor.execute("SELECT type, COUNT(*) FROM cms_sitesearchentry GROUP BY type ORDER BY 1")
        sizes = dict(cursor.fetchall())
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('cms_sitesearchentry'))")
        (table_size,) = cursor.fetchone()
    print(
        f"\nsite search benchmark: built and indexed in {built:.0f} s; rows {sizes};"
        f" index table {table_size}; facet sample {settings.CMS_SEARCH_FACET_SAMPLE}"
    )

    rng = random.Random(11)
    queries = ARTICLE_QUERIES + RESOURCE_QUERIES + COMMON
    runs: dict[str, list[float]] = {"cold": [], "warm": []}
    common_runs: dict[str, list[float]] = {"cold": [], "warm": []}
    by_query: dict[str, list[tuple[float, int, bool]]] = {}
    for mode in ("cold", "warm"):
        for i in range(N_SEARCHES + 10):
            text = rng.choice(queries)
            types = (rng.choice(["article", "resource"]),) if i % 3 == 0 else ()
            query = SiteQuery(text=text, types=types, visibilities=("public", "intranet"))
            if mode == "cold":
                cache.clear()
            start = time.perf_counter()
            results = search(query)
            elapsed = (time.perf_counter() - start) * 1000
            # A resource word filtered to articles may rightly find nothing.
            assert results.hits or (types and not results.total), (text, types)
            if i < 10:
                continue  # the first few warm PostgreSQL's buffers
            runs[mode].append(elapsed)
            if text in COMMON:
                common_runs[mode].append(elapsed)
            if mode == "cold":
                by_query.setdefault(text, []).append(
                    (elapsed, results.total, results.counts.approximate)
                )
    verdicts = []
    for mode in ("cold", "warm"):
        p95 = _percentile(runs[mode], 0.95)
        common_p95 = _percentile(common_runs[mode], 0.95)
        print(
            f"site search ({mode} count cache): {len(runs[mode])} searches, all 2-character"
            f" queries: p50 {statistics.median(runs[mode]):.1f} ms, p95 {p95:.1f} ms"
            f" (target < {TARGET_P95_MS:.0f}); most common words: p50"
            f" {statistics.median(common_runs[mode]):.1f} ms, p95 {common_p95:.1f} ms"
            f" (target < {TARGET_COMMON_P95_MS:.0f})"
        )
        verdicts.append((mode, p95, common_p95))
    for text, timings in sorted(by_query.items(), key=lambda kv: max(n for _t, n, _a in kv[1])):
        median = statistics.median(t for t, _n, _a in timings)
        total = max(n for _t, n, _a in timings)
        approx = "约 " if any(a for _t, _n, a in timings) else ""
        print(f"  {text}: {approx}{total} matches, median {median:.1f} ms (cold)")
    for mode, p95, common_p95 in verdicts:
        assert p95 < TARGET_P95_MS, f"{mode}: p95 {p95:.1f} ms"
        assert common_p95 < TARGET_COMMON_P95_MS, f"{mode}: common p95 {common_p95:.1f} ms"
