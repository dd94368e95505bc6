"""The integrity ledger and resource files (issue 16): a resource's original is recorded
when the platform stores it, a replaced file is not a finding, and bytes changed in the
store behind the platform's back are."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import Resource
from edu_portal.storage import get_storage
from tests.authoring.conftest import PDF, client_for, stored, upload_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(settings):
    settings.INTEGRITY_LEDGER_ENABLED = True
    settings.INTEGRITY_LEDGER_KEY = "test-ledger-key"
    call_command("verify_integrity", "--baseline")  # the page tree the migrations made


def verify(capsys) -> tuple[int, str]:
    try:
        call_command("verify_integrity")
    except CommandError as error:
        return error.returncode, capsys.readouterr().out + str(error)
    return 0, capsys.readouterr().out


def test_replaced_resource_file_is_not_a_finding_altered_one_is(
    ledger, teacher, make, capsys, django_capture_on_commit_callbacks
):
    resource = make("勾股定理 课件", state="changes_requested")
    old_key = resource.source_key
    assert old_key.startswith("blobs/")
    assert verify(capsys)[0] == 0

    upload = stored(teacher, PDF + b"% corrected\n", "勾股定理-改.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(teacher).post(
            f"/resources/{resource.pk}/replace/", {"upload": upload_url(upload)}
        )
    assert response.status_code == 302
    resource = Resource.objects.get(pk=resource.pk)
    assert resource.source_key != old_key
    status, out = verify(capsys)
    assert status == 0, out

    # Now someone writes into the stored original directly.
    path = get_storage().root / resource.source_key
    path.write_bytes(b"%PDF-1.4 forged")
    status, out = verify(capsys)
    assert status == 1
    assert f"changed    object {resource.source_key}" in out
