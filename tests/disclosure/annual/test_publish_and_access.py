"""Who reads the report, the Excel file, the office's page, and publishing into the portal's
年度报告 column (through Wagtail's revision publish)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook
from rest_framework.test import APIClient

from edu_portal.disclosure.annual_models import AnnualReport
from tests.disclosure.annual.conftest import YEAR, make

URL = f"/api/v1/disclosure-annual-reports/{YEAR}/"
STAFF = f"/disclosure/staff/annual-reports/{YEAR}/"
TITLE = f"示范县教育局{YEAR}年政府信息公开工作年度报告"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_before_publication_only_the_office_reads_it(api, editor, year_of_applications):
    anonymous = APIClient().get(URL)
    assert anonymous.status_code == 404
    assert anonymous.json()["code"] == "not_published" and anonymous.json()["detail"]
    other = APIClient()
    other.force_authenticate(editor)
    assert other.get(URL).status_code == 404
    assert api.get(URL).status_code == 200
    for year in (1999, 2030):
        assert api.get(f"/api/v1/disclosure-annual-reports/{year}/").status_code == 404
    bad = api.get(URL + "?format=csv")
    assert bad.status_code == 400 and bad.json()["code"] == "bad_format"


@pytest.mark.django_db
def test_excel_has_the_official_layout(api, year_of_applications):
    response = api.get(URL + "?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    three = book["三、收到和处理政府信息公开申请情况"]
    assert three["D1"].value == "申请人情况"
    assert (
        three["D2"].value == "自然人"
        and three["I3"].value == "其他"
        and three["J2"].value == "总计"
    )
    assert three["A4"].value == "一、本年新收政府信息公开申请数量"
    assert [three[f"{c}4"].value for c in "DEFGHIJ"] == [45] * 6 + [270]
    assert [three[f"{c}5"].value for c in "DEFGHIJ"] == [2, 3, 4, 5, 6, 7, 27]
    assert three["B6"].value == "（一）予以公开" and three["D6"].value == 1 + 1
    assert three["B8"].value == "（三）不予公开" and three["C8"].value == "1.属于国家秘密"
    assert three["B27"].value == "（七）总计" and three["J27"].value == 273
    assert three["A28"].value == "四、结转下年度继续办理" and three["J28"].value == 24
    assert "A6:A27" in {str(r) for r in three.merged_cells.ranges}
    two = book["二、主动公开政府信息情况"]
    assert two["A3"].value == "规章" and two["B2"].value == "本年制发件数"
    four = book["四、行政复议、行政诉讼情况"]
    assert four["A1"].value == "行政复议" and four["F2"].value == "未经复议直接起诉"
    assert four["O3"].value == "总计" and four["A4"].value == 0


@pytest.mark.django_db
def test_office_page_texts_kept_when_regenerated(office, editor, year_of_applications):
    assert signed_in(editor).get(STAFF).status_code == 403
    client = signed_in(office)
    page = client.get(STAFF)
    assert page.status_code == 200
    assert "一、本年新收政府信息公开申请数量" in page.content.decode()
    data = {"overview": "2025年，本局认真贯彻条例。", "licensing": "3", "punishment": "0"}
    data.update(enforcement="1", fees="0.1500")
    assert client.post(STAFF, data).status_code == 302
    make(2, "business", dt.date(YEAR, 6, 1))
    assert client.post(STAFF + "regenerate/").status_code == 302
    report = AnnualReport.objects.get(year=YEAR)
    assert report.overview == "2025年，本局认真贯彻条例。" and report.licensing == 3
    assert report.figures["table3"]["new"]["business"] == 47
    bad = client.post(STAFF, {**data, "licensing": "-1"})
    assert bad.status_code == 400


@pytest.mark.django_db
def test_publish_creates_then_updates_the_page(office, annual_column, year_of_applications):
    from edu_portal.cms.models import ArticlePage

    client = signed_in(office)
    client.post(STAFF, {"overview": "总体情况正文", "proactive": "主动公开正文"} | _numbers())
    assert client.post(STAFF + "publish/").status_code == 302
    report = AnnualReport.objects.get(year=YEAR)
    page = ArticlePage.objects.get(pk=report.page_id)
    assert page.live and page.title == TITLE
    assert page.get_parent().pk == annual_column.pk
    assert page.index_number
    # Anyone reads it now: the published figures, on the page and through the API.
    served = Client().get(page.url)
    html = served.content.decode()
    assert served.status_code == 200
    assert "总体情况正文" in html and 'id="table3"' in html and 'id="table2"' in html
    assert '<td class="num">270</td>' in html
    public = APIClient().get(URL).json()
    assert public["status"] == "published" and public["table3"]["new"]["total"] == 270
    # Later changes to the data do not change what was published …
    make(5, "research", dt.date(YEAR, 7, 1))
    assert APIClient().get(URL).json()["table3"]["new"]["total"] == 270
    # … until the office publishes again: the same page, a new revision.
    assert client.post(STAFF + "publish/").status_code == 302
    assert ArticlePage.objects.filter(title=TITLE).count() == 1
    assert APIClient().get(URL).json()["table3"]["new"]["total"] == 275
    assert page.revisions.count() == 2


@pytest.mark.django_db
def test_publish_refused_when_the_identity_fails(office, annual_column, year_of_applications):
    make(1, "legal_services", dt.date(YEAR, 5, 1), dt.date(YEAR, 5, 9), "")
    response = signed_in(office).post(STAFF + "publish/")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="identity-failures"' in html and 'id="anomalies"' in html
    assert not AnnualReport.objects.get(year=YEAR).is_published
    assert APIClient().get(URL).status_code == 404


@pytest.mark.django_db
def test_the_current_year_cannot_be_published(office, annual_column):
    year = dt.date.today().year
    response = signed_in(office).post(f"/disclosure/staff/annual-reports/{year}/publish/")
    assert response.status_code == 400
    assert f"{year}年尚未结束" in response.content.decode()  # "the year … is not over yet"


def _numbers() -> dict:
    return {"licensing": "0", "punishment": "0", "enforcement": "0", "fees": "0"}
