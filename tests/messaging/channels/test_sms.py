"""SMS: segments, the file backend, both vendors' signatures checked by the local gateway,
limits, and a delivery handed over at most once."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.utils import timezone

from edu_portal.messaging import channels
from edu_portal.messaging.channels.sms import compose, limits, segments
from edu_portal.messaging.models import Delivery, Notice

from .conftest import PHONE, free_port

State = Delivery.State


def test_segments_count_70_then_67():
    assert segments("") == 0
    assert segments("字" * 70) == 1
    assert segments("字" * 71) == 2
    assert segments("字" * 134) == 2
    assert segments("字" * 135) == 3


def test_signature_counts_towards_the_length(settings, make_delivery, notice):
    delivery = make_delivery("sms")
    link = "https://edu.example.cn/n/abc"
    settings.SMS_SIGN_NAME = "短"
    _params, short = compose(delivery, link)
    # Pad the title so the text without the signature is exactly 70 characters.
    missing = 70 - (len(short) - len("【短】"))
    notice.title = "春游通知" + "好" * missing
    delivery.notice = notice
    from edu_portal.messaging.channels import sms

    sms.TITLE_CHARS, old = 200, sms.TITLE_CHARS
    try:
        params, text = compose(delivery, link)
    finally:
        sms.TITLE_CHARS = old
    assert text.startswith("【短】城南小学")
    assert len(text) - len("【短】") == 70
    assert segments(text) == 2  # 73 with the signature
    assert params["code"] == "abc" and params["school"] == "城南小学"


def test_file_backend_writes_each_sms_once(settings, make_delivery):
    delivery = make_delivery("sms")
    assert channels.send(delivery) == State.SENT
    delivery.refresh_from_db()
    assert delivery.gateway == "file" and delivery.gateway_id == f"file:{delivery.pk}"
    assert delivery.segments == 1 and delivery.sent_at and delivery.handed_at
    written = list(settings.SMS_FILE_DIR.iterdir())
    assert [path.name for path in written] == [f"{delivery.pk}.txt"]
    content = written[0].read_text(encoding="utf-8")
    assert f"To: {PHONE}" in content
    link = f"https://edu.example.cn/n/T{delivery.recipient_id}x"
    assert f"【示范县教育局】城南小学通知：春游通知 {link}" in content

    # Sending again changes nothing.
    assert channels.send(delivery) == State.SENT
    # A redelivered task that claims it again (its worker died after handing it over)
    # records it as sent without writing a second file.
    Delivery.objects.filter(pk=delivery.pk).update(state=State.SENDING, attempts=2)
    assert channels.send(delivery) == State.SENT
    assert len(list(settings.SMS_FILE_DIR.iterdir())) == 1
    assert written[0].read_text(encoding="utf-8") == content


def test_aliyun_request_is_signed_and_accepted(settings, gateway, make_delivery):
    settings.SMS_BACKEND = "aliyun"
    delivery = make_delivery("sms")
    assert channels.send(delivery) == State.SENT
    delivery.refresh_from_db()
    [message] = gateway.state.accepted
    assert message.reference == str(delivery.pk)  # OutId: our idempotency key
    assert delivery.gateway == "aliyun" and delivery.gateway_id == message.gateway_id
    assert message.phone == PHONE and message.sign_name == "示范县教育局"
    assert message.template == "SMS_000001"
    assert message.params == {
        "kind": "通知",
        "school": "城南小学",
        "title": "春游通知",
        "code": f"T{delivery.recipient_id}x",
    }
    # Sent once: a second call does not reach the gateway.
    channels.send(delivery)
    assert len(gateway.state.accepted) == 1


def test_aliyun_wrong_secret_is_refused(settings, gateway, make_delivery):
    settings.SMS_BACKEND = "aliyun"
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"
    delivery = make_delivery("sms")
    assert channels.send(delivery) == State.FAILED
    delivery.refresh_from_db()
    assert "SignatureDoesNotMatch" in delivery.error
    assert gateway.state.accepted == []
    assert gateway.state.refused == [("aliyun", "SignatureDoesNotMatch")]


def test_tencent_request_is_signed_and_accepted(settings, gateway, make_delivery):
    settings.SMS_BACKEND = "tencent"
    delivery = make_delivery("sms")
    assert channels.send(delivery) == State.SENT
    delivery.refresh_from_db()
    [message] = gateway.state.accepted
    assert message.reference == str(delivery.pk)  # SessionContext
    assert message.phone == f"+86{PHONE}"
    assert message.params == ["通知", "城南小学", "春游通知", f"T{delivery.recipient_id}x"]
    assert delivery.gateway == "tencent" and delivery.gateway_id == message.gateway_id


def test_tencent_wrong_secret_is_refused(settings, gateway, make_delivery):
    settings.SMS_BACKEND = "tencent"
    settings.SMS_TENCENT_SECRET_KEY = "not-the-key"
    delivery = make_delivery("sms")
    assert channels.send(delivery) == State.FAILED
    delivery.refresh_from_db()
    assert "AuthFailure.SignatureFailure" in delivery.error
    assert gateway.state.accepted == []


def test_throttled_by_the_gateway_is_held_then_sent(settings, gateway, make_delivery):
    settings.SMS_BACKEND = "tencent"
    gateway.state.fail_next = "RequestLimitExceeded"
    delivery = make_delivery("sms")
    assert channels.send(delivery) == State.HELD
    delivery.refresh_from_db()
    assert delivery.handed_at is None  # nothing went: the next attempt may send it
    assert delivery.not_before > timezone.now() + datetime.timedelta(seconds=50)
    Delivery.objects.filter(pk=delivery.pk).update(state=State.SENDING, attempts=2)
    assert channels.send(delivery) == State.SENT
    assert len(gateway.state.accepted) == 1


def test_unreachable_gateway_holds_and_gives_up_after_max_attempts(settings, make_delivery):
    settings.SMS_BACKEND = "aliyun"
    settings.SMS_ALIYUN_ENDPOINT = f"http://127.0.0.1:{free_port()}/"
    settings.SMS_ALIYUN_ACCESS_KEY_ID = "id"
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "secret"
    settings.SMS_ALIYUN_TEMPLATE_CODE = "SMS_1"
    settings.NOTICE_MAX_ATTEMPTS = 2
    delivery = make_delivery("sms")
    assert channels.send(delivery) == State.HELD
    Delivery.objects.filter(pk=delivery.pk).update(state=State.SENDING, attempts=2)
    assert channels.send(delivery) == State.FAILED
    delivery.refresh_from_db()
    assert "gave up after 2 attempts" in delivery.error


def test_daily_cap_per_number_holds_until_tomorrow(settings, make_delivery):
    settings.SMS_DAILY_CAP_PER_NUMBER = 2
    now = timezone.now()
    for round_ in (1, 2):
        make_delivery("sms", purpose="reminder", round=round_, state=State.SENT, sent_at=now)
    # Yesterday's messages do not count.
    yesterday = now - datetime.timedelta(days=1)
    make_delivery("sms", purpose="reminder", round=3, state=State.SENT, sent_at=yesterday)
    delivery = make_delivery("sms")
    assert channels.send(delivery) == State.HELD
    delivery.refresh_from_db()
    assert "2 SMS a day" in delivery.error
    assert delivery.not_before == limits.next_day(now)
    assert timezone.localtime(delivery.not_before).date() > timezone.localtime(now).date()
    assert not settings.SMS_FILE_DIR.exists() or not any(settings.SMS_FILE_DIR.iterdir())

    other = make_delivery("sms", purpose="withdrawal", address="13900139000")
    assert channels.send(other) == State.SENT  # another number is not capped


def test_identical_text_to_a_number_waits_30_seconds(settings, make_delivery):
    settings.SMS_REPEAT_SECONDS = 30
    import uuid

    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    first = make_delivery("sms", purpose="reminder", round=1, address=phone)
    second = make_delivery("sms", purpose="reminder", round=2, address=phone)
    assert channels.send(first) == State.SENT
    assert channels.send(second) == State.HELD
    second.refresh_from_db()
    wait = (second.not_before - timezone.now()).total_seconds()
    assert 25 < wait <= 30


def test_rate_is_shared_by_two_workers(settings):
    """Two workers (threads here; the Redis bucket when REDIS_URL is set) take 12 tokens at
    5 a second with a burst of 5: the last needs at least 1.4 s."""
    import uuid

    settings.SMS_RATE_PER_SECOND = 5
    name = f"test-{uuid.uuid4().hex}"
    granted: list[float] = []
    lock = threading.Lock()

    def worker():
        for _ in range(6):
            assert limits.take_token(name, patience=10) == 0
            with lock:
                granted.append(time.monotonic())

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(granted) == 12
    assert max(granted) - started >= 1.3
    # Exhausted: without patience the caller is told how long to wait.
    assert limits.take_token(name, patience=0) > 0
    if settings.REDIS_URL:
        limits.bucket(name).client.delete(f"{limits.REDIS_PREFIX}{name}")


def test_rate_exhausted_holds_the_sms(settings, make_delivery, monkeypatch):
    monkeypatch.setattr(limits, "take_token", lambda gateway, patience=2.0: 0.8)
    delivery = make_delivery("sms")
    assert channels.send(delivery) == State.HELD
    delivery.refresh_from_db()
    assert delivery.handed_at is None
    assert 0 < (delivery.not_before - timezone.now()).total_seconds() <= 1


def test_withdrawn_notice_is_skipped_and_inbox_is_delivered(notice, make_delivery):
    inbox = make_delivery("inbox")
    assert channels.send(inbox) == State.DELIVERED
    Notice.objects.filter(pk=notice.pk).update(state=Notice.State.WITHDRAWN)
    sms = make_delivery("sms")
    assert channels.send(sms) == State.SKIPPED


def test_not_claimed_is_left_alone(settings, make_delivery):
    delivery = make_delivery("sms", state=State.PENDING)
    assert channels.send(delivery) == State.PENDING
    assert not settings.SMS_FILE_DIR.exists()


@pytest.mark.parametrize("backend", ["aliyun", "tencent"])
def test_unconfigured_vendor_fails_clearly(settings, make_delivery, backend):
    settings.SMS_BACKEND = backend
    settings.SMS_ALIYUN_ACCESS_KEY_ID = settings.SMS_TENCENT_SECRET_ID = ""
    delivery = make_delivery("sms")
    assert channels.send(delivery) == State.FAILED
    delivery.refresh_from_db()
    assert "not configured" in delivery.error
