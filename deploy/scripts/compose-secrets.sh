#!/usr/bin/env bash
# Writes the random secrets deploy/compose.yaml reads (its `secrets:` files) into DIR:
#   deploy/scripts/compose-secrets.sh /etc/edu-portal/secrets
# A file that exists is kept (run it again after an upgrade: only new secrets are added),
# so keys that encrypt backups or chain the integrity ledger are never replaced. The TLS
# certificate chain (tls_certificate) and its key (tls_private_key) are yours to add.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR   (e.g. /etc/edu-portal/secrets)" >&2
  exit 2
fi
dir=$1
umask 077
mkdir -p "$dir"
chmod 0700 "$dir"

random() {  # 48 hex digits from the kernel's generator: safe inside URLs as they are
  od -An -tx1 -N24 /dev/urandom | tr -d ' \n'
}

# write NAME CONTENT: only when DIR/NAME does not exist yet.
write() {
  local file="$dir/$1"
  if [ -e "$file" ]; then
    echo "kept    $file"
    return
  fi
  printf '%s\n' "$2" > "$file.tmp"
  # Readable by the containers' users (compose mounts the file itself, not the directory,
  # which stays closed to everyone but root).
  chmod 0644 "$file.tmp"
  mv "$file.tmp" "$file"
  echo "written $file"
}

# Passwords that two files share are read back from the first, so that a rerun after a
# partial run never leaves a URL with another password than its server's.
value_of() { sed -n "s/^$2//p" "$dir/$1" | head -n 1; }

write secret_key "$(random)$(random)"
write postgres_password "$(random)"
write database_url "postgres://edu:$(cat "$dir/postgres_password")@postgres:5432/edu_portal"
write redis_auth "requirepass $(random)"
write redis_url "redis://:$(value_of redis_auth 'requirepass ')@redis:6379/0"
access_key="edu$(random | cut -c1-17)"
s3_secret="$(random)"
write seaweedfs_s3_config "$(cat <<JSON
{
  "identities": [
    {
      "name": "edu-portal",
      "credentials": [{"accessKey": "$access_key", "secretKey": "$s3_secret"}],
      "actions": ["Admin", "Read", "List", "Tagging", "Write"]
    }
  ]
}
JSON
)"
access_key=$(sed -n 's/.*"accessKey": "\([^"]*\)".*/\1/p' "$dir/seaweedfs_s3_config")
s3_secret=$(sed -n 's/.*"secretKey": "\([^"]*\)".*/\1/p' "$dir/seaweedfs_s3_config")
write object_store_url "s3://$access_key:$s3_secret@s3:8333/edu-portal?secure=false"
write backup_encryption_key "$(random)$(random)"
write integrity_ledger_key "$(random)$(random)"

for tls in tls_certificate tls_private_key; do
  [ -e "$dir/$tls" ] || echo "missing $dir/$tls: put the TLS certificate chain and key there (PEM)" >&2
done
