"""Stream a generated upload into a store and report the peak memory of this process.

Run as ``python -m tests.storage.upload_probe URL KEY SIZE`` from the project root. It uses
no Django settings: the store is built from the URL, as a worker subprocess would.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys

from edu_portal.storage import from_url
from tests.storage.streams import GeneratedStream


def vm_hwm_mb() -> float | None:
    """The kernel's high-water mark of this process image, a cross-check of ru_maxrss."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def relaunch() -> int:
    """Run the upload in a child of this small process.

    Linux carries ru_maxrss across fork+exec: a process started straight from pytest (which
    holds the moto server and its objects) would report pytest's peak, not its own. A
    grandchild of pytest starts counting from this launcher's few megabytes instead.
    """
    env = {**os.environ, "UPLOAD_PROBE_INNER": "1"}
    command = [sys.executable, "-m", "tests.storage.upload_probe", *sys.argv[1:]]
    return subprocess.run(command, env=env, check=False).returncode


def main() -> None:
    if os.environ.get("UPLOAD_PROBE_INNER") != "1":
        sys.exit(relaunch())
    url, key, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    storage = from_url(url, timeout=60, retries=0)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # length unknown on purpose: the hardest case, multipart with guessed part sizes.
    info = storage.put(key, GeneratedStream(size), content_type="video/mp4")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {
                "size": info.size,
                "sha256": info.sha256,
                "baseline_rss_mb": round(before / 1024, 1),
                "peak_rss_mb": round(peak / 1024, 1),
                "vm_hwm_mb": vm_hwm_mb(),
            }
        )
    )


if __name__ == "__main__":
    main()
