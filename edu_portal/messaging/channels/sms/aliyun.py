"""Aliyun SMS (Dysmsapi 2017-05-25 ``SendSms``) by a signed HTTP request.

RPC signature v1: every parameter except ``Signature``, sorted by name, each name and value
percent-encoded (RFC 3986: only A–Z a–z 0–9 - _ . ~ stay as they are, a space is %20);
``StringToSign = METHOD & enc("/") & enc(canonical query)``; the signature is the Base64
HMAC-SHA1 of it keyed with ``AccessKeySecret + "&"``. ``OutId`` carries the delivery id:
the gateway does not deduplicate, but the delivery report brings it back.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import uuid
from urllib.parse import quote, urlencode

from django.conf import settings

from .base import GatewayResult, NoAnswer, Unreachable, post

VERSION = "2017-05-25"
# Codes that mean "not now" (nothing was sent): flow control by the gateway.
_LATER = {"Throttling", "Throttling.User", "Throttling.Api", "isv.BUSINESS_LIMIT_CONTROL"}


def percent_encode(value: str) -> str:
    return quote(value, safe="-_.~")


def string_to_sign(method: str, params: dict[str, str]) -> str:
    canonical = "&".join(
        f"{percent_encode(key)}={percent_encode(params[key])}" for key in sorted(params)
    )
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"


def signature(secret: str, method: str, params: dict[str, str]) -> str:
    digest = hmac.new(
        f"{secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode()


class AliyunGateway:
    name = "aliyun"

    def __init__(self) -> None:
        self.endpoint = settings.SMS_ALIYUN_ENDPOINT
        self.key_id = settings.SMS_ALIYUN_ACCESS_KEY_ID
        self.secret = settings.SMS_ALIYUN_ACCESS_KEY_SECRET
        self.template = settings.SMS_ALIYUN_TEMPLATE_CODE

    def params(self, delivery_id: int, phone: str, template_params: dict[str, str]) -> dict:
        return {
            "AccessKeyId": self.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": str(delivery_id),
            "PhoneNumbers": phone.removeprefix("+86"),
            "RegionId": settings.SMS_ALIYUN_REGION,
            "SignName": settings.SMS_SIGN_NAME,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": self.template,
            "TemplateParam": json.dumps(template_params, ensure_ascii=False),
            "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": VERSION,
        }

    def send(
        self, delivery_id: int, phone: str, template_params: dict[str, str], text: str
    ) -> GatewayResult:
        if not (self.key_id and self.secret and self.template):
            return GatewayResult.refused(
                "Aliyun SMS is not configured (SMS_ALIYUN_ACCESS_KEY_ID, "
                "SMS_ALIYUN_ACCESS_KEY_SECRET, SMS_ALIYUN_TEMPLATE_CODE)"
            )
        params = self.params(delivery_id, phone, template_params)
        params["Signature"] = signature(self.secret, "POST", params)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        try:
            answer = post(self.endpoint, urlencode(params).encode(), headers, settings.SMS_TIMEOUT)
        except Unreachable as exc:
            return GatewayResult.later(f"Aliyun unreachable: {exc}", 60)
        except NoAnswer as exc:
            return GatewayResult.no_answer(f"Aliyun: {exc}")
        body = answer.body if isinstance(answer.body, dict) else {}
        code = str(body.get("Code", ""))
        if answer.status == 200 and code == "OK" and body.get("BizId"):
            return GatewayResult.accepted(str(body["BizId"]))
        message = f"Aliyun {code or answer.status}: {body.get('Message', '')}".strip()
        if code in _LATER or code == "ServiceUnavailable":
            return GatewayResult.later(message, 60)
        if not code and answer.status >= 500:
            return GatewayResult.no_answer(message)
        return GatewayResult.refused(message)
