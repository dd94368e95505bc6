"""A local SMS gateway for tests: speaks Aliyun's Dysmsapi SendSms (RPC, signature v1) at
``/aliyun/`` and Tencent's SMS 2021-01-11 SendSms (TC3-HMAC-SHA256) at ``/tencent/``.

It checks every request's signature with the shared secret, computed here independently
of the adapters (from the vendors' documented algorithms), refuses bad ones with the
vendors' error shapes, records accepted messages, and builds the delivery reports each
vendor would push for them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote

ALIYUN_KEY_ID = "LTAI-test-key"
ALIYUN_SECRET = "aliyun-test-secret"
TENCENT_SECRET_ID = "AKID-test-id"
TENCENT_SECRET_KEY = "tencent-test-secret"
TENCENT_APP_ID = "1400000001"


@dataclass
class Accepted:
    vendor: str
    phone: str
    sign_name: str
    template: str
    params: object
    reference: str  # OutId / SessionContext: our delivery id
    gateway_id: str  # BizId / SerialNo


@dataclass
class GatewayState:
    accepted: list[Accepted] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    nonces: set[str] = field(default_factory=set)
    # Error code to answer the next SendSms with (flow control tests), once.
    fail_next: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def _rfc3986(text: str) -> str:
    # Aliyun's rule, spelled the way its docs put it: standard form encoding, then
    # "+" → %20, "*" → %2A and %7E → "~".
    encoded = quote(text, safe="")
    return encoded.replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def aliyun_expected_signature(secret: str, method: str, params: dict[str, str]) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    query = "&".join(_rfc3986(k) + "=" + _rfc3986(v) for k, v in pairs)
    to_sign = method + "&" + _rfc3986("/") + "&" + _rfc3986(query)
    mac = hmac.new((secret + "&").encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def tencent_expected_signature(
    secret_key: str, host: str, content_type: str, payload: bytes, timestamp: int, service: str
) -> str:
    canonical = (
        f"POST\n/\n\ncontent-type:{content_type}\nhost:{host}\n\ncontent-type;host\n"
        + hashlib.sha256(payload).hexdigest()
    )
    day = time.strftime("%Y-%m-%d", time.gmtime(timestamp))
    to_sign = (
        f"TC3-HMAC-SHA256\n{timestamp}\n{day}/{service}/tc3_request\n"
        + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    )
    key = ("TC3" + secret_key).encode("utf-8")
    for part in (day, service, "tc3_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    state: GatewayState

    def log_message(self, format, *args):  # quiet test output
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length)
        if self.path.startswith("/aliyun"):
            self._aliyun(payload)
        elif self.path.startswith("/tencent"):
            self._tencent(payload)
        else:
            self._answer(404, {"error": "no such path"})

    # --- Aliyun ---------------------------------------------------------------------------

    def _aliyun_error(self, status: int, code: str, message: str) -> None:
        with self.state.lock:
            self.state.refused.append(("aliyun", code))
        self._answer(
            status,
            {
                "RequestId": str(uuid.uuid4()).upper(),
                "HostId": "dysmsapi.aliyuncs.com",
                "Code": code,
                "Message": message,
                "Recommend": "https://api.aliyun.com/troubleshoot",
            },
        )

    def _aliyun(self, payload: bytes) -> None:
        query = self.path.partition("?")[2]
        params = dict(parse_qsl(query, keep_blank_values=True))
        params.update(parse_qsl(payload.decode("utf-8"), keep_blank_values=True))
        required = {
            "AccessKeyId",
            "Action",
            "Format",
            "PhoneNumbers",
            "RegionId",
            "SignName",
            "Signature",
            "SignatureMethod",
            "SignatureNonce",
            "SignatureVersion",
            "TemplateCode",
            "Timestamp",
            "Version",
        }
        missing = sorted(required - params.keys())
        if missing:
            return self._aliyun_error(400, "MissingParameter", f"{missing[0]} is mandatory")
        if params["AccessKeyId"] != ALIYUN_KEY_ID:
            return self._aliyun_error(
                404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
            )
        if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
            return self._aliyun_error(400, "InvalidSignatureMethod", "bad signature method")
        try:
            stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return self._aliyun_error(
                400,
                "InvalidTimeStamp.Format",
                "Specified time stamp or date value is not well formatted.",
            )
        if abs((datetime.now(UTC) - stamp).total_seconds()) > 900:
            return self._aliyun_error(
                400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."
            )
        expected = aliyun_expected_signature(ALIYUN_SECRET, self.command, params)
        if not hmac.compare_digest(expected, params["Signature"]):
            return self._aliyun_error(
                400,
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation.",
            )
        with self.state.lock:
            if params["SignatureNonce"] in self.state.nonces:
                nonce_used = True
            else:
                nonce_used = False
                self.state.nonces.add(params["SignatureNonce"])
            fail, self.state.fail_next = self.state.fail_next, None
        if nonce_used:
            return self._aliyun_error(
                400, "SignatureNonceUsed", "Specified signature nonce was used already."
            )
        if fail:
            return self._answer(200, {"Code": fail, "Message": "flow control", "RequestId": "r"})
        biz_id = f"{int(time.time())}^{uuid.uuid4().int % 10**12}"
        with self.state.lock:
            self.state.accepted.append(
                Accepted(
                    "aliyun",
                    params["PhoneNumbers"],
                    params["SignName"],
                    params["TemplateCode"],
                    json.loads(params.get("TemplateParam") or "{}"),
                    params.get("OutId", ""),
                    biz_id,
                )
            )
        self._answer(
            200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": str(uuid.uuid4())}
        )

    # --- Tencent --------------------------------------------------------------------------

    def _tencent_error(self, code: str, message: str) -> None:
        with self.state.lock:
            self.state.refused.append(("tencent", code))
        # Tencent answers errors with HTTP 200 and an Error object.
        self._answer(
            200,
            {
                "Response": {
                    "Error": {"Code": code, "Message": message},
                    "RequestId": str(uuid.uuid4()),
                }
            },
        )

    def _tencent(self, payload: bytes) -> None:
        headers = self.headers
        auth = headers.get("Authorization", "")
        if headers.get("X-TC-Action") != "SendSms" or headers.get("X-TC-Version") != "2021-01-11":
            return self._tencent_error("InvalidAction", "unknown action or version")
        if not headers.get("X-TC-Region"):
            return self._tencent_error(
                "MissingParameter", "The request is missing a required parameter `Region`."
            )
        try:
            algorithm, rest = auth.split(" ", 1)
            fields = dict(part.strip().split("=", 1) for part in rest.split(","))
            secret_id, day, service, terminator = fields["Credential"].split("/")
            timestamp = int(headers["X-TC-Timestamp"])
        except (ValueError, KeyError, TypeError):
            return self._tencent_error(
                "AuthFailure.InvalidAuthorization", "Authorization header is malformed."
            )
        if algorithm != "TC3-HMAC-SHA256" or terminator != "tc3_request":
            return self._tencent_error("AuthFailure.InvalidAuthorization", "bad algorithm")
        if secret_id != TENCENT_SECRET_ID:
            return self._tencent_error("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        if abs(time.time() - timestamp) > 300:
            return self._tencent_error("AuthFailure.SignatureExpire", "Signature expired.")
        if day != time.strftime("%Y-%m-%d", time.gmtime(timestamp)) or service != "sms":
            return self._tencent_error("AuthFailure.SignatureFailure", "credential scope mismatch")
        if fields.get("SignedHeaders") != "content-type;host":
            return self._tencent_error("AuthFailure.SignatureFailure", "signed headers mismatch")
        expected = tencent_expected_signature(
            TENCENT_SECRET_KEY,
            headers.get("Host", ""),
            headers.get("Content-Type", ""),
            payload,
            timestamp,
            service,
        )
        if not hmac.compare_digest(expected, fields.get("Signature", "")):
            return self._tencent_error(
                "AuthFailure.SignatureFailure", "The provided credentials could not be validated."
            )
        body = json.loads(payload)
        if body.get("SmsSdkAppId") != TENCENT_APP_ID:
            return self._tencent_error("FailedOperation.SmsSdkAppIdVerifyFail", "SdkAppId mismatch")
        with self.state.lock:
            fail, self.state.fail_next = self.state.fail_next, None
        if fail:
            return self._tencent_error(fail, "flow control")
        phone = body["PhoneNumberSet"][0]
        serial = f"2640:{uuid.uuid4().int % 10**20}"
        with self.state.lock:
            self.state.accepted.append(
                Accepted(
                    "tencent",
                    phone,
                    body["SignName"],
                    body["TemplateId"],
                    body.get("TemplateParamSet"),
                    body.get("SessionContext", ""),
                    serial,
                )
            )
        status = {
            "SerialNo": serial,
            "PhoneNumber": phone,
            "Fee": 1,
            "SessionContext": body.get("SessionContext", ""),
            "Code": "Ok",
            "Message": "send success",
            "IsoCode": "CN",
        }
        self._answer(200, {"Response": {"SendStatusSet": [status], "RequestId": str(uuid.uuid4())}})


class LocalGateway:
    def __init__(self) -> None:
        self.state = GatewayState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> LocalGateway:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reports(self, vendor: str, *, success: bool = True) -> list[dict]:
        """The delivery-report batch ``vendor`` would push for the messages it accepted."""
        now = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        items = []
        for message in self.state.accepted:
            if message.vendor != vendor:
                continue
            if vendor == "aliyun":
                items.append(
                    {
                        "phone_number": message.phone,
                        "send_time": now,
                        "report_time": now,
                        "success": success,
                        "err_code": "DELIVERED" if success else "MK:0001",
                        "err_msg": "用户接收成功" if success else "空号",
                        "sms_size": "1",
                        "biz_id": message.gateway_id,
                        "out_id": message.reference,
                    }
                )
            else:
                items.append(
                    {
                        "user_receive_time": now,
                        "nationcode": "86",
                        "mobile": message.phone.removeprefix("+86"),
                        "report_status": "SUCCESS" if success else "FAIL",
                        "errmsg": "DELIVRD" if success else "MI:0013",
                        "description": "用户短信送达成功" if success else "空号",
                        "sid": message.gateway_id,
                    }
                )
        return items
