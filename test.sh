#!/usr/bin/env bash
# Builds privport, publishes the NativeAOT binary (failing on any trim/AOT warning), and runs every test
# against that binary. Run as root so the integration tests run for real; without root they are skipped.
# Last line: "N passed, N failed, N skipped", from the test run's own counts.
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD
artifacts=$root/artifacts
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Tools the tests use: a C compiler (struct layout probe) and setpriv (clients as other uids).
need=()
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
# The system python3 (/usr/bin, runnable by any uid): the pty runner, the test summary, and clients run as other uids.
[ -x /usr/bin/python3 ] || need+=(python3)
# Real servers the wrap tests run under the shim (each test skips, saying why, when its server is missing).
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
# nft for the redirect tests (run in network namespaces they create; never the host's tables).
command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ] || need+=(nftables)
# The packaging tests: dpkg-deb builds the .deb, zsh checks its completion script's syntax, strace lists the
# broker's system calls for comparison with the unit's filter.
command -v dpkg-deb >/dev/null 2>&1 || need+=(dpkg)
command -v zsh >/dev/null 2>&1 || need+=(zsh)
command -v strace >/dev/null 2>&1 || need+=(strace)
# The systemd scenarios (tests/Privport.Tests/Systemd): a Debian root file system booted with systemd-nspawn.
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)
command -v systemd-nspawn >/dev/null 2>&1 || need+=(systemd-container)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    # Installing nginx must not start a system nginx on port 80: policy-rc.d forbids starting services meanwhile.
    made_policy_rc=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy_rc=1
    fi
    apt-get install -y -q "${need[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; } || true
    [ -z "$made_policy_rc" ] || rm -f /usr/sbin/policy-rc.d
  else
    echo "test.sh: missing ${need[*]}; install them (as root) or run this script as root" >&2
  fi
fi

rm -rf "$artifacts/test-results"
mkdir -p "$artifacts"

echo "==> build (warnings are errors)"
dotnet build Privport.slnx -c Release -nologo -clp:ErrorsOnly

echo "==> publish NativeAOT privport"
aot_log=$artifacts/aot-publish.log
dotnet publish src/Privport/Privport.csproj -c Release -r linux-x64 -p:PublishAot=true \
  -o "$artifacts/aot" -nologo >"$aot_log" 2>&1 || { cat "$aot_log"; exit 1; }
if grep -E "warning (IL|AOT)[0-9]+" "$aot_log"; then
  echo "test.sh: the NativeAOT publish has trim/AOT warnings (above); fix them" >&2
  exit 1
fi
export PRIVPORT_TEST_EXECUTABLE=$artifacts/aot/privport

echo "==> test (privport under test: $PRIVPORT_TEST_EXECUTABLE)"
set +e
dotnet test Privport.slnx -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$artifacts/test-results"
status=$?
set -e

summary=$(python3 - "$artifacts/test-results" <<'PY' 2>/dev/null || true
import glob, re, sys
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    text = open(path, encoding="utf-8").read()
    m = re.search(r"<Counters ([^>]*)/>", text)
    if not m:
        continue
    c = dict(re.findall(r'(\w+)="(\d+)"', m.group(1)))
    passed += int(c.get("passed", 0))
    failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    # xunit's trx leaves skipped tests out of "executed" without counting them in notExecuted.
    skipped += max(int(c.get("notExecuted", 0)), int(c.get("total", 0)) - int(c.get("executed", 0)))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
)
if [ -z "$summary" ]; then
  summary=$(find "$artifacts/test-results" -name '*.trx' -exec grep -ho '<Counters [^>]*' {} + | awk '
    { for (i = 1; i <= NF; i++) { split($i, kv, "=\""); v = kv[2]; sub(/".*/, "", v);
        if (kv[1] == "passed") p += v; if (kv[1] == "failed" || kv[1] == "error") f += v; if (kv[1] == "notExecuted") s += v } }
    END { printf "%d passed, %d failed, %d skipped\n", p, f, s }')
fi
echo "$summary"
exit $status
