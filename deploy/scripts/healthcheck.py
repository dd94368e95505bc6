"""The container's HEALTHCHECK: exit 0 when this container's gunicorn answers /healthz.

A plain request to 127.0.0.1 would be refused by the portal itself in production: Django
answers 400 to a Host outside ALLOWED_HOSTS, and with HTTPS=1 redirects plain HTTP (301).
So the probe presents the first allowed host name and the header nginx sets after TLS
(X-Forwarded-Proto, which Django trusts only when HTTPS is on). Standard library only: it
runs every 30 s and must not import Django.
"""

from __future__ import annotations

import http.client
import os
import sys


def probe_host(allowed_hosts: str) -> str:
    """A name that ALLOWED_HOSTS accepts: its first entry, a wildcard made concrete."""
    first = next((h.strip() for h in allowed_hosts.split(",") if h.strip()), "localhost")
    if first == "*":
        return "localhost"
    # ".example.gov.cn" allows the domain itself as well as its subdomains.
    return first.lstrip(".")


def main() -> int:
    bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
    port = int(bind.rsplit(":", 1)[-1])
    host = probe_host(os.environ.get("ALLOWED_HOSTS", ""))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"})
        status = connection.getresponse().status
    except OSError as exc:
        print(f"healthcheck: no answer on port {port}: {exc}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if status != 200:
        print(f"healthcheck: /healthz answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
