#!/usr/bin/env python3
"""Writes the seed corpus of each fuzz target into corpus/TARGET/seed-*: run from the repository root's tests/fuzz.

Seeds are what the targets see in real use: request and reply datagrams of every op (docs/protocol.md), STATUS_DETAIL
documents, the policy examples of the docs and packaging, and the error messages of the doctor's test corpus.
"""
import glob, ipaddress, json, os, re, struct

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, "..", ".."))
corpus = os.path.join(here, "corpus")

def write(target, name, data):
    os.makedirs(os.path.join(corpus, target), exist_ok=True)
    with open(os.path.join(corpus, target, "seed-" + name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

# Request: magic, version, op, protocol, family, port, flags, 16-byte address, scope id, 28 reserved bytes.
def request(op, proto=6, address="0.0.0.0", port=80, flags=0, scope=0):
    ip = ipaddress.ip_address(address)
    family = 10 if ip.version == 6 else 2
    return struct.pack("<IHHBBHI16sI28x", 0x51525050, 1, op, proto, family, port, flags, ip.packed.ljust(16, b"\0"), scope)

ops = {"bind": 1, "open": 2, "query": 3}
for name, op in ops.items():
    write("wire", f"request-{name}-tcp4", request(op))
    write("wire", f"request-{name}-udp6", request(op, 17, "::1", 53))
    write("wire", f"request-{name}-v6only-reuse", request(op, 6, "::", 443, flags=0x1 | 0x2 | 0x4))
write("wire", "request-bind-linklocal-scope", request(1, 6, "fe80::1", 22, scope=2))
write("wire", "request-bind-mapped", request(1, 6, "::ffff:127.0.0.1", 25, flags=0x8))
write("wire", "request-status", request(4, 0, "0.0.0.0", 0))
write("wire", "request-status-detail", request(16, 0, "0.0.0.0", 0))
write("wire", "request-kernel-enrol", request(17, 0, "0.0.0.0", 0))

# Reply: magic, version, op, status, port, decision, pad, six counters, 192-byte reason.
def reply(op, status=0, port=80, decision=1, counters=(0,) * 6, reason=""):
    return struct.pack("<IHHiHBx6Q192s", 0x50525050, 1, op, status, port, decision, *counters, reason.encode()[:191])

write("wire", "reply-bind-granted", reply(1, reason="granted by nginx"))
write("wire", "reply-open-denied", reply(2, 13, 80, 2, reason="rule web (policy.toml:3) covers tcp/80 but not uid 65534 (nobody)"))
write("wire", "reply-query-denied-dualstack", reply(3, 0, 443, 2,
      reason="rule web (policy.toml:3) allows tcp/[::]:443 but not the 0.0.0.0:443 a dual-stack bind also takes; set IPV6_V6ONLY or allow \"0.0.0.0\""))
write("wire", "reply-status", reply(4, 0, 0, 0, (3605, 120, 100, 19, 1, 3)))
write("wire", "reply-status-detail", reply(16, 0, 0, 0, (3605, 120, 100, 19, 1, 3)))
write("wire", "reply-kernel-enrol", reply(17, 0, 0, 1, reason="enrolled in /user.slice/privport-enrol-4711: 2 kernel grants"))
write("wire", "reply-einval", reply(1, 22, 0, 0, reason="request has unknown op 9"))

detail = {"version": "1.0.0", "pid": 812, "uptime_seconds": 3605, "socket_activated": True,
          "requests": 120, "granted": 100, "denied": 19, "errors": 1, "truncated": False,
          "policy": {"path": "/etc/privport/policy.toml", "loaded_at": "2026-11-23T15:00:02.113Z", "rules": 3, "file_count": 2,
                     "files": ["/etc/privport/policy.toml", "/etc/privport/policy.d/20-mail.toml"],
                     "last_reload_failure": {"at": "2026-11-23T15:10:00Z", "errors": "policy.toml:3: ports: missing"}},
          "rules": [{"name": "nginx", "granted": 100, "denied": 2}, {"name": "(none)", "granted": 0, "denied": 17}],
          "recent_denials_of": "all",
          "recent_denials": [{"time": "2026-11-23T15:20:00Z", "op": "OPEN", "uid": 1001, "pid": 4242, "exe": "/usr/bin/python3.11",
                              "endpoint": "tcp/0.0.0.0:80", "nearest_rule": "nginx", "reason": "rule nginx covers tcp/80 but not uid 1001"}]}
write("wire", "status-detail.json", json.dumps(detail))
minimal = dict(detail, rules=[], recent_denials=[], recent_denials_of="1001", truncated=True)
minimal["policy"] = {"path": "/etc/privport", "loaded_at": "2026-11-23T15:00:02Z", "rules": 0}
write("wire", "status-detail-minimal.json", json.dumps(minimal))

# Policies: every ```toml block of the docs and README, the packaged policy, and the tests' policy strings.
def toml_blocks(path):
    text = open(path, encoding="utf-8").read()
    return re.findall(r"```toml\n(.*?)```", text, re.S)

n = 0
for path in [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "docs", "*.md"))):
    for block in toml_blocks(path):
        n += 1
        write("policy", f"{os.path.basename(path)[:-3]}-{n:02d}.toml", block)
for path in sorted(glob.glob(os.path.join(root, "packaging", "**", "*.toml"), recursive=True)):
    write("policy", "packaging-" + os.path.basename(path), open(path, "rb").read())
n = 0
for path in sorted(glob.glob(os.path.join(root, "tests", "Privport.Tests", "**", "*.cs"), recursive=True)):
    for block in re.findall(r'"""\n(.*?)"""', open(path, encoding="utf-8").read(), re.S):
        if "[[allow]]" in block or "ports" in block:
            n += 1
            write("policy", f"test-{n:03d}.toml", "\n".join(line.strip() for line in block.splitlines()) + "\n")

# Doctor: the message part (after the --- line) of every sample of the doctor's corpus.
for path in sorted(glob.glob(os.path.join(root, "tests", "Privport.Tests", "Doctor", "Corpus", "*.txt"))):
    text = open(path, encoding="utf-8").read()
    message = text.split("\n---\n", 1)[-1]
    write("doctor", os.path.basename(path), message)
