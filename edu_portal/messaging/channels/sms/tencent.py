"""Tencent Cloud SMS (API 2021-01-11 ``SendSms``) by a signed HTTP request.

TC3-HMAC-SHA256: the canonical request is ``POST / <empty query> content-type:…\\nhost:…\\n
content-type;host <hex SHA-256 of the body>``; the string to sign is ``TC3-HMAC-SHA256
<timestamp> <date>/sms/tc3_request <hex SHA-256 of the canonical request>``; the key is
derived HMAC-SHA256("TC3" + SecretKey, date) → service → "tc3_request". ``SessionContext``
carries the delivery id (the gateway does not deduplicate).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import time
from urllib.parse import urlsplit

from django.conf import settings

from .base import GatewayResult, NoAnswer, Unreachable, post

VERSION = "2021-01-11"
SERVICE = "sms"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def canonical_request(host: str, payload: bytes) -> str:
    return "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{CONTENT_TYPE}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload).hexdigest(),
        ]
    )


def authorization(
    secret_id: str, secret_key: str, host: str, payload: bytes, timestamp: int
) -> str:
    date = datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{SERVICE}/tc3_request"
    to_sign = "\n".join(
        [
            ALGORITHM,
            str(timestamp),
            scope,
            hashlib.sha256(canonical_request(host, payload).encode()).hexdigest(),
        ]
    )
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), SERVICE), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"{ALGORITHM} Credential={secret_id}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


# Error codes meaning "not now" (flow control); nothing was sent.
_LATER_PREFIXES = ("RequestLimitExceeded", "LimitExceeded.PhoneNumber", "LimitExceeded.Delivery")


class TencentGateway:
    name = "tencent"

    def __init__(self) -> None:
        self.endpoint = settings.SMS_TENCENT_ENDPOINT
        self.secret_id = settings.SMS_TENCENT_SECRET_ID
        self.secret_key = settings.SMS_TENCENT_SECRET_KEY
        self.app_id = settings.SMS_TENCENT_SDK_APP_ID
        self.template = settings.SMS_TENCENT_TEMPLATE_ID

    def body(self, delivery_id: int, phone: str, template_params: dict[str, str]) -> dict:
        return {
            "PhoneNumberSet": [phone if phone.startswith("+") else f"+86{phone}"],
            "SmsSdkAppId": self.app_id,
            "SignName": settings.SMS_SIGN_NAME,
            "TemplateId": self.template,
            # Tencent templates number their variables {1}, {2}…: the values in order.
            "TemplateParamSet": list(template_params.values()),
            "SessionContext": str(delivery_id),
        }

    def send(
        self, delivery_id: int, phone: str, template_params: dict[str, str], text: str
    ) -> GatewayResult:
        if not (self.secret_id and self.secret_key and self.app_id and self.template):
            return GatewayResult.refused(
                "Tencent SMS is not configured (SMS_TENCENT_SECRET_ID, SMS_TENCENT_SECRET_KEY, "
                "SMS_TENCENT_SDK_APP_ID, SMS_TENCENT_TEMPLATE_ID)"
            )
        payload = json.dumps(
            self.body(delivery_id, phone, template_params), ensure_ascii=False
        ).encode()
        host = urlsplit(self.endpoint).netloc
        timestamp = int(time.time())
        headers = {
            "Authorization": authorization(
                self.secret_id, self.secret_key, host, payload, timestamp
            ),
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": VERSION,
            "X-TC-Region": settings.SMS_TENCENT_REGION,
        }
        try:
            answer = post(self.endpoint, payload, headers, settings.SMS_TIMEOUT)
        except Unreachable as exc:
            return GatewayResult.later(f"Tencent unreachable: {exc}", 60)
        except NoAnswer as exc:
            return GatewayResult.no_answer(f"Tencent: {exc}")
        response = answer.body.get("Response") if isinstance(answer.body, dict) else None
        if not isinstance(response, dict):
            return GatewayResult.no_answer(f"Tencent: HTTP {answer.status} without an answer")
        error = response.get("Error")
        if isinstance(error, dict):
            code = str(error.get("Code", ""))
            message = f"Tencent {code}: {error.get('Message', '')}"
            if code.startswith(_LATER_PREFIXES):
                return GatewayResult.later(message, 60)
            if code.startswith("InternalError"):
                return GatewayResult.no_answer(message)
            return GatewayResult.refused(message)
        statuses = response.get("SendStatusSet") or [{}]
        status = statuses[0] if isinstance(statuses[0], dict) else {}
        code = str(status.get("Code", ""))
        if code == "Ok" and status.get("SerialNo"):
            return GatewayResult.accepted(str(status["SerialNo"]))
        message = f"Tencent {code}: {status.get('Message', '')}"
        if code.startswith(_LATER_PREFIXES):
            return GatewayResult.later(message, 3600)
        return GatewayResult.refused(message)
