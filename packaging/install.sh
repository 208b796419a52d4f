#!/usr/bin/env bash
# Installs privport where there is no dpkg, in the .deb's layout under PREFIX (default /usr/local):
# PREFIX/bin/privport, PREFIX/lib/privport/libprivport.so, units in PREFIX/lib/systemd/system (or
# /lib/systemd/system for PREFIX=/usr), /etc/privport/ with the example policy, man pages and completions.
# An existing /etc/privport/policy.toml is never overwritten. Enables and starts nothing.
#   packaging/install.sh [--prefix P] [--destdir D] [--from PUBLISH_DIR]       install
#   packaging/install.sh [--prefix P] [--destdir D] --uninstall [--purge]      remove (--purge: /etc/privport too)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
prefix=/usr/local destdir= from= uninstall= purge=
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=${2%/}; shift 2 ;;
    --destdir) destdir=${2%/}; shift 2 ;;
    --from) from=$(cd "$2" && pwd); shift 2 ;;
    --uninstall) uninstall=1; shift ;;
    --purge) purge=1; shift ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1'; see 'install.sh --help'" >&2; exit 64 ;;
  esac
done
case "$prefix" in /*) ;; *) echo "install.sh: --prefix must be absolute, not '$prefix'" >&2; exit 64 ;; esac
[ -n "$prefix" ] || prefix=/
if [ "$prefix" = /usr ]; then unitdir=/lib/systemd/system; else unitdir=$prefix/lib/systemd/system; fi
sysconfdir=/etc
manifest=$prefix/lib/privport/install-manifest

reload_systemd() {
  if [ -z "$destdir" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
}

if [ -n "$uninstall" ]; then
  if [ ! -f "$destdir$manifest" ]; then
    echo "install.sh: $destdir$manifest is missing: privport was not installed with --prefix $prefix${destdir:+ --destdir $destdir}" >&2
    exit 66
  fi
  if [ -z "$destdir" ] && [ -d /run/systemd/system ]; then
    systemctl disable --now privport.socket privport.service >/dev/null 2>&1 || true
  fi
  while IFS= read -r file; do
    case "$file" in "$sysconfdir"/privport/*) [ -n "$purge" ] || continue ;; esac
    rm -f "$destdir$file"
  done <"$destdir$manifest"
  rm -f "$destdir$manifest"
  rmdir "$destdir$prefix/lib/privport" 2>/dev/null || true
  if [ -n "$purge" ]; then
    rm -rf "$destdir$sysconfdir/privport"
  else
    echo "install.sh: kept $sysconfdir/privport (the policy); add --purge to remove it" >&2
  fi
  reload_systemd
  echo "privport removed from $destdir$prefix" >&2
  exit 0
fi

if [ -z "$from" ]; then
  from=$repo/artifacts/aot
  if [ ! -x "$from/privport" ]; then
    echo "install.sh: no published privport in $from; run packaging/build-deb.sh (it publishes), or give --from DIR" >&2
    exit 66
  fi
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/privport-install.XXXXXX")
trap 'rm -rf "$stage"' EXIT
"$here/stage.sh" --from "$from" --root "$stage" --prefix "$prefix" --sysconfdir "$sysconfdir" --unitdir "$unitdir"

mkdir -p "$destdir/"
(cd "$stage" && find . -type d -printf '%P\n') | while IFS= read -r dir; do
  [ -z "$dir" ] || install -d -m 0755 "$destdir/$dir"
done
: >"$stage.manifest"
(cd "$stage" && find . -type f -printf '%P\n' | sort) | while IFS= read -r file; do
  if [ "/$file" = "$sysconfdir/privport/policy.toml" ] && [ -e "$destdir/$file" ]; then
    echo "install.sh: kept the existing /$file; the example is in $prefix/share/doc/privport/policy.toml.example" >&2
    install -D -m 0644 "$stage/$file" "$destdir$prefix/share/doc/privport/policy.toml.example"
    echo "$prefix/share/doc/privport/policy.toml.example" >>"$stage.manifest"
    continue
  fi
  install -m "$(stat -c %a "$stage/$file")" "$stage/$file" "$destdir/$file"
  echo "/$file" >>"$stage.manifest"
done
install -D -m 0644 "$stage.manifest" "$destdir$manifest"
rm -f "$stage.manifest"
reload_systemd
cat >&2 <<MSG
privport installed under $destdir$prefix; nothing is enabled. As installed, the policy grants nothing.
  1. edit $sysconfdir/privport/policy.toml (see privport-policy(5)), then: $prefix/bin/privport policy check
  2. systemctl enable --now privport.socket
MSG
