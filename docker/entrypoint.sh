#!/bin/sh
# Entrypoint of the image: checks that the mirror's data folder is writable by the user the container runs
# as, and that the key files the command needs hold a key it can read, then runs the command. A fresh clone's
# ./data is created by Docker as root, and a secret file written from an unset variable is empty; instead of
# exiting (which `restart: unless-stopped` turns into a restart loop), the container says what to do on the
# host and waits until it is done.
set -eu

needs_data=0
needs_keys=0
for arg in "$@"; do
  case "$arg" in daemon | sync | snapshot | export | demo) needs_data=1 ;; esac
  case "$arg" in daemon | sync) needs_keys=1 ;; esac
done

# Prints why the key file named by $1 (DD_API_KEY or DD_APP_KEY) cannot be used, or nothing when it can
# (or when the key comes from the variable itself, or no file is configured: the CLI then says what is missing).
key_file_problem() {
  eval "direct=\${$1:-}"
  eval "file=\${$1_FILE:-}"
  [ -n "$direct" ] || [ -z "$file" ] && return 0
  if [ ! -e "$file" ]; then echo "$1_FILE: $file does not exist"; return 0; fi
  if [ ! -r "$file" ]; then echo "$1_FILE: $file (owner $(stat -c '%u:%g' "$file" 2>/dev/null || echo '?')) is not readable by $(id -u):$(id -g)"; return 0; fi
  if [ -z "$(tr -d ' \t\r\n' < "$file")" ]; then echo "$1_FILE: $file is empty"; return 0; fi
}

if [ "$needs_keys" = 1 ]; then
  waited=0
  while :; do
    problem="$(key_file_problem DD_API_KEY)"
    app_problem="$(key_file_problem DD_APP_KEY)"
    [ -n "$problem" ] && [ -n "$app_problem" ] && problem="$problem; "
    problem="$problem$app_problem"
    [ -z "$problem" ] && break
    if [ $((waited % 60)) -eq 0 ]; then
      echo "error [secret_unusable]: $problem; on the host write the key into ./secrets (printf %s \"\$DD_API_KEY\" > secrets/dd_api_key, the same for dd_app_key), readable by $(id -u):$(id -g) (chmod 0644, or chown to MODELLAB_UID:MODELLAB_GID); waiting until it is usable" >&2
    fi
    sleep 5
    waited=$((waited + 5))
  done
fi

if [ "$needs_data" = 1 ]; then
  data_dir=$(dirname "${MODELLAB_DB:-/data/mirror.db}")
  snapshot_dir=${MODELLAB_SNAPSHOT_DIR:-$data_dir/snapshots}
  waited=0
  until mkdir -p "$data_dir" "$snapshot_dir" 2>/dev/null && [ -w "$data_dir" ] && [ -w "$snapshot_dir" ]; do
    if [ $((waited % 60)) -eq 0 ]; then
      owner=$(stat -c '%u:%g' "$data_dir" 2>/dev/null || echo 'none, and it cannot be created')
      echo "error [data_dir_not_writable]: $data_dir (owner $owner) is not writable by $(id -u):$(id -g), the user this container runs as; on the host run: sudo chown -R $(id -u):$(id -g) ./data (or set MODELLAB_UID/MODELLAB_GID for user: in docker-compose.yml); waiting until it is writable" >&2
    fi
    sleep 5
    waited=$((waited + 5))
  done
fi

exec "$@"
