"""My resources (/resources/mine/): every state, removed included; only the user's own."""

from __future__ import annotations

import pytest

from catalog import kinds
from catalog.models import Resource
from tests.authoring.conftest import client_for

pytestmark = pytest.mark.django_db

MINE = "/resources/mine/"
STATES = ("draft", "in_review", "changes_requested", "published", "withdrawn", "removed")


@pytest.fixture
def every_state(make):
    return {state: make(f"课件-{state}", state=state) for state in STATES}


def _listed(response) -> list[int]:
    return [item["resource"].pk for item in response.context["items"]]


def test_lists_every_state_with_counts(teacher, other_teacher, every_state, make):
    theirs = make("别人的课件", owner=other_teacher, state="published")
    response = client_for(teacher).get(MINE)
    assert response.status_code == 200
    listed = _listed(response)
    assert sorted(listed) == sorted(r.pk for r in every_state.values())
    assert theirs.pk not in listed
    counts = {f["value"]: f["count"] for f in response.context["filters"]}
    assert counts == {"": 6, **{state: 1 for state in STATES}}
    page = response.content.decode()
    # The reviewer's comment is on the page, next to the item sent back.
    assert "请把第三页的错别字改正。" in page
    for state in STATES:
        assert f'data-state="{state}"' in page


def test_state_filter(teacher, every_state):
    client = client_for(teacher)
    for state in STATES:
        response = client.get(MINE, {"state": state})
        assert _listed(response) == [every_state[state].pk], state
    # An unknown filter is ignored rather than an error.
    assert len(_listed(client.get(MINE, {"state": "nonsense"}))) == len(STATES)


def test_removed_is_listed_but_not_linked_and_offers_no_steps(teacher, every_state):
    response = client_for(teacher).get(MINE, {"state": "removed"})
    item = response.context["items"][0]
    assert item["state"] == "removed" and item["edit_url"] == "" and item["buttons"] == []
    assert f'href="/resources/{every_state["removed"].pk}/"' not in response.content.decode()


def test_next_steps_per_state(teacher, every_state):
    response = client_for(teacher).get(MINE)
    steps = {
        item["state"]: (bool(item["edit_url"]), sorted(b["name"] for b in item["buttons"]))
        for item in response.context["items"]
    }
    assert steps["draft"] == (True, ["submit"])
    assert steps["changes_requested"] == (True, ["submit"])
    assert steps["withdrawn"] == (True, ["submit"])
    assert steps["in_review"] == (False, ["withdraw"])
    assert steps["published"] == (False, ["withdraw"])
    page = response.content.decode()
    assert f"/resources/{every_state['changes_requested'].pk}/edit/" in page


def test_sorted_by_last_change_including_review_steps(teacher, make):
    from edu_portal.workflow import transitions

    first = make("先上传")
    second = make("后上传")
    # Submitting the older one is its latest change, so it comes first.
    transitions.submit(teacher, first)
    listed = _listed(client_for(teacher).get(MINE))
    assert listed[:2] == [first.pk, second.pk]
    by_title = _listed(client_for(teacher).get(MINE, {"sort": "title"}))
    assert by_title == sorted(listed, key=lambda pk: Resource.objects.get(pk=pk).title)


def test_paginated(teacher, make):
    for number in range(23):
        make(f"课件 {number:02d}")
    client = client_for(teacher)
    first = client.get(MINE)
    assert len(first.context["items"]) == 20 and first.context["next_url"]
    second = client.get(MINE + first.context["next_url"])
    assert len(second.context["items"]) == 3
    assert not set(_listed(first)) & set(_listed(second))


def test_thumbnail_when_the_kind_has_one(teacher, make, monkeypatch):
    resource = make("有封面的课件")
    handler = kinds.handler_for(resource.kind)
    monkeypatch.setattr(
        type(handler), "thumbnail_url", lambda self, r: f"/thumbs/{r.pk}.jpg", raising=False
    )
    page = client_for(teacher).get(MINE).content.decode()
    assert f'src="/thumbs/{resource.pk}.jpg"' in page


def test_needs_sign_in(client):
    response = client.get(MINE)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_post_is_refused(teacher):
    assert client_for(teacher).post(MINE).status_code == 405
