"""Letters in the portal: the published answer in the site search without the writer's
details, and the inspection's rule on letters unanswered for more than 90 days."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from edu_portal.cms.search import services
from edu_portal.interaction import actions, portal
from tests.interaction.conftest import WRITER, letter_data

pytestmark = pytest.mark.django_db


def test_the_published_answer_is_found_by_the_site_search_without_personal_data(
    client, office, editor, department
):
    letter = actions.accept(office, actions.submit(**letter_data(), client_ip=None), department)
    actions.draft(editor, letter, "请携带户口簿报名，联系李明华请拨13912345678。")
    letter = actions.approve(office, letter, method="phone", publish=True)
    entry = portal.AnswerProvider().entry_for(letter.pk)
    assert "户口簿" in entry.text and entry.url == f"/letters/answers/{letter.pk}/"
    for value in (*WRITER.values(), "13912345678"):
        assert value not in entry.text and value not in entry.title
    services.update([(portal.SEARCH_TYPE, letter.pk)])
    found = client.get("/api/v1/search/", {"q": "户口簿"})
    assert found.status_code == 200, found.content
    body = found.content.decode()
    assert f"/letters/answers/{letter.pk}/" in body
    for value in WRITER.values():
        assert value not in body


def test_unpublished_letters_are_not_searchable(office):
    letter = actions.submit(**letter_data(), client_ip=None)
    assert portal.AnswerProvider().entry_for(letter.pk) is None
    assert list(portal.AnswerProvider().iter_entries()) == []


def test_the_inspection_reports_letters_unanswered_for_90_days(office):
    old = actions.submit(
        **letter_data(), registered_by=office, received_on=datetime.date(2026, 8, 1)
    )
    actions.submit(**letter_data(), registered_by=office, received_on=datetime.date(2026, 11, 1))
    finding = portal.unanswered(SimpleNamespace(today=datetime.date(2026, 12, 5)))
    assert finding.failed and finding.veto
    assert [item.url for item in finding.items] == [f"/letters/{old.pk}/"]
    actions.reject(office, old, "重复来信")
    assert not portal.unanswered(SimpleNamespace(today=datetime.date(2026, 12, 5))).failed
