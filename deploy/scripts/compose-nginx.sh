#!/bin/sh
# Prepares the project's nginx files (deploy/nginx, mounted read-only at
# /etc/edu-portal-nginx) for the nginx container of deploy/compose.yaml. The official
# nginx image runs it from /docker-entrypoint.d/ before nginx starts.
#
# The files are used as they are, with only the host-specific values replaced: the
# addresses of gunicorn and of the S3 server (container names instead of 127.0.0.1) and
# the TLS files (compose secrets). Every replacement must find its text, so a change of
# deploy/nginx that this script no longer matches stops the container instead of serving
# a half-configured site. tests/deploy/test_deploy_files.py runs it and `nginx -t`.
set -eu

src=${EDU_PORTAL_NGINX_SOURCE:-/etc/edu-portal-nginx}
conf=${EDU_PORTAL_NGINX_CONF:-/etc/nginx}
app=${EDU_PORTAL_APP:-web:8000}
s3=${EDU_PORTAL_S3:-s3:8333}
certificate=${EDU_PORTAL_TLS_CERTIFICATE:-/run/secrets/tls_certificate}
private_key=${EDU_PORTAL_TLS_PRIVATE_KEY:-/run/secrets/tls_private_key}
cache=${EDU_PORTAL_NGINX_CACHE:-/var/cache/nginx}

for address in "$app" "$s3"; do
  case $address in
    *[!A-Za-z0-9.:_-]* | *:*:* | :* | *:) echo "edu-portal: not a host:port: $address" >&2; exit 1 ;;
    *:*) ;;
    *) echo "edu-portal: not a host:port: $address" >&2; exit 1 ;;
  esac
done

# replace FILE OLD NEW: OLD and NEW are literal text without '|' (sed's delimiter here).
replace() {
  if ! grep -qF -- "$2" "$1"; then
    echo "edu-portal: $1 no longer contains '$2'; update deploy/scripts/compose-nginx.sh" >&2
    exit 1
  fi
  old=$(printf '%s' "$2" | sed 's/[].[*^$\/]/\\&/g')
  sed -i "s|$old|$3|g" "$1"
}

mkdir -p "$conf/edu-portal" "$cache/edu-portal-auth" "$cache/edu-portal-pages"
cp "$src"/*.conf "$conf/edu-portal/"
site="$conf/edu-portal/edu-portal.conf"
replace "$site" "server 127.0.0.1:8000;" "server $app;"
replace "$site" "server 127.0.0.1:9000;" "server $s3;"
replace "$site" "/etc/ssl/edu-portal/fullchain.pem" "$certificate"
replace "$site" "/etc/ssl/edu-portal/privkey.pem" "$private_key"
replace "$site" "/var/cache/nginx/edu-portal-auth" "$cache/edu-portal-auth"
replace "$site" "/var/cache/nginx/edu-portal-pages" "$cache/edu-portal-pages"

# The image's welcome page would be the default server for unknown host names.
rm -f "$conf/conf.d/default.conf"
mkdir -p "$conf/conf.d"
printf '# Written by deploy/scripts/compose-nginx.sh\ninclude edu-portal/edu-portal.conf;\n' \
  > "$conf/conf.d/edu-portal.conf"
echo "edu-portal: nginx configured for app $app and S3 $s3"
