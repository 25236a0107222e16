# Where scripts/up, scripts/down and scripts/status keep things. The defaults
# are the fixed names of docs/architecture.md; the overrides exist so tests/scripts can run
# the real scripts in a temp dir on free ports beside a developer's instance.
SW_UP_DIR=${SQLWARDEN_UP_DIR:-$root/.local}
SW_UP_PG_BACKEND=${SQLWARDEN_UP_PG_BACKEND_PORT:-15432}
SW_UP_MY_BACKEND=${SQLWARDEN_UP_MY_BACKEND_PORT:-13306}
SW_UP_PG_PROXY=${SQLWARDEN_UP_PG_PORT:-6432}
SW_UP_MY_PROXY=${SQLWARDEN_UP_MY_PORT:-6033}
SW_UP_ADMIN=${SQLWARDEN_UP_ADMIN_PORT:-8000}
