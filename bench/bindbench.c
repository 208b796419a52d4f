/* bindbench: the latency of one privileged-port grant, measured from the client's side.
 *
 *   bindbench direct [COMMON]                  socket + SO_REUSEADDR + bind + close, no broker
 *                                              (run as root: the anchor)
 *   bindbench plain [COMMON]                   the same calls as a non-root caller, for an
 *                                              LD_PRELOAD that interposes bind() (authbind)
 *   bindbench client --socket PATH --op bind|open [COMMON]
 *                                              one broker connection per grant, as the shim does
 *   bindbench expect-eacces [--port-base P]    as non-root, a plain bind of port P must fail with
 *                                              EACCES: proves the ports are really privileged
 * COMMON: --clients N (forked processes, 1..64)  --binds TOTAL (split over the clients)
 *         --max-seconds S  --warmup W (per client, not recorded)  --port-base P  --raw FILE
 *
 * Client i binds 127.0.0.1:(P + i), so concurrent clients never contend for a port. Clients are
 * processes, not threads: no shared locks in libc, and authbind's LD_PRELOAD is not thread-safe.
 * All clients warm up, then start together; each records the latency of every grant
 * (CLOCK_MONOTONIC) until it has done its share or the wall-time bound passes.
 * Prints one line of key=value results (median and p99 over all clients) on stdout. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "privport_protocol.h"

#define MAX_CLIENTS 64

enum mode { MODE_DIRECT, MODE_PLAIN, MODE_CLIENT, MODE_EXPECT_EACCES };

struct options {
    enum mode mode;
    const char *socket_path;
    uint16_t op;
    int clients;
    long binds;
    double max_seconds;
    long warmup;
    int port_base;
    const char *raw_path;
};

/* One mapping shared by the parent and its forked clients. */
struct shared {
    _Atomic uint64_t deadline_ns;
    _Atomic int abort_run;
    _Atomic long counts[MAX_CLIENTS];
    uint64_t latencies_ns[]; /* clients * per_client, client-major */
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        perror("bindbench: clock_gettime");
        _exit(2);
    }
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct sockaddr_in loopback(int port)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sin;
}

static int fail(int client, const char *what)
{
    fprintf(stderr, "bindbench: client %d: %s: %s\n", client, what, strerror(errno));
    return -1;
}

static int tcp_socket(int client)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        return fail(client, "socket(AF_INET)");
    }
    int one = 1;
    if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
        fail(client, "setsockopt(SO_REUSEADDR)");
        close(s);
        return -1;
    }
    return s;
}

static int check_bound(int client, int fd, int port)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    if (getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
        return fail(client, "getsockname");
    }
    if (sin.sin_family != AF_INET || ntohs(sin.sin_port) != port
        || sin.sin_addr.s_addr != htonl(INADDR_LOOPBACK)) {
        fprintf(stderr, "bindbench: client %d: socket is not bound to 127.0.0.1:%d\n", client, port);
        return -1;
    }
    return 0;
}

/* socket + SO_REUSEADDR + bind + close: the direct anchor, and authbind's path when the bind()
 * called here is libauthbind's. */
static int grant_plain(int client, int port, bool verify)
{
    int s = tcp_socket(client);
    if (s < 0) {
        return -1;
    }
    struct sockaddr_in sin = loopback(port);
    int rc = 0;
    if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
        rc = fail(client, "bind");
    } else if (verify) {
        rc = check_bound(client, s, port);
    }
    if (close(s) != 0 && rc == 0) {
        rc = fail(client, "close");
    }
    return rc;
}

static int broker_connect(int client, const char *path)
{
    int c = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (c < 0) {
        return fail(client, "socket(AF_UNIX, SOCK_SEQPACKET)");
    }
    struct sockaddr_un sun;
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, path, strlen(path) + 1); /* length checked in parse_options */
    if (connect(c, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
        fail(client, "connect to the broker");
        close(c);
        return -1;
    }
    return c;
}

static int send_request(int client, int c, uint16_t op, int port, int fd)
{
    struct privport_request req;
    memset(&req, 0, sizeof(req));
    req.magic = PRIVPORT_REQUEST_MAGIC;
    req.version = PRIVPORT_VERSION;
    req.op = op;
    req.protocol = IPPROTO_TCP;
    req.family = AF_INET;
    req.port = (uint16_t)port;
    /* BIND keeps the options the client set on its own socket; OPEN asks the broker for them. */
    req.flags = op == PRIVPORT_OP_OPEN ? PRIVPORT_FLAG_REUSEADDR : 0;
    const uint8_t addr[4] = { 127, 0, 0, 1 };
    memcpy(req.address, addr, sizeof(addr));

    struct iovec iov = { .iov_base = &req, .iov_len = sizeof(req) };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof(control));
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (fd >= 0) {
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof(control.buf);
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    }
    ssize_t n = sendmsg(c, &msg, MSG_NOSIGNAL);
    if (n < 0) {
        return fail(client, "sendmsg(request)");
    }
    if ((size_t)n != sizeof(req)) {
        fprintf(stderr, "bindbench: client %d: request sent short: %zd bytes\n", client, n);
        return -1;
    }
    return 0;
}

/* Returns the fd received with the reply (or -1 when none came) through *received. */
static int recv_reply(int client, int c, uint16_t op, int port, int *received)
{
    struct privport_reply reply;
    struct iovec iov = { .iov_base = &reply, .iov_len = sizeof(reply) };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buf,
        .msg_controllen = sizeof(control.buf),
    };
    *received = -1;
    ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) {
        return fail(client, "recvmsg(reply)");
    }
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
        if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS
            && cmsg->cmsg_len == CMSG_LEN(sizeof(int))) {
            memcpy(received, CMSG_DATA(cmsg), sizeof(int));
        }
    }
    if ((size_t)n != sizeof(reply) || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
        fprintf(stderr, "bindbench: client %d: reply is %zd bytes (flags %#x), want %zu\n", client, n,
                (unsigned)msg.msg_flags, sizeof(reply));
        return -1;
    }
    if (reply.magic != PRIVPORT_REPLY_MAGIC || reply.version != PRIVPORT_VERSION || reply.op != op) {
        fprintf(stderr, "bindbench: client %d: reply has magic %#x version %u op %u\n", client,
                (unsigned)reply.magic, (unsigned)reply.version, (unsigned)reply.op);
        return -1;
    }
    reply.reason[PRIVPORT_REASON_SIZE - 1] = '\0';
    if (reply.status != 0) {
        fprintf(stderr, "bindbench: client %d: broker refused 127.0.0.1:%d: %s (%s)\n", client, port,
                strerror(reply.status), reply.reason);
        return -1;
    }
    if (reply.port != port || (op == PRIVPORT_OP_OPEN && *received < 0)) {
        fprintf(stderr, "bindbench: client %d: reply for port %u %s a socket\n", client,
                (unsigned)reply.port, *received < 0 ? "without" : "with");
        return -1;
    }
    return 0;
}

/* What the LD_PRELOAD shim does for one grant: a new broker connection, one request, one reply. */
static int grant_broker(int client, const char *path, uint16_t op, int port, bool verify)
{
    int s = -1;
    if (op == PRIVPORT_OP_BIND) {
        s = tcp_socket(client);
        if (s < 0) {
            return -1;
        }
    }
    int received = -1;
    int rc = -1;
    int c = broker_connect(client, path);
    if (c >= 0 && send_request(client, c, op, port, s) == 0
        && recv_reply(client, c, op, port, &received) == 0) {
        rc = 0;
        if (verify) {
            rc = check_bound(client, op == PRIVPORT_OP_BIND ? s : received, port);
        }
    }
    if (c >= 0 && close(c) != 0 && rc == 0) {
        rc = fail(client, "close(broker connection)");
    }
    if (received >= 0 && close(received) != 0 && rc == 0) {
        rc = fail(client, "close(received socket)");
    }
    if (s >= 0 && close(s) != 0 && rc == 0) {
        rc = fail(client, "close(socket)");
    }
    return rc;
}

static int grant(const struct options *o, int client, bool verify)
{
    int port = o->port_base + client;
    if (o->mode == MODE_CLIENT) {
        return grant_broker(client, o->socket_path, o->op, port, verify);
    }
    return grant_plain(client, port, verify);
}

static void run_client(const struct options *o, struct shared *sh, long per_client, int client,
                       int ready_fd, int go_fd)
{
    bool ok = true;
    for (long i = 0; i < o->warmup && ok; i++) {
        ok = grant(o, client, i == 0) == 0;
    }
    char state = ok ? 'R' : 'F';
    if (write(ready_fd, &state, 1) != 1) {
        perror("bindbench: write(ready)");
        _exit(2);
    }
    char b;
    ssize_t n;
    while ((n = read(go_fd, &b, 1)) < 0 && errno == EINTR) {
    }
    if (n != 0) {
        fprintf(stderr, "bindbench: client %d: start signal: %s\n", client, n < 0 ? strerror(errno) : "stray byte");
        _exit(2);
    }
    if (!ok || atomic_load(&sh->abort_run)) {
        _exit(1);
    }
    uint64_t deadline = atomic_load(&sh->deadline_ns);
    uint64_t *mine = sh->latencies_ns + (size_t)client * (size_t)per_client;
    long done = 0;
    while (done < per_client) {
        uint64_t t0 = now_ns();
        if (grant(o, client, false) != 0) {
            atomic_store(&sh->counts[client], done);
            _exit(1);
        }
        uint64_t t1 = now_ns();
        mine[done++] = t1 - t0;
        if (t1 >= deadline) {
            break;
        }
    }
    atomic_store(&sh->counts[client], done);
    _exit(0);
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static uint64_t percentile(const uint64_t *sorted, size_t n, double p)
{
    size_t rank = (size_t)(p * (double)n + 0.999999);
    if (rank < 1) {
        rank = 1;
    }
    return sorted[rank - 1];
}

static int write_raw(const char *path, const struct shared *sh, int clients, long per_client)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "bindbench: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "# client latency_ns\n");
    for (int c = 0; c < clients; c++) {
        long count = atomic_load(&sh->counts[c]);
        for (long i = 0; i < count; i++) {
            fprintf(f, "%d %llu\n", c, (unsigned long long)sh->latencies_ns[(size_t)c * (size_t)per_client + (size_t)i]);
        }
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "bindbench: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int run(const struct options *o)
{
    long per_client = (o->binds + o->clients - 1) / o->clients;
    size_t samples = (size_t)per_client * (size_t)o->clients;
    size_t size = sizeof(struct shared) + samples * sizeof(uint64_t);
    struct shared *sh = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        perror("bindbench: mmap");
        return 2;
    }
    int ready[2];
    int go[2];
    if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(go, O_CLOEXEC) != 0) {
        perror("bindbench: pipe2");
        return 2;
    }
    pid_t pids[MAX_CLIENTS];
    for (int c = 0; c < o->clients; c++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("bindbench: fork");
            return 2;
        }
        if (pid == 0) {
            close(ready[0]);
            close(go[1]);
            run_client(o, sh, per_client, c, ready[1], go[0]);
        }
        pids[c] = pid;
    }
    close(ready[1]);
    close(go[0]);

    int failed = 0;
    for (int c = 0; c < o->clients; c++) {
        char state;
        ssize_t n;
        while ((n = read(ready[0], &state, 1)) < 0 && errno == EINTR) {
        }
        if (n != 1 || state != 'R') {
            failed = 1;
        }
    }
    if (failed) {
        atomic_store(&sh->abort_run, 1);
    }
    uint64_t start = now_ns();
    atomic_store(&sh->deadline_ns, start + (uint64_t)(o->max_seconds * 1e9));
    close(go[1]);
    for (int c = 0; c < o->clients; c++) {
        int status;
        while (waitpid(pids[c], &status, 0) < 0) {
            if (errno != EINTR) {
                perror("bindbench: waitpid");
                return 2;
            }
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            failed = 1;
        }
    }
    uint64_t wall = now_ns() - start;
    if (failed) {
        fprintf(stderr, "bindbench: a client failed; no result\n");
        return 1;
    }

    if (o->raw_path != NULL && write_raw(o->raw_path, sh, o->clients, per_client) != 0) {
        return 2;
    }
    /* Compact every client's samples to the front, in place, to sort them together. */
    size_t n = 0;
    bool cut_short = false;
    uint64_t *all = sh->latencies_ns;
    for (int c = 0; c < o->clients; c++) {
        long count = atomic_load(&sh->counts[c]);
        cut_short |= count < per_client;
        memmove(all + n, all + (size_t)c * (size_t)per_client, (size_t)count * sizeof(uint64_t));
        n += (size_t)count;
    }
    if (n == 0) {
        fprintf(stderr, "bindbench: no samples\n");
        return 1;
    }
    qsort(all, n, sizeof(uint64_t), compare_u64);
    printf("clients=%d binds=%zu median_us=%.1f p99_us=%.1f max_us=%.1f wall_s=%.3f cut_short=%d\n",
           o->clients, n, (double)percentile(all, n, 0.50) / 1e3, (double)percentile(all, n, 0.99) / 1e3,
           (double)all[n - 1] / 1e3, (double)wall / 1e9, cut_short ? 1 : 0);
    return 0;
}

static int expect_eacces(const struct options *o)
{
    if (geteuid() == 0) {
        fprintf(stderr, "bindbench: expect-eacces must run as a non-root user\n");
        return 1;
    }
    int s = tcp_socket(0);
    if (s < 0) {
        return 2;
    }
    struct sockaddr_in sin = loopback(o->port_base);
    int rc = bind(s, (struct sockaddr *)&sin, sizeof(sin));
    int err = errno;
    close(s);
    if (rc == 0 || err != EACCES) {
        fprintf(stderr, "bindbench: uid %u bound 127.0.0.1:%d %s; want EACCES (is the port privileged?)\n",
                (unsigned)geteuid(), o->port_base, rc == 0 ? "successfully" : strerror(err));
        return 1;
    }
    printf("uid %u: bind 127.0.0.1:%d fails with EACCES, as it should\n", (unsigned)geteuid(), o->port_base);
    return 0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: bindbench direct|plain|expect-eacces [options]\n"
            "       bindbench client --socket PATH --op bind|open [options]\n"
            "options: --clients N (1-64, default 1) --binds TOTAL (default 2000)\n"
            "         --max-seconds S (default 20) --warmup W (per client, default 20)\n"
            "         --port-base P (default 200) --raw FILE\n");
    exit(2);
}

static long number(const char *text, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || end == text || v < min || v > max) {
        fprintf(stderr, "bindbench: %s: want a number from %ld to %ld\n", text, min, max);
        exit(2);
    }
    return v;
}

static struct options parse_options(int argc, char **argv)
{
    struct options o = {
        .clients = 1, .binds = 2000, .max_seconds = 20, .warmup = 20, .port_base = 200,
    };
    if (argc < 2) {
        usage();
    }
    if (strcmp(argv[1], "direct") == 0) {
        o.mode = MODE_DIRECT;
    } else if (strcmp(argv[1], "plain") == 0) {
        o.mode = MODE_PLAIN;
    } else if (strcmp(argv[1], "client") == 0) {
        o.mode = MODE_CLIENT;
    } else if (strcmp(argv[1], "expect-eacces") == 0) {
        o.mode = MODE_EXPECT_EACCES;
    } else {
        usage();
    }
    for (int i = 2; i < argc; i++) {
        const char *name = argv[i];
        if (i + 1 >= argc) {
            usage();
        }
        const char *value = argv[++i];
        if (strcmp(name, "--socket") == 0) {
            if (strlen(value) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
                fprintf(stderr, "bindbench: socket path too long: %s\n", value);
                exit(2);
            }
            o.socket_path = value;
        } else if (strcmp(name, "--op") == 0) {
            if (strcmp(value, "bind") == 0) {
                o.op = PRIVPORT_OP_BIND;
            } else if (strcmp(value, "open") == 0) {
                o.op = PRIVPORT_OP_OPEN;
            } else {
                usage();
            }
        } else if (strcmp(name, "--clients") == 0) {
            o.clients = (int)number(value, 1, MAX_CLIENTS);
        } else if (strcmp(name, "--binds") == 0) {
            o.binds = number(value, 1, 10000000);
        } else if (strcmp(name, "--max-seconds") == 0) {
            o.max_seconds = (double)number(value, 1, 3600);
        } else if (strcmp(name, "--warmup") == 0) {
            o.warmup = number(value, 0, 1000000);
        } else if (strcmp(name, "--port-base") == 0) {
            o.port_base = (int)number(value, 1, 65535 - MAX_CLIENTS);
        } else if (strcmp(name, "--raw") == 0) {
            o.raw_path = value;
        } else {
            usage();
        }
    }
    if (o.mode == MODE_CLIENT && (o.socket_path == NULL || o.op == 0)) {
        usage();
    }
    return o;
}

int main(int argc, char **argv)
{
    struct options o = parse_options(argc, argv);
    if (o.mode == MODE_EXPECT_EACCES) {
        return expect_eacces(&o);
    }
    if (o.mode == MODE_PLAIN && geteuid() == 0) {
        /* authbind passes root's binds straight to the kernel: nothing would be measured. */
        fprintf(stderr, "bindbench: plain must run as a non-root user\n");
        return 2;
    }
    return run(&o);
}
