"""The default SMS backend: each message becomes a file ``<SMS_FILE_DIR>/<delivery id>.txt``
(under VAR_DIR), for development, demos and sites without a gateway contract. The file is
created exclusively, so a delivery is never written twice."""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .base import GatewayResult


def path_of(delivery_id: int) -> Path:
    """The file of that delivery's SMS."""
    return settings.SMS_FILE_DIR / f"{delivery_id}.txt"


class FileGateway:
    name = "file"

    def send(
        self, delivery_id: int, phone: str, template_params: dict[str, str], text: str
    ) -> GatewayResult:
        folder = settings.SMS_FILE_DIR
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = path_of(delivery_id)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        except FileExistsError:
            # Written by an earlier attempt that did not live to record it: sent once.
            return GatewayResult.accepted(f"file:{delivery_id}")
        except OSError as exc:
            return GatewayResult.later(f"cannot write {folder}: {exc}", 300)
        record = {
            "delivery": delivery_id,
            "phone": phone,
            "sign_name": settings.SMS_SIGN_NAME,
            "params": template_params,
            "written_at": timezone.now().isoformat(),
        }
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"To: {phone}\n")
            handle.write(f"X-Params: {json.dumps(record, ensure_ascii=False)}\n\n")
            handle.write(text + "\n")
        return GatewayResult.accepted(f"file:{delivery_id}")
