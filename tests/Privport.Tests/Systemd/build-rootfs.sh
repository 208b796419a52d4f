#!/usr/bin/env bash
# Builds (or reuses) the Debian bookworm root file system the systemd tests boot with systemd-nspawn, and prints
# its path on the last line. The cache is keyed by a hash of everything that shapes the tree (this script, the
# package list, the mirror), and each tree is built in a temporary directory and renamed into place, so an
# interrupted build is never reused. Usage: build-rootfs.sh CACHE_DIR
set -euo pipefail
cache=${1:?usage: build-rootfs.sh CACHE_DIR}
suite=bookworm
# systemd as PID 1 and the tools the scenarios use; nginx-light and caddy are the servers they run, so no
# scenario needs the network.
packages=systemd,systemd-sysv,dbus,libnss-systemd,procps,python3,curl,iproute2,libcap2-bin,nginx-light,caddy,ca-certificates

# The Debian mirror apt already uses on this host (deb822 sources first, then the one-line format).
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*debian\/\{0,1\}\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

key=$( { cat "$0"; echo "$packages $suite $mirror"; } | sha256sum | cut -c1-16)
tree=$cache/$key
if [ -f "$tree/.privport-rootfs-complete" ]; then
  echo "$tree"
  exit 0
fi

command -v debootstrap >/dev/null 2>&1 || { echo "build-rootfs.sh: debootstrap is missing; apt-get install debootstrap" >&2; exit 69; }
mkdir -p "$cache"
exec 9>"$cache/.lock"
# One build at a time; whoever waited finds the tree made by the one before.
flock -w 900 9 || { echo "build-rootfs.sh: $cache/.lock is held by another build for 15 minutes; is one stuck?" >&2; exit 75; }
if [ -f "$tree/.privport-rootfs-complete" ]; then
  echo "$tree"
  exit 0
fi
# Under the lock, any temporary tree is a leftover of an interrupted build.
rm -rf "$cache"/tmp.* "$tree"
work=$(mktemp -d "$cache/tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "==> debootstrap $suite from $mirror into $tree (once per package list)" >&2
debootstrap --variant=minbase --include="$packages" "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log" >&2; echo "build-rootfs.sh: debootstrap failed (log above)" >&2; exit 1; }
root=$work/rootfs
# The servers are started by the scenarios, never at boot (both would take port 80).
chroot "$root" systemctl disable nginx.service caddy.service >/dev/null 2>&1 || true
chroot "$root" systemctl mask systemd-networkd-wait-online.service >/dev/null 2>&1 || true
rm -f "$root"/var/cache/apt/archives/*.deb
echo privport-test >"$root/etc/hostname"
: >"$root/etc/machine-id"
touch "$root/.privport-rootfs-complete"
mv "$root" "$tree"
echo "$tree"
