# Run by privport exec as an unprivileged user from root's terminal: tries to read what root types next from
# descriptors 0-2 and to push "id\n" into root's shell with TIOCSTI through 0-2 and /dev/tty, then reports what
# worked as one JSON line and exits with the status given as its first argument. "sleep" instead waits to be
# signalled.
import errno, fcntl, json, os, select, sys, termios, time

def error_name(e):
    return errno.errorcode.get(e.errno, str(e.errno))

print('READY', flush=True)
if sys.argv[1:] == ['sleep']:
    time.sleep(30)
    sys.exit(0)

report = {'pid': os.getpid(), 'listen_pid': os.environ.get('LISTEN_PID'), 'session_leader': os.getsid(0) == os.getpid(),
          'terminals': [fd for fd in (0, 1, 2) if os.isatty(fd)]}
stolen = {}
for fd in (0, 1, 2):
    try:
        readable, _, _ = select.select([fd], [], [], 2.0 if fd == 0 else 0.3)
        stolen[fd] = os.read(fd, 100).decode('latin-1') if readable else ''
    except OSError as e:
        stolen[fd] = error_name(e)

def inject(fd):
    try:
        for c in b'id\n':
            fcntl.ioctl(fd, termios.TIOCSTI, bytes([c]))
        return 'injected'
    except OSError as e:
        return error_name(e)

injected = {fd: inject(fd) for fd in (0, 1, 2)}
try:
    tty = os.open('/dev/tty', os.O_RDWR | os.O_NOCTTY)
    injected['/dev/tty'] = inject(tty)
except OSError as e:
    injected['/dev/tty'] = 'open ' + error_name(e)
report.update(stolen=stolen, injected=injected)
print(json.dumps(report), flush=True)
sys.exit(int(sys.argv[1]) if sys.argv[1:] else 0)
