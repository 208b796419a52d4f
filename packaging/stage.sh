#!/usr/bin/env bash
# Lays out an installed privport under ROOT: the binary, the preload shim, systemd units, the example policy,
# man pages and shell completions, with the units' paths rewritten for PREFIX and SYSCONFDIR.
# Shared by build-deb.sh (prefix /usr) and install.sh. Usage:
#   stage.sh --from PUBLISH_DIR --root ROOT [--prefix /usr] [--sysconfdir /etc] [--unitdir /lib/systemd/system]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
from= root= prefix=/usr sysconfdir=/etc unitdir=/lib/systemd/system
while [ $# -gt 0 ]; do
  case "$1" in
    --from) from=$2; shift 2 ;;
    --root) root=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    --sysconfdir) sysconfdir=$2; shift 2 ;;
    --unitdir) unitdir=$2; shift 2 ;;
    *) echo "stage.sh: unknown argument '$1'; see the usage at the top of $0" >&2; exit 64 ;;
  esac
done
if [ -z "$from" ] || [ -z "$root" ]; then
  echo "stage.sh: give --from (a directory with privport and libprivport.so) and --root" >&2
  exit 64
fi
for file in privport libprivport.so; do
  if [ ! -f "$from/$file" ]; then
    echo "stage.sh: $from/$file is missing; publish first (dotnet publish src/Privport -c Release -r linux-x64 -p:PublishAot=true -o DIR)" >&2
    exit 66
  fi
done

umask 022
install -D -m 0755 "$from/privport" "$root$prefix/bin/privport"
install -D -m 0644 "$from/libprivport.so" "$root$prefix/lib/privport/libprivport.so"

rewrite() {
  sed -e "s#/usr/bin/privport#$prefix/bin/privport#g" -e "s#/etc/privport#$sysconfdir/privport#g" "$1"
}
install -d -m 0755 "$root$unitdir"
for unit in privport.service privport.socket privport-forward@.service; do
  rewrite "$here/systemd/$unit" >"$root$unitdir/$unit"
  chmod 0644 "$root$unitdir/$unit"
done

# Opt-in, so it is not in a .d directory: the admin links it there (privport(8)).
install -d -m 0755 "$root$prefix/share/privport"
install -m 0644 "$here/systemd/exe-and-group-rules.conf" "$root$prefix/share/privport/exe-and-group-rules.conf"
rewrite "$here/systemd/kernel-grants.conf" >"$root$prefix/share/privport/kernel-grants.conf"
chmod 0644 "$root$prefix/share/privport/kernel-grants.conf"

# The generator lives beside the unit directory's parent: /lib/systemd/system -> /lib/systemd/system-generators.
install -d -m 0755 "$root$(dirname "$unitdir")/system-generators"
rewrite "$here/systemd/privport-kernel-grants.generator" >"$root$(dirname "$unitdir")/system-generators/privport-kernel-grants"
chmod 0755 "$root$(dirname "$unitdir")/system-generators/privport-kernel-grants"

install -d -m 0755 "$root$sysconfdir/privport/policy.d" "$root$sysconfdir/privport/forward.d"
install -m 0644 "$here/etc/policy.toml" "$root$sysconfdir/privport/policy.toml"
install -m 0644 "$here/etc/forward-example.toml.disabled" "$root$sysconfdir/privport/forward.d/example.toml.disabled"

install -d -m 0755 "$root$prefix/share/man/man8" "$root$prefix/share/man/man5"
rewrite "$here/man/privport.8" | gzip -9n >"$root$prefix/share/man/man8/privport.8.gz"
rewrite "$here/man/privport-policy.5" | gzip -9n >"$root$prefix/share/man/man5/privport-policy.5.gz"
chmod 0644 "$root$prefix/share/man/man8/privport.8.gz" "$root$prefix/share/man/man5/privport-policy.5.gz"

# Generated from the binary's own command tree, so they list exactly the verbs and options it accepts.
install -d -m 0755 "$root$prefix/share/bash-completion/completions" "$root$prefix/share/zsh/vendor-completions"
"$from/privport" completions bash >"$root$prefix/share/bash-completion/completions/privport"
"$from/privport" completions zsh >"$root$prefix/share/zsh/vendor-completions/_privport"
chmod 0644 "$root$prefix/share/bash-completion/completions/privport" "$root$prefix/share/zsh/vendor-completions/_privport"
