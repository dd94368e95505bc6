"""Typed readers for settings that come from the environment.

Every reader fails loudly (ImproperlyConfigured naming the variable) on a value it cannot
understand, so a typo in a deployment stops the process at start instead of silently
falling back to a default. Secrets may be given as ``NAME_FILE`` pointing at a file, the
convention used by Docker and systemd credentials.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Env:
    """Reads variables from ``environ`` (the process environment by default)."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def _raw(self, name: str, *, secret: bool = False) -> str | None:
        value = self.environ.get(name)
        if value is not None:
            return value
        if secret:
            file_name = self.environ.get(f"{name}_FILE")
            if file_name:
                try:
                    return Path(file_name).read_text(encoding="utf-8").strip()
                except OSError as exc:
                    raise ImproperlyConfigured(
                        f"{name}_FILE points at {file_name!r}, which cannot be read: {exc}"
                    ) from exc
        return None

    def str(self, name: str, default: str, *, secret: bool = False) -> str:
        value = self._raw(name, secret=secret)
        return default if value is None else value

    def bool(self, name: str, default: bool) -> bool:
        value = self._raw(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")

    def int(self, name: str, default: int, *, minimum: int | None = None) -> int:
        value = self._raw(name)
        if value is None:
            return default
        try:
            number = int(value.strip())
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
        return number

    def list(self, name: str, default: list[str]) -> list[str]:
        value = self._raw(name)
        if value is None:
            return list(default)
        return [item.strip() for item in value.split(",") if item.strip()]

    def networks(self, name: str, default: list[str]) -> list[Network]:
        result = []
        for item in self.list(name, default):
            try:
                result.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ImproperlyConfigured(
                    f"{name} holds {item!r}, which is not an IP address or network (CIDR)"
                ) from None
        return result

    def url(self, name: str, default: str, *, schemes: set[str], secret: bool = False) -> str:
        value = self.str(name, default, secret=secret)
        scheme = urlsplit(value).scheme
        if scheme not in schemes:
            allowed = ", ".join(sorted(schemes))
            raise ImproperlyConfigured(
                f"{name} must be a URL with one of the schemes {allowed}; got {value!r}"
            )
        return value

    def secret_key(self, name: str, generated_file: Path) -> str:
        """The key from the environment, else one generated once into ``generated_file``."""
        value = self._raw(name, secret=True)
        if value:
            return value
        if generated_file.exists():
            return generated_file.read_text(encoding="utf-8").strip()
        generated_file.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(64)
        # O_EXCL so two processes starting together cannot both write different keys.
        try:
            fd = os.open(generated_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return generated_file.read_text(encoding="utf-8").strip()
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key)
        return key
