/* A statically linked server, as a Go binary is: bind(2) directly, no LD_PRELOAD can help it. Binds ADDRESS PORT
 * (TCP), prints "listening" or "bind: <error>", and with "serve" answers one connection with "hello\n".
 * Usage: static_server ADDRESS PORT [serve] */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: static_server ADDRESS PORT [serve]\n");
        return 64;
    }

    struct sockaddr_storage address;
    memset(&address, 0, sizeof address);
    socklen_t length;
    int family;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&address;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&address;
    if (inet_pton(AF_INET, argv[1], &v4->sin_addr) == 1) {
        family = v4->sin_family = AF_INET;
        v4->sin_port = htons((unsigned short)atoi(argv[2]));
        length = sizeof *v4;
    } else if (inet_pton(AF_INET6, argv[1], &v6->sin6_addr) == 1) {
        family = v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((unsigned short)atoi(argv[2]));
        length = sizeof *v6;
    } else {
        fprintf(stderr, "not an address: %s\n", argv[1]);
        return 64;
    }

    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
        perror("socket");
        return 1;
    }

    if (bind(fd, (struct sockaddr *)&address, length) != 0) {
        printf("bind: %s\n", strerror(errno));
        return 1;
    }

    if (listen(fd, 1) != 0) {
        perror("listen");
        return 1;
    }

    printf("listening\n");
    fflush(stdout);
    if (argc > 3 && strcmp(argv[3], "serve") == 0) {
        int client = accept(fd, NULL, NULL);
        if (client < 0 || write(client, "hello\n", 6) != 6) {
            perror("accept");
            return 1;
        }
        close(client);
    }

    return 0;
}
