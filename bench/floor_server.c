/* floor_server: the least work any privport-style broker must do per grant, in C, as the floor
 * the real broker is compared with.
 *
 *   floor_server --socket PATH [--threads N]
 *
 * Per connection: recvmsg the 64-byte request (+ fd), getsockopt(SO_PEERCRED),
 * readlink(/proc/PID/exe), bind the received socket (BIND) or create, configure and bind one
 * (OPEN), send the 256-byte reply (+ fd), close. No policy beyond a well-formed request and no
 * audit log: what remains is the kernel work a broker cannot avoid.
 *
 * Concurrency: N threads (default 4) each block in accept4() on the one listening socket; the
 * kernel hands each connection to one waiting thread, and that thread serves it to the end.
 * Clients send their request right after connecting, so a thread never waits long on one.
 * Runs until SIGTERM or SIGINT. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "privport_protocol.h"

#define MAX_THREADS 64
#define MAX_FDS 4 /* a client may send several; every one is closed */

struct grant {
    int status;
    int bound_fd; /* OPEN: the socket to send back */
    const char *reason;
};

static void report(const char *what)
{
    fprintf(stderr, "floor_server: %s: %s\n", what, strerror(errno));
}

static struct grant deny(int status, const char *reason)
{
    return (struct grant){ .status = status, .bound_fd = -1, .reason = reason };
}

static struct grant bind_inet(int fd, const struct privport_request *req)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(req->port);
    memcpy(&sin.sin_addr, req->address, 4);
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
        return deny(errno, "bind failed");
    }
    return deny(0, "floor");
}

static struct grant open_inet(const struct privport_request *req)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        return deny(errno, "socket failed");
    }
    int one = 1;
    if ((req->flags & PRIVPORT_FLAG_REUSEADDR) != 0
        && setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
        int err = errno;
        close(s);
        return deny(err, "setsockopt(SO_REUSEADDR) failed");
    }
    struct grant g = bind_inet(s, req);
    if (g.status != 0) {
        close(s);
        return g;
    }
    g.bound_fd = s;
    return g;
}

static struct grant decide(int conn, const struct privport_request *req, ssize_t len, const int *fds, int nfds)
{
    if (len != (ssize_t)sizeof(*req) || req->magic != PRIVPORT_REQUEST_MAGIC || req->version != PRIVPORT_VERSION) {
        return deny(EINVAL, "malformed request");
    }
    if (req->protocol != IPPROTO_TCP || req->family != AF_INET || req->port == 0) {
        return deny(EINVAL, "the floor serves tcp over IPv4 only");
    }
    struct ucred cred;
    socklen_t credlen = sizeof(cred);
    if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &credlen) != 0) {
        return deny(errno, "SO_PEERCRED failed");
    }
    char proc[32];
    char exe[PATH_MAX];
    snprintf(proc, sizeof(proc), "/proc/%d/exe", (int)cred.pid);
    ssize_t n = readlink(proc, exe, sizeof(exe) - 1);
    if (n < 0) {
        return deny(EPERM, "cannot read the peer's executable");
    }
    exe[n] = '\0';
    if (req->op == PRIVPORT_OP_BIND) {
        if (nfds != 1) {
            return deny(EINVAL, "BIND needs exactly one socket");
        }
        return bind_inet(fds[0], req);
    }
    if (req->op == PRIVPORT_OP_OPEN) {
        if (nfds != 0) {
            return deny(EINVAL, "OPEN takes no socket");
        }
        return open_inet(req);
    }
    return deny(EINVAL, "the floor serves BIND and OPEN only");
}

static void serve(int conn)
{
    struct privport_request req;
    memset(&req, 0, sizeof(req));
    struct iovec iov = { .iov_base = &req, .iov_len = sizeof(req) };
    union {
        char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buf,
        .msg_controllen = sizeof(control.buf),
    };
    ssize_t len = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    if (len < 0) {
        report("recvmsg");
        return;
    }
    int fds[MAX_FDS];
    int nfds = 0;
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
        if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
            continue;
        }
        size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count && nfds < MAX_FDS; i++) {
            memcpy(&fds[nfds++], CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
        }
    }
    struct grant g = (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0
        ? deny(EINVAL, "request or its control data truncated")
        : decide(conn, &req, len, fds, nfds);

    struct privport_reply reply;
    memset(&reply, 0, sizeof(reply));
    reply.magic = PRIVPORT_REPLY_MAGIC;
    reply.version = PRIVPORT_VERSION;
    reply.op = req.op;
    reply.status = g.status;
    reply.port = g.status == 0 ? req.port : 0;
    reply.decision = g.status == 0 ? PRIVPORT_DECISION_ALLOW : PRIVPORT_DECISION_NONE;
    snprintf(reply.reason, sizeof(reply.reason), "%s", g.reason);

    struct iovec riov = { .iov_base = &reply, .iov_len = sizeof(reply) };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } rcontrol;
    memset(&rcontrol, 0, sizeof(rcontrol));
    struct msghdr rmsg = { .msg_iov = &riov, .msg_iovlen = 1 };
    if (g.bound_fd >= 0) {
        rmsg.msg_control = rcontrol.buf;
        rmsg.msg_controllen = sizeof(rcontrol.buf);
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&rmsg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &g.bound_fd, sizeof(int));
    }
    if (sendmsg(conn, &rmsg, MSG_NOSIGNAL) < 0) {
        report("sendmsg");
    }
    if (g.bound_fd >= 0 && close(g.bound_fd) != 0) {
        report("close(bound socket)");
    }
    for (int i = 0; i < nfds; i++) {
        if (close(fds[i]) != 0) {
            report("close(received socket)");
        }
    }
}

static void *worker(void *arg)
{
    int listener = *(const int *)arg;
    for (;;) {
        int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0) {
            if (errno != EINTR && errno != ECONNABORTED) {
                report("accept4");
            }
            continue;
        }
        serve(conn);
        if (close(conn) != 0) {
            report("close(connection)");
        }
    }
    return NULL;
}

/* Bound under a temporary name and renamed into place once listening, so a client that sees the
 * path can connect at once. */
static int listen_at(const char *path)
{
    struct sockaddr_un sun;
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    char tmp[sizeof(sun.sun_path)];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        fprintf(stderr, "floor_server: socket path too long: %s\n", path);
        return -1;
    }
    memcpy(sun.sun_path, tmp, strlen(tmp) + 1);
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (s < 0) {
        report("socket(AF_UNIX)");
        return -1;
    }
    if (unlink(tmp) != 0 && errno != ENOENT) {
        report("unlink");
    } else if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
        report("bind");
    } else if (chmod(tmp, 0666) != 0) {
        report("chmod");
    } else if (listen(s, SOMAXCONN) != 0) {
        report("listen");
    } else if (rename(tmp, path) != 0) {
        report("rename");
    } else {
        return s;
    }
    close(s);
    return -1;
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    long threads = 4;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--socket") == 0) {
            path = argv[i + 1];
        } else if (strcmp(argv[i], "--threads") == 0) {
            char *end;
            threads = strtol(argv[i + 1], &end, 10);
            if (*end != '\0') {
                threads = 0;
            }
        } else {
            path = NULL;
            break;
        }
    }
    if (path == NULL || argc % 2 == 0 || threads < 1 || threads > MAX_THREADS) {
        fprintf(stderr, "usage: floor_server --socket PATH [--threads 1-%d]\n", MAX_THREADS);
        return 2;
    }

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    /* Blocked before any thread starts, so only sigwait below sees them. */
    int err = pthread_sigmask(SIG_BLOCK, &stop, NULL);
    if (err != 0) {
        fprintf(stderr, "floor_server: pthread_sigmask: %s\n", strerror(err));
        return 1;
    }
    int listener = listen_at(path);
    if (listener < 0) {
        return 1;
    }
    pthread_t tids[MAX_THREADS];
    for (long i = 0; i < threads; i++) {
        err = pthread_create(&tids[i], NULL, worker, &listener);
        if (err != 0) {
            fprintf(stderr, "floor_server: pthread_create: %s\n", strerror(err));
            return 1;
        }
    }
    int sig;
    err = sigwait(&stop, &sig);
    if (err != 0) {
        fprintf(stderr, "floor_server: sigwait: %s\n", strerror(err));
        return 1;
    }
    if (unlink(path) != 0) {
        report("unlink");
    }
    return 0;
}
