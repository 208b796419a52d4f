#!/usr/bin/env bash
# Builds the .deb of an earlier commit (the build an admin upgrades from) and prints its path on the last line.
# The commit's tree is exported with git archive (no work tree or worktree entry is left in the repository),
# built with its own packaging/build-deb.sh, and cached by commit id, renamed into place when complete.
# Usage: build-previous-deb.sh COMMIT CACHE_DIR
set -euo pipefail
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
commit=$(git -C "$repo" rev-parse --verify "${1:?usage: build-previous-deb.sh COMMIT CACHE_DIR}^{commit}")
cache=${2:?usage: build-previous-deb.sh COMMIT CACHE_DIR}
done_dir=$cache/$commit
if compgen -G "$done_dir/privport_*.deb" >/dev/null; then
  ls "$done_dir"/privport_*.deb | head -n 1
  exit 0
fi
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock -w 900 9 || { echo "build-previous-deb.sh: $cache/.lock is held by another build for 15 minutes; is one stuck?" >&2; exit 75; }
if compgen -G "$done_dir/privport_*.deb" >/dev/null; then
  ls "$done_dir"/privport_*.deb | head -n 1
  exit 0
fi
rm -rf "$cache"/tmp.*
work=$(mktemp -d "$cache/tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
git -C "$repo" archive --format=tar "$commit" | tar -x -C "$work" -f -
mkdir -p "$work/out"
echo "==> build the .deb of $commit (once per commit)" >&2
"$work/packaging/build-deb.sh" --output "$work/out" >"$work/build.log" 2>&1 \
  || { tail -n 40 "$work/build.log" >&2; echo "build-previous-deb.sh: building $commit's .deb failed (log above)" >&2; exit 1; }
mkdir -p "$work/done"
mv "$work"/out/privport_*.deb "$work/done/"
mv "$work/done" "$done_dir"
ls "$done_dir"/privport_*.deb | head -n 1
