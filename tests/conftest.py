"""Shared fixtures. Tests run against the services named by DATABASE_URL / REDIS_URL when
set (CI), otherwise against the embedded defaults (SQLite, filesystem broker and store)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def intranet_settings(settings):
    """A small, explicit network layout so tests do not depend on the defaults."""
    import ipaddress

    settings.INTRANET_NETWORKS = [
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("127.0.0.0/8"),
    ]
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.9.9.0/24")]
    return settings


# --- people and places shared by the feature suites (tests/accounts builds a larger tree) ---


@pytest.fixture
def bureau(db):
    from edu_portal.accounts import actions
    from edu_portal.accounts.models import OrgUnit

    kind = OrgUnit.Kind.BUREAU
    return actions.create_org_unit(actions.SYSTEM, None, kind, "示范县教育局", "t-bureau")


@pytest.fixture
def school(bureau):
    from edu_portal.accounts import actions
    from edu_portal.accounts.models import OrgUnit

    kind = OrgUnit.Kind.SCHOOL
    return actions.create_org_unit(actions.SYSTEM, bureau, kind, "城南小学", "t-school")


@pytest.fixture
def teacher(school):
    from edu_portal.accounts.roles import Role
    from tests.people import make_user

    return make_user("teacher_li", Role.TEACHER, school)


@pytest.fixture
def student(school):
    from edu_portal.accounts.roles import Role
    from tests.people import make_user

    return make_user("student_wang", Role.STUDENT, school)


@pytest.fixture
def department(bureau):
    """A department of the bureau (reviewers and editors sit in departments)."""
    from edu_portal.accounts import actions
    from edu_portal.accounts.models import OrgUnit

    kind = OrgUnit.Kind.DEPARTMENT
    return actions.create_org_unit(actions.SYSTEM, bureau, kind, "教研室", "t-dept")


@pytest.fixture
def other_department(bureau):
    from edu_portal.accounts import actions
    from edu_portal.accounts.models import OrgUnit

    kind = OrgUnit.Kind.DEPARTMENT
    return actions.create_org_unit(actions.SYSTEM, bureau, kind, "督导室", "t-dept2")


@pytest.fixture(autouse=True)
def _isolated_download_counts(settings):
    """Buffered download counts of one test never reach another's resources: a Redis key
    prefix of its own, and an empty in-process buffer."""
    import uuid

    from catalog import counters

    settings.COUNTERS_REDIS_PREFIX = f"test:counters:{uuid.uuid4().hex}:"
    counters._local_downloads.clear()
    yield
    if settings.REDIS_URL:
        keys = counters.downloads().client.keys(f"{settings.COUNTERS_REDIS_PREFIX}*")
        if keys:
            counters.downloads().client.delete(*keys)
    counters._local_downloads.clear()


@pytest.fixture(autouse=True)
def _no_sms_repeat_guard(settings):
    """The "one identical SMS per number per 30 s" guard keeps its keys in the shared cache
    (files or Redis), which outlives each test's database: two tests sending the same demo
    text to the same number would hold each other's message. Off unless a test turns it
    on (tests/messaging/channels does, with numbers of its own)."""
    settings.SMS_REPEAT_SECONDS = 0


@pytest.fixture(autouse=True)
def _portal_page_cache_off(settings):
    """The portal's page cache (edu_portal.cms.page_cache) lives in the shared cache
    (files or Redis), which outlives each test's database: a page cached by one test would
    answer another's request for the same path. Off unless a test turns it on
    (tests/cms/site does); its visit buffer starts empty in every test."""
    from edu_portal.cms import visits

    settings.CMS_PAGE_CACHE_SECONDS = 0
    visits._local_visits.clear()
    yield
    visits._local_visits.clear()


@pytest.fixture(autouse=True)
def _integrity_ledger_off(settings):
    """The integrity ledger (edu_portal.operations.ledger) adds a transaction to every
    stored object and publication and a query to every page served, which tests counting
    queries or storing from threads inside a test transaction are not about. Off unless
    a test turns it on (tests/operations does)."""
    settings.INTEGRITY_LEDGER_ENABLED = False


@pytest.fixture(autouse=True)
def _celery_conf_follows_settings():
    """Celery reads CELERY_* from Django's settings live, unless a value was set on
    ``app.conf``: then that value shadows the setting for the rest of the process. Tests
    that set ``app.conf.task_always_eager`` and "restore" it leave such a value behind, and
    a later test's ``settings.CELERY_TASK_ALWAYS_EAGER = True`` stopped working."""
    from edu_portal.celery import app

    keys = ("task_always_eager", "task_eager_propagates")
    app.conf.task_always_eager  # noqa: B018  (loads the configuration: changes is a dict then)
    before = {key: app.conf.changes[key] for key in keys if key in app.conf.changes}
    yield
    for key in keys:
        app.conf.changes.pop(key, None)
    app.conf.changes.update(before)


@pytest.fixture(autouse=True)
def _cache_of_this_process(settings):
    """The cache (Redis under CI, files otherwise) is one for every pytest process: with
    xdist's two workers, one's cached lists, counts and pages answered the other's tests
    (a query too few, another test's order). Each process gets its own key prefix."""
    caches = {alias: dict(conf) for alias, conf in settings.CACHES.items()}
    for conf in caches.values():
        conf["KEY_PREFIX"] = f"test{os.getpid()}"
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def _portal_shared_cache_fresh(settings):
    """Wagtail keeps the sites' root paths, and the site search its estimated counts, in the
    shared cache (files or Redis), which outlives each test's database and is shared by the
    xdist workers: another test's site or counts would answer this one. Each test starts
    without them (the search's count cache is off unless a test turns it on)."""
    from django.core.cache import cache
    from wagtail.models.sites import SITE_ROOT_PATHS_CACHE_KEY, SITE_ROOT_PATHS_CACHE_VERSION

    settings.CMS_SEARCH_COUNT_CACHE_SECONDS = 0
    cache.delete(SITE_ROOT_PATHS_CACHE_KEY, version=SITE_ROOT_PATHS_CACHE_VERSION)


def _flushes_the_database(item: pytest.Item) -> bool:
    """Whether pytest-django ends ``item`` by flushing every table (a transactional test or
    a live server), as its own collection ordering decides it."""
    from django.test import TestCase, TransactionTestCase

    cls = getattr(item, "cls", None)
    if cls and issubclass(cls, TransactionTestCase):
        return not issubclass(cls, TestCase)
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """A transactional test's flush also removes the rows migrations seed: the catalog's
    subjects, editions and collections, the portal's page tree and site, Wagtail's root
    collection. pytest-django runs such tests last, but with xdist a worker runs whole
    files, so later files on that worker would find an empty catalog and no site. Seed them
    again, with the migrations' own idempotent functions, once the flush is done."""
    yield
    if nextitem is None or not _flushes_the_database(item):
        return
    import importlib

    from django.apps import apps
    from pytest_django.plugin import blocking_manager_key
    from wagtail.models import Collection

    from edu_portal.cms.structure import ensure_structure

    with item.config.stash[blocking_manager_key].unblock():
        importlib.import_module("catalog.migrations.0004_seed_taxonomy").seed(apps, None)
        ensure_structure()
        if Collection.get_first_root_node() is None:
            Collection.add_root(name="Root")
