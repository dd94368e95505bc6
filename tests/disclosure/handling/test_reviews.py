"""行政复议/行政诉讼 records for Table 四: recorded by the office on a page, linked to an
application by its query code, dates and results checked."""

from __future__ import annotations

import pytest

from edu_portal.disclosure.models import ReviewCase

pytestmark = pytest.mark.django_db
URL = "/disclosure/staff/reviews/"


def _data(**overrides):
    data = {
        "kind": "reconsideration",
        "filed_on": "2026-11-05",
        "result": "pending",
        "decided_on": "",
        "case_number": "示复〔2026〕3号",
        "authority": "示范县人民政府",
        "note": "",
        "application_code": "",
    }
    data.update(overrides)
    return data


def test_record_link_and_decide(client, office, application):
    client.force_login(office)
    response = client.post(URL, _data(application_code=application.query_code.lower()))
    assert response.status_code == 302
    case = ReviewCase.objects.get()
    assert (case.kind, case.result, case.application) == ("reconsideration", "pending", application)
    assert case.created_by == office
    page = client.get(URL).content.decode()
    assert "示复〔2026〕3号" in page and application.query_code in page
    decided = client.post(
        f"{URL}{case.pk}/",
        _data(result="corrected", decided_on="2026-11-09", application_code=application.query_code),
    )
    assert decided.status_code == 302
    case.refresh_from_db()
    assert (case.result, str(case.decided_on)) == ("corrected", "2026-11-09")


@pytest.mark.parametrize(
    ("overrides", "sentence"),
    [
        ({"result": "pending", "decided_on": "2026-11-06"}, "no decision date"),
        ({"result": "upheld"}, "date of the decision"),
        ({"result": "upheld", "decided_on": "2026-11-01"}, "between the filing date"),
        ({"filed_on": "2026-12-01"}, "future"),
        ({"application_code": "NOSUCHCODE22"}, "No application has this query code"),
        ({"kind": "appeal"}, "Select a valid choice"),
    ],
)
def test_bad_records_are_refused(client, office, application, overrides, sentence):
    client.force_login(office)
    response = client.post(URL, _data(**overrides))
    assert response.status_code == 400
    assert sentence in response.content.decode()
    assert not ReviewCase.objects.exists()


def test_only_the_office(client, editor, application):
    client.force_login(editor)
    assert client.get(URL).status_code == 403
    assert client.post(URL, _data()).status_code == 403
    assert not ReviewCase.objects.exists()
