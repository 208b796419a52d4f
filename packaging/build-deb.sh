#!/usr/bin/env bash
# Builds artifacts/privport_VERSION_ARCH.deb in one command: publishes the NativeAOT privport (failing on any
# trim/AOT warning) unless --from names an existing publish directory, stages the installed tree, and packs it
# with dpkg-deb. Prints the path of the .deb on its last line. Usage:
#   packaging/build-deb.sh [--from PUBLISH_DIR] [--output DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
from= output=$repo/artifacts
while [ $# -gt 0 ]; do
  case "$1" in
    --from) from=$(cd "$2" && pwd); shift 2 ;;
    --output) output=$2; shift 2 ;;
    -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-deb.sh: unknown argument '$1'; usage: build-deb.sh [--from PUBLISH_DIR] [--output DIR]" >&2; exit 64 ;;
  esac
done
command -v dpkg-deb >/dev/null 2>&1 || { echo "build-deb.sh: dpkg-deb is missing; install dpkg (apt-get install dpkg), or use packaging/install.sh" >&2; exit 69; }
mkdir -p "$output"
output=$(cd "$output" && pwd)

if [ -z "$from" ]; then
  from=$output/aot
  log=$output/aot-publish.log
  echo "==> publish NativeAOT privport into $from" >&2
  dotnet publish "$repo/src/Privport/Privport.csproj" -c Release -r linux-x64 -p:PublishAot=true -o "$from" -nologo >"$log" 2>&1 \
    || { cat "$log" >&2; exit 1; }
  if grep -E "warning (IL|AOT)[0-9]+" "$log" >&2; then
    echo "build-deb.sh: the NativeAOT publish has trim/AOT warnings (above); fix them" >&2
    exit 1
  fi
fi

arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
# Debian versions allow digits, letters and . + ~ -; the informational version's build metadata follows a '+'.
version=$("$from/privport" --version | head -n 1 | tr -c 'A-Za-z0-9.+~\n' '~')
# A commit id as build metadata: 12 hex digits name it well enough and keep the file name short.
case "$version" in *+*) version=${version%%+*}+$(printf '%s' "${version#*+}" | cut -c1-12) ;; esac
case "$version" in [0-9]*) ;; *) version=0~$version ;; esac

stage=$(mktemp -d "${TMPDIR:-/tmp}/privport-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"
"$here/stage.sh" --from "$from" --root "$stage" --prefix /usr --sysconfdir /etc --unitdir /lib/systemd/system

install -d -m 0755 "$stage/usr/share/doc/privport"
install -m 0644 "$repo/README.md" "$stage/usr/share/doc/privport/README.md"
install -d -m 0755 "$stage/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" "$here/debian/control.in" >"$stage/DEBIAN/control"
install -m 0644 "$here/debian/conffiles" "$stage/DEBIAN/conffiles"
for script in postinst prerm postrm; do
  install -m 0755 "$here/debian/$script" "$stage/DEBIAN/$script"
done
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/md5sums"

deb=$output/privport_${version}_${arch}.deb
dpkg-deb --root-owner-group --build "$stage" "$deb" >&2
echo "$deb"
