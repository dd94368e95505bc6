"""Fixtures shared by the benchmarks.

pytest-django runs transactional tests after the others, and every transactional test ends
by flushing all tables, which also removes the rows that migrations seed (subjects,
editions, collections). A benchmark that needs those rows asks for ``taxonomy``: it seeds
them again with the migration's own function (idempotent, ``get_or_create``), so each
benchmark finds the same catalog whether it runs alone, first, or after another one.
"""

from __future__ import annotations

import importlib

import pytest


@pytest.fixture
def taxonomy(db):
    """The taxonomy rows of ``catalog/migrations/0004_seed_taxonomy.py``, present again."""
    from django.apps import apps

    migration = importlib.import_module("catalog.migrations.0004_seed_taxonomy")
    migration.seed(apps, None)
    subjects = apps.get_model("catalog", "Subject").objects.count()
    assert subjects >= len(migration.SUBJECTS), subjects
