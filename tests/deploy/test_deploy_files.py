"""Offline validation of the deployment files (issue 16): deploy/compose.yaml through
`docker-compose config`, deploy/Dockerfile through hadolint, the shell scripts through
shellcheck, the nginx files (as installed on a host and as prepared for the compose
stack) through `nginx -t`, and the systemd units through `systemd-analyze verify`.

Images cannot be pulled here, so nothing is built or started from these files; each check
is paired with a broken copy that it must reject, so none can pass vacuously. Where a tool
is missing the check is skipped on a developer's machine but fails in CI (CI=true), whose
`make test` installs them all (Makefile test-os-packages, tests/requirements.txt).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.deploy import nginx as harness
from tests.deploy.servers import child_env, get
from tests.storage.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
SCRIPTS = DEPLOY / "scripts"
UNITS = DEPLOY / "systemd"
VENV_BIN = Path(sys.executable).parent
QUEUES = ["default", "media", "search"]  # settings.CELERY_TASK_QUEUE_NAMES, checked below


def tool(name: str, *candidates: str) -> str:
    """The tool's path; skipped (or, in CI, failed) when it is not installed."""
    for candidate in (name, *candidates):
        found = shutil.which(candidate) or shutil.which(candidate, path=str(VENV_BIN))
        if not found and Path(candidate).is_absolute() and os.access(candidate, os.X_OK):
            found = candidate
        if found:
            return found
    message = f"{name} is not installed (make test-os-packages / tests/requirements.txt)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, check=False, **kwargs
    )


# --- deploy/compose.yaml ---------------------------------------------------------------------


def compose_config(path: Path) -> subprocess.CompletedProcess:
    """`docker-compose config` (Debian's 1.29), or the `docker compose` plugin's."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRETS_DIR", "BACKUP_DIR")}
    legacy = shutil.which("docker-compose")
    if legacy:
        return run(legacy, "-f", path, "config", env=env)
    docker = shutil.which("docker")
    if docker and run(docker, "compose", "version").returncode == 0:
        return run(docker, "compose", "-f", path, "config", env=env)
    tool("docker-compose")  # skips or fails
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def compose() -> dict:
    result = compose_config(COMPOSE)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_compose_file_is_valid(compose):
    expected = {
        "migrate",
        "web",
        *(f"worker-{queue}" for queue in QUEUES),
        "beat",
        "nginx",
        "postgres",
        "redis",
        "s3",
        "elasticsearch",
    }
    assert set(compose["services"]) == expected


def test_compose_rejects_a_misspelt_key(tmp_path):
    broken = tmp_path / "compose.yaml"
    text = COMPOSE.read_text()
    broken.write_text(text.replace("    healthcheck:\n", "    healtcheck:\n", 1))
    result = compose_config(broken)
    assert result.returncode != 0
    assert "healtcheck" in result.stderr


def test_compose_rejects_a_dependency_on_a_missing_service(tmp_path):
    broken = tmp_path / "compose.yaml"
    broken.write_text(
        COMPOSE.read_text().replace(
            "  elasticsearch:\n    condition:", "  search-engine:\n    condition:", 1
        )
    )
    result = compose_config(broken)
    assert result.returncode != 0
    assert "search-engine" in result.stderr


def test_one_worker_per_queue_and_exactly_one_beat(compose, settings):
    assert settings.CELERY_TASK_QUEUE_NAMES == QUEUES
    services = compose["services"]
    for queue in QUEUES:
        command = services[f"worker-{queue}"]["command"]
        assert command[:4] == ["celery", "-A", "edu_portal", "worker"]
        assert command[command.index("-Q") + 1] == queue
        assert command[command.index("-n") + 1] == f"{queue}@%h"
    beats = [
        name
        for name, service in services.items()
        if "beat" in (service.get("command") or []) or "--beat" in (service.get("command") or [])
    ]
    assert beats == ["beat"]
    assert "deploy" not in services["beat"] or services["beat"]["deploy"].get("replicas", 1) == 1
    # The systemd units say the same: a worker template per queue, one beat.
    worker_unit = (UNITS / "edu-portal-worker@.service").read_text()
    assert "-Q %i -n %i@%%h" in worker_unit
    for queue in QUEUES:
        assert f"edu-portal-worker@{queue}" in worker_unit


def test_services_wait_for_what_they_need(compose):
    services = compose["services"]
    for name in ("web", "beat", *(f"worker-{q}" for q in QUEUES)):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        for engine in ("postgres", "redis", "s3", "elasticsearch"):
            assert depends[engine]["condition"] == "service_healthy", (name, engine)
    for name in (
        "postgres",
        "redis",
        "s3",
        "elasticsearch",
        "nginx",
        *(f"worker-{q}" for q in QUEUES),
    ):
        assert services[name]["healthcheck"]["test"], name
    assert services["nginx"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert services["migrate"]["restart"] == "no"


SECRET_LOOKING = re.compile(r"(?i)password|secret|://[^/\s]*:[^/\s]*@")


def test_secrets_are_files_never_values(compose):
    services = compose["services"]
    declared = set(compose["secrets"])
    for name, service in services.items():
        mounted = {s["source"] for s in service.get("secrets", [])}
        for variable, value in (service.get("environment") or {}).items():
            value = str(value)
            if variable.endswith("_FILE"):
                assert value.startswith("/run/secrets/"), (name, variable)
                assert value.removeprefix("/run/secrets/") in mounted, (name, variable)
            else:
                assert not SECRET_LOOKING.search(value), (name, variable, value)
        assert mounted <= declared
    for secret in compose["secrets"].values():
        assert set(secret) == {"file"}
    # Only nginx is reachable from outside; the engines have no published ports.
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"nginx"}


def test_backup_target_is_a_mount_of_the_backup_runners(compose):
    for name in ("web", "worker-default"):
        service = compose["services"][name]
        assert service["environment"]["BACKUP_TARGET"] == "/backups"
        assert any(str(v).split(":")[1] == "/backups" for v in service["volumes"]), name


def test_trusted_proxy_is_nginx(compose):
    nginx = compose["services"]["nginx"]
    address = nginx["networks"]["backend"]["ipv4_address"]
    web = compose["services"]["web"]["environment"]
    assert web["TRUSTED_PROXIES"] == f"{address}/32"
    assert web["GUNICORN_FORWARDED_ALLOW_IPS"] == address
    assert compose["services"]["migrate"]["environment"]["NGINX_ADDRESS"] == address


# --- deploy/Dockerfile -------------------------------------------------------------------------


def test_dockerfile_passes_hadolint():
    result = run(tool("hadolint"), DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_rejects_an_unpinned_base_and_cd(tmp_path):
    broken = tmp_path / "Dockerfile"
    broken.write_text(
        DOCKERFILE.read_text().replace(
            "FROM python:3.11.13-slim-bookworm\n", "FROM python\nRUN cd /tmp\n"
        )
    )
    result = run(tool("hadolint"), broken)
    assert result.returncode != 0
    assert "DL3006" in result.stdout  # untagged image
    assert "DL3003" in result.stdout  # cd instead of WORKDIR


def test_dockerfile_installs_the_makefiles_os_packages():
    """The image carries what `make setup` installs (Makefile os-packages)."""
    makefile = (ROOT / "Makefile").read_text()
    block = makefile.split("\nos-packages:")[1].split("\n\n")[0]
    packages = set(re.findall(r"[\w-]+:([\w.+-]+)", block)) - {"no-zh-font"}
    dockerfile = DOCKERFILE.read_text()
    for package in packages:
        assert re.search(rf"\s{re.escape(package)}(\s|$)", dockerfile), package
    bases = re.findall(r"^FROM (\S+)", dockerfile, flags=re.M)
    assert bases and all(":" in base and not base.endswith(":latest") for base in bases)
    assert re.search(r"^USER \d+:\d+$", dockerfile, flags=re.M)
    assert 'CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "edu_portal.wsgi"]' in dockerfile


def test_build_context_holds_what_the_dockerfile_copies_and_no_local_data():
    ignore = [
        line.strip()
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ignore[0] == "*"  # nothing by default, then an allow-list
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert not allowed & {"var", ".venv", "node_modules", ".git", "tests"}
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE.read_text(), flags=re.M)
    for sources in copied:
        for source in sources.split():
            assert source.rstrip("/") in allowed, source
            assert (ROOT / source).exists(), source


# --- shell scripts -----------------------------------------------------------------------------


def test_scripts_pass_shellcheck():
    scripts = sorted(SCRIPTS.glob("*.sh"))
    assert len(scripts) >= 5
    result = run(tool("shellcheck"), *scripts, ROOT / ".ci" / "run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_rejects_an_unquoted_variable(tmp_path):
    broken = tmp_path / "broken.sh"
    broken.write_text("#!/bin/sh\ndir=$1\nrm -rf $dir/*\n")
    result = run(tool("shellcheck"), broken)
    assert result.returncode != 0
    assert "SC2086" in result.stdout or "SC2115" in result.stdout


# --- nginx -------------------------------------------------------------------------------------


def nginx_or_skip() -> str:
    binary = harness.nginx_binary()
    if binary is None:
        return tool("nginx-with-auth_request")
    return binary


def test_host_nginx_files_pass_nginx_t(tmp_path):
    nginx = nginx_or_skip()
    site = harness.write_config(tmp_path, app="127.0.0.1:1", minio="127.0.0.1:2")
    checked = harness.check_config(nginx, site)
    assert checked.returncode == 0, checked.stderr


def test_nginx_t_rejects_a_broken_location_file(tmp_path):
    nginx = nginx_or_skip()
    site = harness.write_config(tmp_path, app="127.0.0.1:1", minio="127.0.0.1:2")
    locations = site.prefix / "conf" / "edu-portal" / harness.LOCATIONS
    text = locations.read_text()
    assert "    proxy_request_buffering off;" in text
    locations.write_text(
        text.replace("    proxy_request_buffering off;", "    proxy_request_bufering off;")
    )
    checked = harness.check_config(nginx, site)
    assert checked.returncode != 0
    assert "proxy_request_bufering" in checked.stderr


def prepare_compose_nginx(
    tmp_path: Path, source: Path = DEPLOY / "nginx"
) -> subprocess.CompletedProcess:
    """deploy/scripts/compose-nginx.sh as the nginx image runs it, into a scratch /etc/nginx
    (upstreams on loopback: the container names do not resolve here)."""
    conf = tmp_path / "etc-nginx"
    (conf / "conf.d").mkdir(parents=True, exist_ok=True)
    (conf / "conf.d" / "default.conf").write_text("server { listen 127.0.0.1:1; }\n")
    certificate, private_key = harness._self_signed(tmp_path)
    env = {
        **os.environ,
        "EDU_PORTAL_NGINX_SOURCE": str(source),
        "EDU_PORTAL_NGINX_CONF": str(conf),
        "EDU_PORTAL_NGINX_CACHE": str(tmp_path / "cache"),
        "EDU_PORTAL_APP": "127.0.0.1:18000",
        "EDU_PORTAL_S3": "127.0.0.1:18333",
        "EDU_PORTAL_TLS_CERTIFICATE": str(certificate),
        "EDU_PORTAL_TLS_PRIVATE_KEY": str(private_key),
    }
    return run("sh", SCRIPTS / "compose-nginx.sh", env=env)


def test_compose_nginx_configuration_passes_nginx_t(tmp_path):
    nginx = nginx_or_skip()
    prepared = prepare_compose_nginx(tmp_path)
    assert prepared.returncode == 0, prepared.stderr
    conf = tmp_path / "etc-nginx"
    assert not (conf / "conf.d" / "default.conf").exists()
    site = (conf / "edu-portal" / "edu-portal.conf").read_text()
    assert "server 127.0.0.1:18000;" in site and "server 127.0.0.1:18333;" in site
    assert "127.0.0.1:8000" not in site and "/etc/ssl/edu-portal" not in site
    # The official image's nginx.conf in short: conf.d/*.conf inside http.
    user = "user root;\n" if os.geteuid() == 0 else ""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    (conf / "nginx.conf").write_text(
        f"{user}pid {tmp_path / 'nginx.pid'};\nerror_log stderr;\nevents {{}}\nhttp {{\n"
        f"    client_body_temp_path {tmp / 'body'};\n    proxy_temp_path {tmp / 'proxy'};\n"
        f"    access_log off;\n    include conf.d/*.conf;\n}}\n"
    )
    checked = run(nginx, "-t", "-p", conf, "-c", conf / "nginx.conf", "-e", "stderr")
    assert checked.returncode == 0, checked.stderr


def test_compose_nginx_refuses_files_it_no_longer_matches(tmp_path):
    drifted = tmp_path / "nginx"
    shutil.copytree(DEPLOY / "nginx", drifted)
    site = drifted / "edu-portal.conf"
    site.write_text(site.read_text().replace("server 127.0.0.1:9000;", "server 10.0.0.5:9000;"))
    prepared = prepare_compose_nginx(tmp_path, drifted)
    assert prepared.returncode != 0
    assert "server 127.0.0.1:9000;" in prepared.stderr


def test_compose_nginx_refuses_an_address_that_is_not_host_port(tmp_path):
    env_overrides = {"EDU_PORTAL_APP": "web:8000; include /etc/passwd"}
    conf = tmp_path / "etc-nginx"
    env = {
        **os.environ,
        "EDU_PORTAL_NGINX_SOURCE": str(DEPLOY / "nginx"),
        "EDU_PORTAL_NGINX_CONF": str(conf),
        "EDU_PORTAL_NGINX_CACHE": str(tmp_path / "cache"),
        **env_overrides,
    }
    result = run("sh", SCRIPTS / "compose-nginx.sh", env=env)
    assert result.returncode != 0
    assert "not a host:port" in result.stderr
    assert not (conf / "edu-portal").exists()


# --- systemd units -----------------------------------------------------------------------------


def verify_units(tmp_path: Path, units: Path) -> subprocess.CompletedProcess:
    """systemd-analyze verify on copies whose /opt/edu-portal is a scratch tree holding the
    programs ExecStart names (verify checks that they exist and are executable)."""
    analyze = tool("systemd-analyze", "/usr/bin/systemd-analyze")
    root = tmp_path / "opt"
    venv = root / ".venv" / "bin"
    venv.mkdir(parents=True)
    for program in ("python", "celery", "gunicorn"):
        (venv / program).symlink_to(shutil.which("true") or "/bin/true")
    copies = tmp_path / "units"
    copies.mkdir()
    for unit in units.iterdir():
        (copies / unit.name).write_text(unit.read_text().replace("/opt/edu-portal", str(root)))
    names = [u.name for u in copies.iterdir() if "@." not in u.name]
    names += [f"edu-portal-worker@{queue}.service" for queue in QUEUES]
    return run(analyze, "verify", "--man=no", *(f"./{name}" for name in names), cwd=copies)


def test_systemd_units_verify(tmp_path):
    result = verify_units(tmp_path, UNITS)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_systemd_verify_rejects_a_broken_worker_template(tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(UNITS, broken)
    template = broken / "edu-portal-worker@.service"
    template.write_text(template.read_text().replace("ExecStart=", "ExecStrat="))
    result = verify_units(tmp_path, broken)
    assert result.returncode != 0
    assert "edu-portal-worker@" in result.stderr


def test_systemd_verify_rejects_a_missing_program(tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(UNITS, broken)
    beat = broken / "edu-portal-beat.service"
    beat.write_text(beat.read_text().replace(".venv/bin/celery", ".venv/bin/celeri"))
    result = verify_units(tmp_path, broken)
    assert result.returncode != 0
    assert "celeri" in result.stderr


# --- the image's health check and the stack's helpers ------------------------------------------


def test_healthcheck_probes_gunicorn_behind_https_and_allowed_hosts(tmp_path):
    """With HTTPS=1 and a real host name, a plain probe gets 301 or 400; the image's
    HEALTHCHECK (deploy/scripts/healthcheck.py) gets /healthz's 200."""
    var_dir = tmp_path / "var"
    port = free_port()
    settings_env = {"HTTPS": "1", "ALLOWED_HOSTS": ".edu.example.gov.cn,localhost"}
    env = child_env(
        var_dir, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1", **settings_env
    )
    probe = [sys.executable, str(SCRIPTS / "healthcheck.py")]
    assert run(*probe, env=env).returncode == 1  # nothing listens yet
    log = tmp_path / "gunicorn.log"
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(DEPLOY / "gunicorn.conf.py"),
                "edu_portal.wsgi",
            ],
            cwd=ROOT,
            env={**env, "XDG_RUNTIME_DIR": str(runtime)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        harness.wait_for_port(port, process, lambda: log.read_text()[-3000:], timeout=60)
        status, _ = get(port, "/healthz", timeout=10)
        assert status in (301, 400)
        result = run(*probe, env=env)
        assert result.returncode == 0, result.stderr + log.read_text()[-2000:]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert run(*probe, env=env).returncode == 1  # stopped: unhealthy again


def test_compose_secrets_are_usable_by_the_portal_and_kept_on_rerun(tmp_path):
    from edu_portal.env import Env

    directory = tmp_path / "secrets"
    first = run("bash", SCRIPTS / "compose-secrets.sh", directory)
    assert first.returncode == 0, first.stderr
    assert "tls_certificate" in first.stderr  # the operator's own files are asked for
    files = {p.name: p.read_text() for p in directory.iterdir()}
    assert oct(directory.stat().st_mode & 0o777) == "0o700"
    names = {
        "secret_key", "database_url", "redis_url", "object_store_url", "postgres_password",
        "redis_auth", "seaweedfs_s3_config", "backup_encryption_key", "integrity_ledger_key",
    }  # fmt: skip
    assert names <= set(files)
    environ = {f"{name.upper()}_FILE": str(directory / name) for name in names}
    env = Env(environ)
    password = env.str("POSTGRES_PASSWORD", "", secret=True)
    database = env.url("DATABASE_URL", "", schemes={"postgres"}, secret=True)
    assert database == f"postgres://edu:{password}@postgres:5432/edu_portal"
    redis_password = files["redis_auth"].strip().removeprefix("requirepass ")
    assert env.str("REDIS_URL", "", secret=True) == f"redis://:{redis_password}@redis:6379/0"
    identity = json.loads(files["seaweedfs_s3_config"])["identities"][0]["credentials"][0]
    store = env.url("OBJECT_STORE_URL", "", schemes={"s3"}, secret=True)
    assert store == (
        f"s3://{identity['accessKey']}:{identity['secretKey']}@s3:8333/edu-portal?secure=false"
    )
    assert len(env.str("SECRET_KEY", "", secret=True)) >= 64

    (directory / "database_url").unlink()  # a partial earlier run
    again = run("bash", SCRIPTS / "compose-secrets.sh", directory)
    assert again.returncode == 0, again.stderr
    after = {p.name: p.read_text() for p in directory.iterdir()}
    assert after == files  # nothing replaced; the missing URL has the kept password


def test_compose_secrets_needs_a_directory():
    result = run("bash", SCRIPTS / "compose-secrets.sh")
    assert result.returncode == 2
    assert "usage" in result.stderr


def test_s3_read_policy_lets_only_nginx_read_hls(tmp_path):
    from minio import Minio

    with harness.moto_server() as endpoint:
        url = f"s3://key:secret@{endpoint}/portal-objects?secure=false"
        env = child_env(tmp_path / "var", OBJECT_STORE_URL=url)
        script = SCRIPTS / "s3_read_policy.py"
        result = run(sys.executable, script, "172.28.0.10", env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        client = Minio(endpoint, access_key="key", secret_key="secret", secure=False)
        policy = json.loads(client.get_bucket_policy("portal-objects"))
        (statement,) = policy["Statement"]
        assert statement["Action"] in (["s3:GetObject"], "s3:GetObject")
        resources = statement["Resource"]
        resources = [resources] if isinstance(resources, str) else resources
        assert resources == ["arn:aws:s3:::portal-objects/hls/*"]
        assert statement["Condition"]["IpAddress"]["aws:SourceIp"] in (
            ["172.28.0.10/32"],
            "172.28.0.10/32",
        )
        # Again: the same policy, no error.
        assert run(sys.executable, script, "172.28.0.10", env=env).returncode == 0

        refused = run(sys.executable, script, "nginx.local", env=env)
        assert refused.returncode == 2
        assert "not an IP address" in refused.stderr

    files = child_env(tmp_path / "var2")
    skipped = run(sys.executable, SCRIPTS / "s3_read_policy.py", "127.0.0.1", env=files)
    assert skipped.returncode == 0, skipped.stderr
    assert "not S3" in skipped.stdout


def test_compose_settings_pass_check_deploy(compose, tmp_path):
    """The web service's environment, its secret files (as compose-secrets.sh writes them)
    and the image's ENV make settings that `check --deploy --fail-level WARNING` accepts."""
    secrets = tmp_path / "secrets"
    assert run("bash", SCRIPTS / "compose-secrets.sh", secrets).returncode == 0
    environment = {
        name: str(value).replace("/run/secrets/", f"{secrets}/")
        for name, value in compose["services"]["web"]["environment"].items()
    }
    image_env = dict(
        re.findall(r"(\w+)=(\S+)", DOCKERFILE.read_text().split("\nENV PATH=")[1].split("\n\n")[0])
    )
    for name in ("STATIC_FROM_FINDERS", "STATIC_ROOT"):
        environment[name] = image_env[name]
    environment["STATIC_ROOT"] = str(tmp_path / "static")
    environment.pop("VAR_DIR")
    result = run(
        sys.executable,
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        cwd=ROOT,
        env=child_env(tmp_path / "var", **environment),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
