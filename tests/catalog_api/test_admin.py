"""The catalog's admin pages open for a superuser, and built-in collections stay."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Collection, Edition, Resource, Subject, TextbookNode

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", password="x-Very-long-1")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "model",
    ["resource", "collection", "subject", "edition", "tag", "textbooknode", "blob", "importrecord"],
)
def test_changelists_and_add_forms_open(admin_client, model):
    assert admin_client.get(reverse(f"admin:catalog_{model}_changelist")).status_code == 200


def test_textbook_tree_and_resource_pages(admin_client, teacher):
    math, pep = Subject.objects.get(code="math"), Edition.objects.get(code="pep")
    fields = {
        "kind": "book",
        "name": "数学 八年级下册",
        "edition": pep,
        "subject": math,
        "grade": 8,
    }
    book = TextbookNode.add_root(**fields)
    url = reverse("admin:catalog_textbooknode_change", args=[book.pk])
    assert admin_client.get(url).status_code == 200
    resource = Resource.objects.create(title="勾股定理", kind="courseware", uploader=teacher)
    url = reverse("admin:catalog_resource_change", args=[resource.pk])
    assert admin_client.get(url).status_code == 200


def test_builtin_collections_cannot_be_deleted(admin_client):
    builtin = Collection.objects.get(slug="local")
    url = reverse("admin:catalog_collection_delete", args=[builtin.pk])
    assert admin_client.get(url).status_code == 403
    own = Collection.objects.create(slug="contest", name="县优课评比")
    url = reverse("admin:catalog_collection_delete", args=[own.pk])
    assert admin_client.get(url).status_code == 200
