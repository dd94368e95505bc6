"""Running the real nginx with deploy/nginx/*.conf on free local ports, for tests and benchmarks.

The production files are used as they are, with only the host-specific values replaced
(upstream addresses, listen ports, certificate and cache paths); each replacement must
find its text, so the harness fails loudly when the configuration drifts from it. nginx
runs in the foreground with its own prefix directory, never touching a system nginx.
The generated nginx.conf adds one plain-HTTP server including the same locations, so that
clients need no TLS; the production TLS server block runs too, on its own port.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.storage.conftest import free_port

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "nginx"
SITE = "edu-portal.conf"
LOCATIONS = "edu-portal-locations.conf"
INTRANET = "edu-portal-intranet.conf"
BUCKET = "edu-portal"  # the bucket name written in edu-portal-locations.conf
POLICY = "minio-hls-read-policy.json"


def nginx_binary() -> str | None:
    """The nginx command, if installed with the auth_request module."""
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if not found:
        return None
    version = subprocess.run([found, "-V"], capture_output=True, text=True, check=False)
    return found if "--with-http_auth_request_module" in version.stderr else None


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"deploy/nginx no longer contains {old!r}; update tests/deploy/nginx.py"
    return text.replace(old, new)


def _self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "edu.example.gov.cn")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class NginxSite:
    prefix: Path
    conf: Path
    port: int  # plain HTTP, the production locations
    tls_port: int  # the production server block itself
    redirect_port: int  # the production port-80 server block

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def write_config(
    prefix: Path,
    *,
    app: str,
    minio: str,
    intranet: str | None = None,
    workers: int = 1,
    extra_http: str = "",
    access_log: bool = True,
) -> NginxSite:
    """Generate ``prefix/conf/nginx.conf`` around the production files.

    ``app`` and ``minio`` are ``host:port`` of gunicorn/Django and of the S3 server;
    ``intranet`` replaces the body of edu-portal-intranet.conf (the `geo` list).
    """
    conf_dir = prefix / "conf"
    site_dir = conf_dir / "edu-portal"
    for sub in ("tmp", "cache", "logs"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    site_dir.mkdir(parents=True, exist_ok=True)
    cert, key = _self_signed(prefix)
    port, tls_port, redirect_port = free_port(), free_port(), free_port()

    text = (DEPLOY / SITE).read_text()
    text = _replace(text, "server 127.0.0.1:8000;", f"server {app};")
    text = _replace(text, "server 127.0.0.1:9000;", f"server {minio};")
    text = _replace(text, "/var/cache/nginx/edu-portal-auth", str(prefix / "cache" / "auth"))
    text = _replace(text, "/var/cache/nginx/edu-portal-pages", str(prefix / "cache" / "pages"))
    text = _replace(text, "/etc/ssl/edu-portal/fullchain.pem", str(cert))
    text = _replace(text, "/etc/ssl/edu-portal/privkey.pem", str(key))
    text = _replace(text, "listen 443 ssl http2;", f"listen 127.0.0.1:{tls_port} ssl http2;")
    text = _replace(text, "listen 80;", f"listen 127.0.0.1:{redirect_port};")
    (site_dir / SITE).write_text(text)
    shutil.copy(DEPLOY / LOCATIONS, site_dir / LOCATIONS)
    if intranet is None:
        shutil.copy(DEPLOY / INTRANET, site_dir / INTRANET)
    else:
        (site_dir / INTRANET).write_text(intranet)

    tmp = prefix / "tmp"
    # As root, workers would otherwise run as "nobody" and could not enter pytest's
    # private temporary directories.
    user = "user root;\n" if os.geteuid() == 0 else ""
    log = f"access_log {prefix / 'logs' / 'access.log'};" if access_log else "access_log off;"
    main = f"""{user}daemon off;
master_process on;
worker_processes {workers};
pid {prefix / "nginx.pid"};
error_log {prefix / "logs" / "error.log"} warn;
events {{
    worker_connections 4096;
}}
http {{
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {tmp / "body"};
    proxy_temp_path {tmp / "proxy"};
    fastcgi_temp_path {tmp / "fastcgi"};
    uwsgi_temp_path {tmp / "uwsgi"};
    scgi_temp_path {tmp / "scgi"};
    {log}

    include edu-portal/{SITE};

    server {{
        listen 127.0.0.1:{port};
        include edu-portal/{LOCATIONS};
    }}
{extra_http}
}}
"""
    conf = conf_dir / "nginx.conf"
    conf.write_text(main)
    return NginxSite(prefix, conf, port, tls_port, redirect_port)


def check_config(nginx: str, site: NginxSite) -> subprocess.CompletedProcess:
    return subprocess.run(
        [nginx, "-t", "-p", str(site.prefix), "-c", str(site.conf), "-e", "stderr"],
        capture_output=True,
        text=True,
        check=False,
    )


def wait_for_port(port: int, process: subprocess.Popen, describe, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{describe()}") from None
            time.sleep(0.05)


@contextlib.contextmanager
def running(nginx: str, site: NginxSite) -> Iterator[subprocess.Popen]:
    """nginx in the foreground on ``site``; stopped (and waited for) on exit."""
    checked = check_config(nginx, site)
    assert checked.returncode == 0, checked.stderr
    errors = site.prefix / "logs" / "error.log"
    process = subprocess.Popen(
        [nginx, "-p", str(site.prefix), "-c", str(site.conf), "-e", str(errors)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(site.port, process, lambda: errors.read_text()[-3000:])
        yield process
    finally:
        process.send_signal(signal.SIGQUIT)  # graceful: workers finish, then exit
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """moto's S3 server in a process of its own (standing in for MinIO): ``host:port``."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process, lambda: "moto exited", timeout=30)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def allow_nginx_reads(store) -> None:
    """Give ``store``'s bucket deploy/nginx/minio-hls-read-policy.json (anonymous GetObject
    under hls/ only), as the README tells the operator to do on MinIO."""
    policy = json.loads((DEPLOY / POLICY).read_text())
    for statement in policy["Statement"]:
        statement["Resource"] = [
            r.replace(f":::{BUCKET}/", f":::{store.bucket}/") for r in statement["Resource"]
        ]
        # moto checks HEAD as "s3:HeadObject"; S3 and MinIO check s3:GetObject.
        statement["Action"] = [*statement["Action"], "s3:HeadObject"]
    store.client.set_bucket_policy(store.bucket, json.dumps(policy))
