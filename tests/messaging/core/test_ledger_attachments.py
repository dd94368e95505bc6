"""The integrity ledger and notice attachments (issue 16): an attachment is recorded when
the notice API stores it, its bytes changed in the store are named by verify_integrity,
and one removed through the API is not "missing"."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from edu_portal.messaging.models import Notice
from edu_portal.storage import get_storage

pytestmark = pytest.mark.django_db


def verify(capsys) -> tuple[int, str]:
    try:
        call_command("verify_integrity")
    except CommandError as error:
        return error.returncode, capsys.readouterr().out + str(error)
    return 0, capsys.readouterr().out


def test_notice_attachments_are_ledgered(
    world, api, notice_data, settings, tmp_path, capsys, django_capture_on_commit_callbacks
):
    settings.OBJECT_STORE_URL = f"file://{tmp_path}"
    settings.INTEGRITY_LEDGER_ENABLED = True
    settings.INTEGRITY_LEDGER_KEY = "test-ledger-key"
    call_command("verify_integrity", "--baseline")
    client = api(world.admin)
    pk = client.post("/api/v1/notices/", notice_data(), format="json").json()["id"]
    url = f"/api/v1/notices/{pk}/attachments/"
    with django_capture_on_commit_callbacks(execute=True):
        for name in ("回执.pdf", "名单.pdf"):
            pdf = SimpleUploadedFile(name, b"%PDF-1.4\n" + name.encode(), "application/pdf")
            assert client.post(url, {"file": pdf}, format="multipart").status_code == 201
    assert verify(capsys)[0] == 0

    first, second = Notice.objects.get(pk=pk).attachments.order_by("pk")
    (get_storage().root / first.key).write_bytes(b"%PDF-1.4\nforged")
    status, out = verify(capsys)
    assert status == 1
    assert f"changed    object {first.key}" in out and second.key not in out

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"{url}{first.pk}/").status_code == 204
    assert verify(capsys)[0] == 0
