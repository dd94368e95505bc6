"""Wagtail's files through the Django Storage over the platform's object store, on the
filesystem and on S3 (a moto server over HTTP, as tests/storage does)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile

from edu_portal.storage.django_storage import ObjectStoreStorage
from tests.storage.conftest import moto_endpoint, s3_url  # noqa: F401 - the session fixture


@pytest.fixture(params=["filesystem", "s3"])
def backend(request, tmp_path, settings):
    if request.param == "filesystem":
        settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    else:
        settings.OBJECT_STORE_URL = s3_url(request.getfixturevalue("moto_endpoint"))
    settings.OBJECT_STORE_RETRIES = 1
    from edu_portal.storage import get_storage

    return ObjectStoreStorage(prefix="cms/"), get_storage()


def test_round_trip_keeps_a_chinese_name_and_streams_ranges(backend):
    django_storage, store = backend
    data = b"%PDF-1.4 " + bytes(range(256)) * 4000
    name = django_storage.save("documents/关于招生的通知 (2026).pdf", ContentFile(data))
    assert name.startswith("documents/关于招生的通知")
    key = django_storage.key_for(name)
    assert key.startswith("cms/documents/") and key.isascii()
    assert store.stat(key).size == len(data)
    assert django_storage.exists(name) and django_storage.size(name) == len(data)
    with django_storage.open(name) as handle:
        assert handle.read(9) == b"%PDF-1.4 "
        handle.seek(len(data) - 3)
        assert handle.read() == data[-3:]
        handle.seek(0)
        assert handle.read() == data
    assert django_storage.listdir("documents") == ([], [name.split("/", 1)[1]])
    # Saving the same name again does not overwrite: Django picks another name.
    other = django_storage.save(name, ContentFile(b"x"))
    assert other != name and django_storage.open(name).read() == data
    django_storage.delete(name)
    assert not django_storage.exists(name) and not store.exists(key)


@pytest.mark.parametrize(
    "name",
    [
        "../etc/passwd",
        "/abs/x.pdf",
        "documents/../../x",
        "documents//x",
        "documents/./x",
        "a\\..\\b",
    ],
)
def test_names_that_leave_their_folder_are_refused(name, tmp_path, settings):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    with pytest.raises(SuspiciousFileOperation):
        ObjectStoreStorage(prefix="cms/").key_for(name)


def test_a_hidden_segment_is_escaped_not_hidden(tmp_path, settings):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    storage = ObjectStoreStorage(prefix="cms/")
    assert storage.key_for("documents/.htaccess") == "cms/documents/=2Ehtaccess"
    name = storage.save("documents/.profile", io.BytesIO(b"x"))
    assert storage.listdir("documents")[1] == [name.split("/")[1]]


def test_documents_have_no_direct_url_but_renditions_do(tmp_path, settings):
    storage = ObjectStoreStorage(
        prefix="cms/", public_prefixes=["images/"], url_name="cms:stored-image"
    )
    assert storage.url("images/a.fill-10x10.jpg") == "/media/cms/images/a.fill-10x10.jpg"
    with pytest.raises(NotImplementedError):
        storage.url("documents/secret.pdf")


def test_settings_put_wagtail_files_in_the_object_store(settings):
    from django.core.files.storage import default_storage, storages

    backend = settings.STORAGES["default"]["BACKEND"]
    assert backend == "edu_portal.storage.django_storage.ObjectStoreStorage"
    assert isinstance(storages["default"], ObjectStoreStorage)
    assert default_storage.prefix == "cms/"
