/* libprivport.so: lets an unmodified program bind privileged ports through the privport broker.
 *
 * Loaded with LD_PRELOAD by `privport wrap`. It interposes bind(2) only. A bind of an AF_INET or AF_INET6
 * socket to a port below net.ipv4.ip_unprivileged_port_start first goes to the real bind(): a process
 * that may bind already is never slowed or refused. Only when that fails with EACCES is the socket itself
 * sent to the broker (op BIND, SCM_RIGHTS), so every option the program set on it survives; the program
 * then sees the broker's result with its real errno. Every other bind goes straight to libc.
 *
 * No allocation, no locks, no stdio on the bind path, errno preserved; the broker connection is opened per bind,
 * CLOEXEC, and always closed, so the program never sees an extra descriptor. Talking to the broker never waits
 * longer than PRIVPORT_TIMEOUT_MS (default 5000) in all: a busy or stuck broker fails the bind with ETIMEDOUT
 * rather than hang the program.
 *
 * Everything read from the environment or /proc is read once, by the constructor, when the library loads (before
 * main, so before the program can install a signal handler). After that a bind, in a signal handler too, makes only
 * calls POSIX lists as async-signal-safe (socket, connect, sendmsg, recvmsg, setsockopt, getsockopt, fstat, write,
 * close, clock_gettime, strlen, memcpy) and formats addresses itself. A bind made by another library's constructor that runs before
 * ours initialises on the spot, through pthread_once. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "privport_protocol.h"

typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

static bind_fn real_bind;
static int unprivileged_start = 1024;
/* How long one bind() may wait for the broker, connect to reply: PRIVPORT_TIMEOUT_MS, default 5000. */
static long timeout_ms = 5000;
static struct sockaddr_un broker_address;
static socklen_t broker_address_length;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int initialised;
/* JOURNAL_STREAM="DEV:INODE" (systemd.exec(5)), parsed at load; has_journal_stream is 0 without one. */
static int has_journal_stream;
static unsigned long long journal_device;
static unsigned long long journal_inode;

static void read_unprivileged_start(void)
{
    int fd = open("/proc/sys/net/ipv4/ip_unprivileged_port_start", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return;
    }
    char text[16];
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) {
        return;
    }
    text[n] = '\0';
    int value = 0;
    for (ssize_t i = 0; i < n && text[i] >= '0' && text[i] <= '9'; i++) {
        value = value * 10 + (text[i] - '0');
    }
    unprivileged_start = value;
}

static void read_timeout(void)
{
    const char *text = getenv("PRIVPORT_TIMEOUT_MS");
    if (text == NULL || text[0] == '\0') {
        return;
    }
    long value = 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || value > 3600000) {
            return; /* not a number of milliseconds up to an hour: keep the default */
        }
        value = value * 10 + (*p - '0');
    }
    if (value > 0 && value <= 3600000) {
        timeout_ms = value;
    }
}

/* Under systemd a service's stderr is a stream socket to the journal, named by JOURNAL_STREAM="DEV:INODE"
 * (systemd.exec(5)); a socket on descriptor 2 that is not that one may be a daemon's reused descriptor. */
static void read_journal_stream(void)
{
    const char *stream = getenv("JOURNAL_STREAM");
    if (stream == NULL || *stream < '0' || *stream > '9') {
        return;
    }
    char *end;
    unsigned long long device = strtoull(stream, &end, 10);
    if (*end != ':' || end[1] < '0' || end[1] > '9') {
        return;
    }
    unsigned long long inode = strtoull(end + 1, &end, 10);
    if (*end == '\0') {
        journal_device = device;
        journal_inode = inode;
        has_journal_stream = 1;
    }
}

static void initialise(void)
{
    real_bind = (bind_fn)dlsym(RTLD_NEXT, "bind");
    read_unprivileged_start();
    read_timeout();
    read_journal_stream();
    const char *path = getenv("PRIVPORT_SOCKET");
    if (path == NULL || path[0] == '\0') {
        path = PRIVPORT_DEFAULT_SOCKET;
    }
    size_t length = strlen(path);
    if (length < sizeof broker_address.sun_path) {
        broker_address.sun_family = AF_UNIX;
        memcpy(broker_address.sun_path, path, length + 1);
        broker_address_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length + 1);
    }
    atomic_store_explicit(&initialised, 1, memory_order_release);
}

__attribute__((constructor)) static void initialise_at_load(void)
{
    pthread_once(&once, initialise);
}

/* Children do not inherit the shim unless `privport wrap --deep` asked for it (PRIVPORT_DEEP=1). */
__attribute__((constructor)) static void drop_from_children(void)
{
    const char *deep = getenv("PRIVPORT_DEEP");
    if (deep != NULL && strcmp(deep, "1") == 0) {
        return;
    }
    const char *preload = getenv("LD_PRELOAD");
    if (preload == NULL) {
        return;
    }
    /* At most as long as LD_PRELOAD itself, whatever its length: the user's other preloads must all reach the
     * children. Load time, not the bind path, so allocating is fine. */
    char *kept = malloc(strlen(preload) + 1);
    if (kept == NULL) {
        static const char message[] = "privport: no memory to take libprivport.so out of LD_PRELOAD; children of this program keep it\n";
        ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
        (void)ignored;
        return;
    }
    size_t used = 0;
    const char *cursor = preload;
    while (*cursor != '\0') {
        const char *end = cursor;
        while (*end != '\0' && *end != ':' && *end != ' ') {
            end++;
        }
        size_t length = (size_t)(end - cursor);
        const char *name = cursor;
        for (const char *p = cursor; p < end; p++) {
            if (*p == '/') {
                name = p + 1;
            }
        }
        int is_shim = (size_t)(end - name) == strlen("libprivport.so") && memcmp(name, "libprivport.so", (size_t)(end - name)) == 0;
        if (length > 0 && !is_shim) {
            if (used > 0) {
                kept[used++] = ':';
            }
            memcpy(kept + used, cursor, length);
            used += length;
        }
        cursor = *end == '\0' ? end : end + 1;
    }
    kept[used] = '\0';
    if (used == 0) {
        unsetenv("LD_PRELOAD");
    } else {
        setenv("LD_PRELOAD", kept, 1);
    }
    free(kept);
}

/* String building without stdio: bind() may run in a signal handler, where snprintf and strerror are not safe. */
static void append(char *out, size_t size, size_t *used, const char *text)
{
    while (*text != '\0' && *used + 1 < size) {
        out[(*used)++] = *text++;
    }
    out[*used] = '\0';
}

static void append_number(char *out, size_t size, size_t *used, unsigned long value)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0 && n < (int)sizeof digits);
    char text[24];
    for (int i = 0; i < n; i++) {
        text[i] = digits[n - 1 - i];
    }
    text[n] = '\0';
    append(out, size, used, text);
}

static int is_journal_stream(const struct stat *status)
{
    return has_journal_stream && journal_device == (unsigned long long)status->st_dev &&
           journal_inode == (unsigned long long)status->st_ino;
}

static void say(const char *a, const char *b, const char *c)
{
    int saved = errno;
    /* A daemon may have closed stderr and reused descriptor 2 for a socket: never write into that, unless it is
     * the journal's stream, where the line goes at warning priority (the "<4>" prefix journald reads). */
    struct stat status;
    const char *prefix = "privport: ";
    if (fstat(STDERR_FILENO, &status) != 0) {
        errno = saved;
        return;
    }
    if (S_ISSOCK(status.st_mode)) {
        if (!is_journal_stream(&status)) {
            errno = saved;
            return;
        }
        prefix = "<4>privport: ";
    }
    /* One write of one line, so concurrent threads do not interleave; failures are ignored on purpose. */
    char line[512];
    size_t used = 0;
    const char *parts[] = {prefix, a, b, c, "\n"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        size_t length = strlen(parts[i]);
        if (used + length >= sizeof line) {
            length = sizeof line - used - 1;
        }
        memcpy(line + used, parts[i], length);
        used += length;
    }
    ssize_t ignored = write(STDERR_FILENO, line, used);
    (void)ignored;
    errno = saved;
}

static void append_hex(char *out, size_t size, size_t *used, unsigned value)
{
    static const char digits[] = "0123456789abcdef";
    char text[5];
    int n = 0;
    for (int shift = 12; shift >= 0; shift -= 4) {
        unsigned digit = (value >> shift) & 0xf;
        if (digit != 0 || n > 0 || shift == 0) {
            text[n++] = digits[digit];
        }
    }
    text[n] = '\0';
    append(out, size, used, text);
}

/* RFC 5952 text (the longest run of two or more zero groups as "::"), written here because inet_ntop is not
 * async-signal-safe. */
static void append_ipv6(char *out, size_t size, size_t *used, const unsigned char bytes[16])
{
    unsigned groups[8];
    for (int i = 0; i < 8; i++) {
        groups[i] = (unsigned)bytes[2 * i] << 8 | bytes[2 * i + 1];
    }
    int best = -1, best_length = 1;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && groups[j] == 0) {
            j++;
        }
        if (j - i > best_length) {
            best = i;
            best_length = j - i;
        }
        i = j > i ? j : i + 1;
    }
    if (best < 0) {
        best_length = 0;
    }
    if (best == 0 && (best_length == 6 || (best_length == 5 && groups[5] == 0xffff))) {
        /* IPv4-compatible or IPv4-mapped: the last 32 bits in dotted form, as inet_ntop writes them. */
        append(out, size, used, best_length == 5 ? "::ffff:" : "::");
        for (int i = 12; i < 16; i++) {
            append_number(out, size, used, bytes[i]);
            if (i < 15) {
                append(out, size, used, ".");
            }
        }
        return;
    }
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            append(out, size, used, "::");
            i += best_length - 1;
            continue;
        }
        if (i > 0 && i != best + best_length) {
            append(out, size, used, ":");
        }
        append_hex(out, size, used, groups[i]);
    }
}

static void format_endpoint(char *out, size_t size, int protocol, const struct sockaddr *address)
{
    unsigned port;
    size_t used = 0;
    out[0] = '\0';
    append(out, size, &used, protocol == IPPROTO_UDP ? "udp/" : "tcp/");
    if (address->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)address;
        append(out, size, &used, "[");
        append_ipv6(out, size, &used, v6->sin6_addr.s6_addr);
        append(out, size, &used, "]");
        port = ntohs(v6->sin6_port);
    } else {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)address;
        const unsigned char *bytes = (const unsigned char *)&v4->sin_addr.s_addr;
        for (int i = 0; i < 4; i++) {
            append_number(out, size, &used, bytes[i]);
            if (i < 3) {
                append(out, size, &used, ".");
            }
        }
        port = ntohs(v4->sin_port);
    }
    append(out, size, &used, ":");
    append_number(out, size, &used, port);
}

/* "what (errno N)": the number, since strerror is not async-signal-safe. */
static void explain(char *reason, size_t size, const char *what, int error)
{
    size_t used = 0;
    reason[0] = '\0';
    append(reason, size, &used, what);
    append(reason, size, &used, " (errno ");
    append_number(reason, size, &used, (unsigned long)error);
    append(reason, size, &used, ")");
}

/* Sets SO_SNDTIMEO or SO_RCVTIMEO to what is left until deadline, so connect, send and receive together never wait
 * longer than the timeout. A connect to a broker whose backlog is full waits on SO_SNDTIMEO too. Returns -1 once the
 * deadline has passed. */
static int wait_at_most_until(int fd, int option, const struct timespec *deadline)
{
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0) {
        return -1;
    }
    long long left_us = (long long)(deadline->tv_sec - now.tv_sec) * 1000000 + (deadline->tv_nsec - now.tv_nsec) / 1000;
    if (left_us <= 0) {
        return -1;
    }
    struct timeval left = {.tv_sec = (time_t)(left_us / 1000000), .tv_usec = (suseconds_t)(left_us % 1000000)};
    return setsockopt(fd, SOL_SOCKET, option, &left, sizeof left);
}

/* The refusal for a broker that did not answer in time: says where, how long, and how to change it. */
static int timed_out(char *reason, size_t size, const char *step)
{
    size_t used = 0;
    reason[0] = '\0';
    append(reason, size, &used, "the broker at ");
    append(reason, size, &used, broker_address.sun_path);
    append(reason, size, &used, " did not ");
    append(reason, size, &used, step);
    append(reason, size, &used, " within ");
    append_number(reason, size, &used, (unsigned long)timeout_ms);
    append(reason, size, &used, " ms (PRIVPORT_TIMEOUT_MS); it may be overloaded or stopped: retry, or check 'privport status'");
    return ETIMEDOUT;
}

/* Sends fd to the broker for BIND; returns 0 or the errno to report, and fills reason on refusal. */
static int ask_broker(int fd, const struct sockaddr *address, int protocol, char *reason, size_t reason_size)
{
    if (broker_address_length == 0) {
        explain(reason, reason_size, "PRIVPORT_SOCKET is too long for a socket path", ENAMETOOLONG);
        return EACCES;
    }
    struct privport_request request;
    memset(&request, 0, sizeof request);
    request.magic = PRIVPORT_REQUEST_MAGIC;
    request.version = PRIVPORT_VERSION;
    request.op = PRIVPORT_OP_BIND;
    request.protocol = (uint8_t)protocol;
    if (address->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)address;
        request.family = AF_INET6;
        request.port = ntohs(v6->sin6_port);
        memcpy(request.address, &v6->sin6_addr, 16);
        request.scope_id = v6->sin6_scope_id;
    } else {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)address;
        request.family = AF_INET;
        request.port = ntohs(v4->sin_port);
        memcpy(request.address, &v4->sin_addr, 4);
    }

    int broker = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (broker < 0) {
        explain(reason, reason_size, "cannot create a socket to reach the broker", errno);
        return EACCES;
    }
    int result = EACCES;
    struct timespec deadline;
    if (clock_gettime(CLOCK_MONOTONIC, &deadline) != 0) {
        explain(reason, reason_size, "cannot read the clock", errno);
        goto done;
    }
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (timeout_ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }

    int connected;
    do {
        if (wait_at_most_until(broker, SO_SNDTIMEO, &deadline) != 0) {
            result = timed_out(reason, reason_size, "accept the connection");
            goto done;
        }
        connected = connect(broker, (const struct sockaddr *)&broker_address, broker_address_length);
    } while (connected != 0 && errno == EINTR);
    if (connected != 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        result = timed_out(reason, reason_size, "accept the connection");
        goto done;
    }
    if (connected != 0) {
        int error = errno;
        size_t used = 0;
        reason[0] = '\0';
        append(reason, reason_size, &used, "no broker at ");
        append(reason, reason_size, &used, broker_address.sun_path);
        append(reason, reason_size, &used, "; start it with 'privport serve'");
        explain(reason + used, reason_size - used, "", error);
        goto done;
    }

    union {
        char buffer[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {.iov_base = &request, .iov_len = sizeof request};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buffer, .msg_controllen = sizeof control.buffer};
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &fd, sizeof fd);
    ssize_t sent;
    do {
        if (wait_at_most_until(broker, SO_SNDTIMEO, &deadline) != 0) {
            result = timed_out(reason, reason_size, "take the request");
            goto done;
        }
        sent = sendmsg(broker, &message, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        result = timed_out(reason, reason_size, "take the request");
        goto done;
    }
    if (sent != (ssize_t)sizeof request) {
        explain(reason, reason_size, "cannot send to the broker", errno);
        goto done;
    }

    struct privport_reply reply;
    ssize_t received;
    do {
        if (wait_at_most_until(broker, SO_RCVTIMEO, &deadline) != 0) {
            result = timed_out(reason, reason_size, "answer");
            goto done;
        }
        received = recv(broker, &reply, sizeof reply, 0);
    } while (received < 0 && errno == EINTR);
    if (received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        result = timed_out(reason, reason_size, "answer");
        goto done;
    }
    if (received != (ssize_t)sizeof reply || reply.magic != PRIVPORT_REPLY_MAGIC || reply.version != PRIVPORT_VERSION) {
        explain(reason, reason_size, "no valid reply from the broker", EPROTO);
        goto done;
    }
    reply.reason[PRIVPORT_REASON_SIZE - 1] = '\0';
    result = reply.status;
    if (reply.status != 0) {
        size_t used = 0;
        reason[0] = '\0';
        append(reason, reason_size, &used, reply.reason);
    }

done:
    close(broker);
    return result;
}

int bind(int fd, const struct sockaddr *address, socklen_t length)
{
    if (!atomic_load_explicit(&initialised, memory_order_acquire)) {
        pthread_once(&once, initialise);
    }
    if (real_bind == NULL) {
        errno = ENOSYS;
        return -1;
    }
    if (address == NULL || !((address->sa_family == AF_INET && length >= sizeof(struct sockaddr_in)) ||
                             (address->sa_family == AF_INET6 && length >= sizeof(struct sockaddr_in6)))) {
        return real_bind(fd, address, length);
    }
    in_port_t port = address->sa_family == AF_INET ? ntohs(((const struct sockaddr_in *)address)->sin_port)
                                                   : ntohs(((const struct sockaddr_in6 *)address)->sin6_port);
    if (port == 0 || port >= unprivileged_start) {
        return real_bind(fd, address, length);
    }

    int result = real_bind(fd, address, length);
    if (result == 0 || errno != EACCES) {
        return result;
    }

    int saved = errno;
    int protocol = 0;
    socklen_t size = sizeof protocol;
    if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &size) != 0 ||
        (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP)) {
        errno = saved;
        return -1;
    }

    char reason[PRIVPORT_REASON_SIZE + 128];
    reason[0] = '\0';
    int status = ask_broker(fd, address, protocol, reason, sizeof reason);
    if (status == 0) {
        errno = saved;
        return 0;
    }
    char endpoint[80];
    format_endpoint(endpoint, sizeof endpoint, protocol, address);
    say(endpoint, status == EACCES ? " denied: " : " failed: ", reason);
    errno = status;
    return -1;
}
