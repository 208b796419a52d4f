/* An unmodified program that binds a privileged port again and again, timing each bind() (under privport wrap,
 * the shim's exchange with the broker). Prints one line per bind: microseconds, or "error ERRNO".
 * Usage: bind_latency PORT COUNT */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bind_latency PORT COUNT\n");
        return 64;
    }
    /* A bind that never returns (a broker that never answers, a shim without a timeout) ends the run here. */
    alarm(20);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1])),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int count = atoi(argv[2]);
    for (int i = 0; i < count; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
            perror("socket");
            return 1;
        }
        struct timespec start, end;
        clock_gettime(CLOCK_MONOTONIC, &start);
        int result = bind(fd, (struct sockaddr *)&address, sizeof address);
        int error = errno;
        clock_gettime(CLOCK_MONOTONIC, &end);
        close(fd);
        long micros = (end.tv_sec - start.tv_sec) * 1000000L + (end.tv_nsec - start.tv_nsec) / 1000;
        if (result == 0) {
            printf("%ld\n", micros);
        } else {
            printf("error %d\n", error);
        }
        fflush(stdout);
        usleep(10000);
    }
    return 0;
}
