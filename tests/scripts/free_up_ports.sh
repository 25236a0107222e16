# Sourced by the tests that run the real scripts/up, status and down: points
# them at the binary under test, a temp dir and free ports, so a developer's
# own scripts/up instance (fixed ports, .local/) is never touched.
#   source free_up_ports.sh SQLWARDEN_BINARY UP_DIR   (after scripts/lib/backends.sh)
export SQLWARDEN_BINARY=$1
export SQLWARDEN_UP_DIR=$2
export SQLWARDEN_UP_PG_BACKEND_PORT=$(free_port)
export SQLWARDEN_UP_MY_BACKEND_PORT=$(free_port)
export SQLWARDEN_UP_PG_PORT=$(free_port)
export SQLWARDEN_UP_MY_PORT=$(free_port)
export SQLWARDEN_UP_ADMIN_PORT=$(free_port)
