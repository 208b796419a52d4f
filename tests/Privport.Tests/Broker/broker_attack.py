#!/usr/bin/env python3
"""A local user's attacks on the privport broker's serving, for BrokerDenialOfServiceTests.

    broker_attack.py SOCKET pipeline CONNECTIONS SECONDS   QUERYs sent without pause, replies never read
    broker_attack.py SOCKET reading  CONNECTIONS SECONDS   QUERYs sent without pause, every reply read
    broker_attack.py SOCKET idle     CONNECTIONS SECONDS   connections held open, nothing sent
    broker_attack.py SOCKET hold     CONNECTIONS SECONDS   as idle, but what the broker closes stays closed
    broker_attack.py SOCKET bind     PORT                  one BIND of a TCP socket to 127.0.0.1:PORT

The attacks keep CONNECTIONS open for SECONDS: whichever the broker closes (or refuses) is opened again at
once, so the attacker stays at its cap. Each prints "ready" once the connections are first open. The bind
mode prints "STATUS REASON" for the broker's reply, "closed" when the broker closed the connection, or
"timeout" when it did not answer in 3 s.
"""
import select
import socket
import struct
import sys
import time

REQUEST_MAGIC = 0x51525050
VERSION = 1
OP_BIND = 1
OP_QUERY = 3
REPLY_SIZE = 256
REASON_OFFSET = 256 - 192


def request(op, port):
    address = socket.inet_aton("127.0.0.1") + bytes(12)
    return struct.pack("<IHHBBHI16sI28s", REQUEST_MAGIC, VERSION, op, socket.IPPROTO_TCP, socket.AF_INET,
                       port, 0, address, 0, bytes(28))


QUERY = request(OP_QUERY, 1)


def connect(path):
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    connection.setblocking(False)
    try:
        connection.connect(path)
    except OSError:
        connection.close()
        return None
    return connection


def hold(path, count, seconds):
    held = [connection for connection in (connect(path) for _ in range(count)) if connection is not None]
    print("ready", len(held), flush=True)
    time.sleep(seconds)
    for connection in held:
        connection.close()


def attack(path, mode, count, seconds):
    deadline = time.monotonic() + seconds
    open_connections = {}
    poller = select.poll()
    announced = False
    while time.monotonic() < deadline:
        while len(open_connections) < count and time.monotonic() < deadline:
            connection = connect(path)
            if connection is None:
                time.sleep(0.001)
                break
            open_connections[connection.fileno()] = connection
            # A pipelining attacker never reads: it hears only of a hang-up (always reported) and of room to send.
            events = {"idle": select.POLLIN, "pipeline": select.POLLOUT}.get(mode, select.POLLIN | select.POLLOUT)
            poller.register(connection, events)
        if not announced and len(open_connections) >= count:
            print("ready", flush=True)
            announced = True
        for fd, events in poller.poll(50):
            connection = open_connections.get(fd)
            if connection is None:
                continue
            alive = not events & (select.POLLHUP | select.POLLERR)
            if alive and events & select.POLLIN:
                alive = drain(connection)
            if alive and events & select.POLLOUT:
                alive = flood(connection)
            if not alive:
                poller.unregister(connection)
                del open_connections[fd]
                connection.close()
    for connection in open_connections.values():
        connection.close()
    if not announced:
        print("ready", flush=True)


def drain(connection):
    try:
        for _ in range(64):
            if len(connection.recv(REPLY_SIZE + 1)) == 0:
                return False
    except BlockingIOError:
        return True
    except OSError:
        return False
    return True


def flood(connection):
    try:
        for _ in range(64):
            connection.send(QUERY)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return True


def bind(path, port):
    client = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    client.settimeout(3)
    client.connect(path)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        try:
            socket.send_fds(client, [request(OP_BIND, port)], [tcp.fileno()])
        except BrokenPipeError:
            pass  # a broker at its cap replies and closes before reading: its reply is still there
        reply = client.recv(REPLY_SIZE + 1)
    except TimeoutError:
        print("timeout: no reply in 3 s", flush=True)
        return
    if len(reply) == 0:
        print("closed", flush=True)
        return
    status = struct.unpack_from("<i", reply, 8)[0]
    reason = reply[REASON_OFFSET:].split(b"\0", 1)[0].decode("utf-8", "replace")
    print(f"{status} {reason}", flush=True)


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if mode == "bind":
        bind(path, int(sys.argv[3]))
    elif mode == "hold":
        hold(path, int(sys.argv[3]), float(sys.argv[4]))
    else:
        attack(path, mode, int(sys.argv[3]), float(sys.argv[4]))


if __name__ == "__main__":
    main()
