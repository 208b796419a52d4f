/* Binds (and optionally serves on) one address as whoever runs it; prints "ok" or "errno N". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int bind_once(int family, const char *addr, int port, int type)
{
    int fd = socket(family, type, 0);
    if (fd < 0) { printf("socket errno %d\n", errno); return -1; }
    int rc;
    if (family == AF_INET) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
        inet_pton(AF_INET, addr, &sa.sin_addr);
        rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    } else {
        struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
        inet_pton(AF_INET6, addr, &sa.sin6_addr);
        rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    }
    if (rc < 0) { int e = errno; close(fd); errno = e; return -1; }
    return fd;
}

int main(int argc, char **argv)
{
    if (argc < 5) { fprintf(stderr, "usage: bindclient 4|6 ADDR PORT tcp|udp [serve|repeat N]\n"); return 2; }
    int family = argv[1][0] == '4' ? AF_INET : AF_INET6;
    int port = atoi(argv[3]);
    int type = strcmp(argv[4], "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
    int repeat = argc > 6 && strcmp(argv[5], "repeat") == 0 ? atoi(argv[6]) : 1;
    int failures = 0, last = 0;
    for (int i = 0; i < repeat; i++) {
        int fd = bind_once(family, argv[2], port, type);
        if (fd < 0) { failures++; last = errno; continue; }
        if (argc > 5 && strcmp(argv[5], "serve") == 0) {
            if (listen(fd, 1) < 0) { printf("listen errno %d\n", errno); return 1; }
            printf("listening\n");
            fflush(stdout);
            int c = accept(fd, NULL, NULL);
            if (c < 0) { printf("accept errno %d\n", errno); return 1; }
            const char reply[] = "hello from 65534\n";
            if (write(c, reply, sizeof reply - 1) < 0) return 1;
            close(c);
        }
        close(fd);
    }
    if (failures) { printf("errno %d\n", last); return 1; }
    printf("ok\n");
    return 0;
}
