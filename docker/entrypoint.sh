#!/bin/sh
# Entrypoint of the image: checks that the mirror's data folder is writable by the user the container runs
# as, then runs the command. A fresh clone's ./data is created by Docker as root; instead of crash-looping,
# the container says what to run on the host and waits until the folder is writable.
set -eu

needs_data=0
for arg in "$@"; do
  case "$arg" in daemon | sync | snapshot | export | demo) needs_data=1 ;; esac
done

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
