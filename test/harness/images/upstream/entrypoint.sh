#!/bin/sh
# /app/scripts/docker-entrypoint.sh of the official codex-lb image (its CMD), rewritten here with the same
# behaviour as the one in the codex-lb 1.24.0 release: migrate the database to head unless
# CODEX_LB_DATABASE_MIGRATE_ON_STARTUP=false, then serve on 0.0.0.0:2455 (fixed: PORT and HOST are not read
# here; a pod that wants another address overrides the command, as the official chart does).
set -eu

if [ "${CODEX_LB_DATABASE_MIGRATE_ON_STARTUP:-true}" = "true" ]; then
  python -m app.db.migrate upgrade
fi
# Migrated (or deliberately not): the server must not run the migrations a second time in-process.
export CODEX_LB_DATABASE_MIGRATE_ON_STARTUP=false

exec python -m app.cli --host 0.0.0.0 --port 2455
