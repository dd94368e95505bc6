"""Looking a letter up by query code and phone: the state, the answer once given; one
generic sentence for any wrong pair; throttled per client address."""

from __future__ import annotations

from edu_portal.interaction import actions
from edu_portal.interaction.models import Letter
from tests.interaction.conftest import WRITER, letter_data


def _letter() -> Letter:
    data = letter_data()
    data.pop("publish_consent")
    return actions.submit(**data, publish_consent=True, client_ip="10.0.0.9")


def test_lookup_gives_the_state_and_no_answer_before_it_is_given(client, db, fresh_ip):
    letter = _letter()
    response = client.get(
        "/api/v1/letters/lookup/",
        {"code": letter.query_code, "phone": "+86 139-1234-5678"},
        REMOTE_ADDR=fresh_ip(),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "received" and body["answer"] is None
    assert body["due_on"] == letter.due_on.isoformat()
    assert response["Cache-Control"] == "private, no-store"
    for value in WRITER.values():  # the writer's details are not echoed
        assert value not in response.content.decode()


def test_wrong_pairs_get_one_generic_sentence(client, db, fresh_ip, other_department):
    letter = _letter()
    other = actions.submit(**{**letter_data(), "phone": "13800000000"}, client_ip=None)
    address = fresh_ip()
    answers = [
        client.get("/api/v1/letters/lookup/", query, REMOTE_ADDR=address)
        for query in (
            {"code": letter.query_code, "phone": "13800000000"},
            {"code": "ZZZZZZZZZZ", "phone": WRITER["phone"]},
            {"code": other.query_code, "phone": WRITER["phone"]},
            {"code": "", "phone": ""},
        )
    ]
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1
    assert answers[0].json()["code"] == "not_found"
    page = client.post(
        "/letters/lookup/", {"code": letter.query_code, "phone": "13800000000"}, REMOTE_ADDR=address
    )
    assert "No letter matches" in page.content.decode()


def test_lookups_are_throttled_per_address(client, db, settings, fresh_ip):
    settings.LETTER_LOOKUPS_PER_HOUR = 3
    letter = _letter()
    address = fresh_ip()
    query = {"code": letter.query_code, "phone": WRITER["phone"]}
    codes = [
        client.get("/api/v1/letters/lookup/", query, REMOTE_ADDR=address).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    page = client.post("/letters/lookup/", query, REMOTE_ADDR=address)
    assert "Too many look-ups" in page.content.decode()
    assert client.get("/api/v1/letters/lookup/", query, REMOTE_ADDR=fresh_ip()).status_code == 200
