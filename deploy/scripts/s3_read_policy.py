"""Give the object store's bucket deploy/nginx/minio-hls-read-policy.json: nginx alone (its
address) may read published HLS output sets (``hls/``) without credentials.

    python deploy/scripts/s3_read_policy.py NGINX_ADDRESS [NGINX_ADDRESS ...]

The README tells an operator to do this with ``mc anonymous set-json``; the compose stack's
one-shot ``migrate`` service runs this script instead (the image has no ``mc``), with the
bucket of OBJECT_STORE_URL and nginx's fixed address written into the policy. It creates
the bucket when missing, so nginx can stream before the first upload. Running it again
sets the same policy. With the filesystem store (``file://``) there is nothing to do.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "deploy" / "nginx" / "minio-hls-read-policy.json"
#: The bucket name written in the policy file (and in edu-portal-locations.conf).
POLICY_BUCKET = "edu-portal"


def policy_for(bucket: str, addresses: list[str]) -> dict:
    """The policy file with ``bucket`` and the nginx ``addresses`` (as /32 or /128)."""
    policy = json.loads(POLICY.read_text(encoding="utf-8"))
    networks = [str(ipaddress.ip_network(address, strict=False)) for address in addresses]
    for statement in policy["Statement"]:
        statement["Resource"] = [
            resource.replace(f":::{POLICY_BUCKET}/", f":::{bucket}/")
            for resource in statement["Resource"]
        ]
        statement["Condition"]["IpAddress"]["aws:SourceIp"] = networks
    return policy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("addresses", nargs="+", metavar="NGINX_ADDRESS")
    args = parser.parse_args(argv)
    for address in args.addresses:
        try:
            ipaddress.ip_network(address, strict=False)
        except ValueError:
            parser.error(f"{address!r} is not an IP address: give nginx's address")

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edu_portal.settings")
    import django

    django.setup()
    from minio.error import S3Error
    from urllib3.exceptions import HTTPError

    from edu_portal.storage import get_storage
    from edu_portal.storage.s3 import MinioStorage

    store = get_storage()
    if not isinstance(store, MinioStorage):
        print("Object store is not S3: nginx reads no bucket, no policy set.")
        return 0
    policy = policy_for(store.bucket, args.addresses)
    try:
        if not store.client.bucket_exists(store.bucket):
            try:
                store.client.make_bucket(store.bucket)
            except S3Error as exc:
                # Another process (a worker's first upload) made it meanwhile: as wanted.
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        store.client.set_bucket_policy(store.bucket, json.dumps(policy))
    except (S3Error, HTTPError, OSError) as exc:
        print(f"Could not set the read policy of bucket {store.bucket!r}: {exc}", file=sys.stderr)
        return 1
    allowed = ", ".join(policy["Statement"][0]["Condition"]["IpAddress"]["aws:SourceIp"])
    print(f"Bucket {store.bucket!r}: anonymous GetObject under hls/ from {allowed} only.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
