"""Resources for the catalog page tests, made directly (the upload path has its own tests)
and indexed by the configured search backend (the database one here)."""

from __future__ import annotations

import hashlib
import itertools
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from catalog.models import Blob, Resource, ResourceFile
from catalog.search import services
from catalog.taxonomy import Collection, Edition, Subject, Tag, TextbookNode
from edu_portal.workflow.models import State

_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def _reset_language():
    yield
    translation.deactivate()


def add_file(resource: Resource, filename: str, content: bytes, content_type: str, role: str):
    sha = hashlib.sha256(content + str(next(_serial)).encode()).hexdigest()
    blob = Blob.objects.create(
        sha256=sha, size=len(content), content_type=content_type, key=Blob.key_for(sha)
    )
    return ResourceFile.objects.create(resource=resource, blob=blob, role=role, filename=filename)


@pytest.fixture
def make_resource(teacher):
    """``make_resource(title, **fields)``: a published, indexed resource by the teacher."""

    def make(title: str, *, tags=(), index: bool = True, **fields) -> Resource:
        subject = fields.pop("subject", None)
        if isinstance(subject, str):
            subject = Subject.objects.get(code=subject)
        collection = fields.pop("collection", None)
        if isinstance(collection, str):
            collection = Collection.objects.get(slug=collection)
        fields.setdefault("state", State.PUBLISHED)
        fields.setdefault("visibility", "public")
        fields.setdefault("kind", Resource.Kind.COURSEWARE)
        fields.setdefault("status", Resource.Status.READY)
        age = fields.pop("age_days", 0)
        if fields["state"] == State.PUBLISHED:
            fields.setdefault("published_at", timezone.now() - timedelta(days=age))
        if fields.get("grade") and not fields.get("stage"):
            from catalog.taxonomy import stage_of_grade

            fields["stage"] = stage_of_grade(fields["grade"])
        resource = Resource.objects.create(
            title=title,
            uploader=fields.pop("uploader", teacher),
            org_unit=teacher.org_unit,
            subject=subject,
            collection=collection,
            **fields,
        )
        if tags:
            resource.tags.set([Tag.objects.get_or_create(name=name)[0] for name in tags])
        add_file(
            resource,
            f"{title}.pptx",
            b"x" * 2048,
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ResourceFile.Role.ORIGINAL,
        )
        if index:
            services.update(resource.pk)
        return resource

    return make


@pytest.fixture
def book(db):
    """人教版 八年级上册 数学 with two units, the first with two lessons."""
    math = Subject.objects.get(code="math")
    pep = Edition.objects.get(code="pep")
    common = {"edition": pep, "subject": math, "grade": 8}
    nodes = TextbookNode

    def node(parent, kind, name, order=0):
        fields = {"kind": kind, "name": name, "order": order, **common}
        if parent is None:
            return nodes.add_root(**fields)
        return parent.add_child(**fields)

    root = node(None, "book", "八年级上册")
    unit1 = node(root, "unit", "第十七章 勾股定理", 1)
    unit2 = node(root, "unit", "第十八章 平行四边形", 2)
    lesson1 = node(unit1, "lesson", "17.1 勾股定理", 1)
    lesson2 = node(unit1, "lesson", "17.2 勾股定理的逆定理", 2)
    return {"book": root, "unit1": unit1, "unit2": unit2, "lesson1": lesson1, "lesson2": lesson2}
