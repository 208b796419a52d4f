#!/usr/bin/env python3
"""Connects to the broker, forks, and lets the connecting process exit before the child asks to be enrolled over the
inherited connection: the pid the broker knows (SO_PEERCRED) is then dead or reused. Prints the reply's status.
Usage: enrol_after_exit.py SOCKET"""
import os, socket, struct, sys, time

s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
if os.fork() != 0:
    os._exit(0)
time.sleep(0.3)
s.send(struct.pack("<IHH56x", 0x51525050, 1, 17))
reply = s.recv(257)
status = struct.unpack_from("<i", reply, 8)[0]
reason = reply[64:].split(b"\0")[0].decode()
print(f"status {status}: {reason}", flush=True)
