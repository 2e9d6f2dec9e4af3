#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 for user postgres without a password, with a database `test`.
# Starts an installed cluster, or installs Debian's postgresql package first when none is installed.
set -euo pipefail
URL=${SAFEHOLD_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
answers() { psql -w "postgres://postgres@127.0.0.1:5432/postgres" -qAtc 'select 1' >/dev/null 2>&1; }
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo

if ! command -v psql >/dev/null 2>&1 || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  if ! answers; then
    echo "installing Debian's postgresql"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq postgresql >/dev/null
  fi
fi

if ! answers; then
  ver=$(ls /etc/postgresql | sort -n | tail -1)
  hba=/etc/postgresql/$ver/main/pg_hba.conf
  # A fresh Debian cluster asks for a password on TCP: trust loopback, as the tests expect.
  if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    $SUDO sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start || $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main restart
  for _ in $(seq 1 50); do answers && break; sleep 0.2; done
fi
answers || { echo "PostgreSQL does not answer on 127.0.0.1:5432 as postgres" >&2; exit 1; }

db=$(basename "${URL%%\?*}")
if [ "$(psql -w "postgres://postgres@127.0.0.1:5432/postgres" -qAtc "select 1 from pg_database where datname='$db'")" != 1 ]; then
  psql -w "postgres://postgres@127.0.0.1:5432/postgres" -qc "create database \"$db\"" >/dev/null
fi
echo "PostgreSQL answers at $URL"
