# Plays root's interactive shell on a pseudo-terminal and runs one command as its foreground job, the way bash
# does: a session that owns the pty, the job in a process group of its own made the terminal's foreground group.
# Then acts once the job prints READY (types a line, presses Ctrl-C, or sends SIGTERM to the job) and reports, as
# JSON: the job's exit status as a shell shows it, what reached the terminal, what reached a plain pipe (mode
# "redirected": the job's stdin is /dev/null and its output a pipe), and what is left in the terminal's input
# queue for the shell to read next.
#
#   python3 root_shell.py MODE ACTION COMMAND...     MODE: tty | redirected   ACTION: type | interrupt | terminate
import json, os, select, signal, sys, termios, time, fcntl

mode, action, command = sys.argv[1], sys.argv[2], sys.argv[3:]
TYPED = b'typed-by-root\n'

master, slave = os.openpty()
attributes = termios.tcgetattr(slave)
attributes[3] &= ~(termios.ICANON | termios.ECHO)   # keep ISIG: Ctrl-C must still raise SIGINT
termios.tcsetattr(slave, termios.TCSANOW, attributes)
output_read, output_write = os.pipe()
status_read, status_write = os.pipe()
release_read, release_write = os.pipe()

shell = os.fork()
if shell == 0:
    os.close(master); os.close(output_read); os.close(status_read); os.close(release_write)
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    job = os.fork()
    if job == 0:
        os.setpgid(0, 0)
        # An interactive shell starts its jobs with the keyboard signals at their defaults; this runner may have
        # inherited them ignored from whatever started the test run, and an ignored SIGINT survives every exec.
        for number in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        os.tcsetpgrp(slave, os.getpid())
        signal.signal(signal.SIGTTOU, signal.SIG_DFL)
        if mode == 'tty':
            for fd in (0, 1, 2):
                os.dup2(slave, fd)
        else:
            os.dup2(os.open('/dev/null', os.O_RDONLY), 0)
            os.dup2(output_write, 1)
            os.dup2(output_write, 2)
        for fd in (slave, output_write, status_write, release_read):
            os.close(fd)
        os.execv(command[0], command)
    os.close(output_write)
    try:
        os.setpgid(job, job)
    except OSError:
        pass
    os.write(status_write, b'%d\n' % job)
    _, status = os.waitpid(job, 0)
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
    os.write(status_write, b'%d\n' % code)
    os.read(release_read, 1)   # stay the session leader until the queue was read: leaving hangs the terminal up
    os._exit(0)

os.close(output_write); os.close(status_write); os.close(release_read)
terminal, piped, status_text = b'', b'', b''
job, status, acted = None, None, False
started = time.monotonic()
deadline = started + 40
open_fds = [master, output_read, status_read]
while time.monotonic() < deadline and status is None:
    ready, _, _ = select.select(open_fds, [], [], 0.2)
    for fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        if fd == master:
            terminal += data
            continue
        if not data:
            open_fds.remove(fd)
            continue
        if fd == output_read:
            piped += data
        else:
            status_text += data
            lines = status_text.split(b'\n')
            if len(lines) > 1 and job is None:
                job = int(lines[0])
            if len(lines) > 2:
                status = int(lines[1])
    if not acted and b'READY' in terminal + piped:
        acted = True
        if action == 'type':
            os.write(master, TYPED)
        elif action == 'interrupt':
            os.write(master, b'\x03')
        elif action == 'terminate':
            os.kill(job, signal.SIGTERM)
elapsed = time.monotonic() - started

for _ in range(10):   # output the job wrote just before it ended
    ready, _, _ = select.select([master], [], [], 0.1)
    if not ready:
        break
    terminal += os.read(master, 65536)

queue = b''
while select.select([slave], [], [], 0)[0]:
    queue += os.read(slave, 65536)
os.close(release_write)
os.waitpid(shell, 0)
print(json.dumps({'status': status, 'terminal': terminal.decode('latin-1'), 'pipe': piped.decode('latin-1'),
                  'queue': queue.decode('latin-1'), 'seconds': round(elapsed, 2)}))
