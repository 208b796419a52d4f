/* Attaches a pinned program to a cgroup as systemd's BPFProgram= does: BPF_OBJ_GET of the pin, then BPF_PROG_ATTACH
 * with BPF_F_ALLOW_MULTI. Usage: attach_pin PIN CGROUP_DIR bind4|bind6 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: attach_pin PIN CGROUP_DIR bind4|bind6\n");
        return 64;
    }

    union bpf_attr get;
    memset(&get, 0, sizeof get);
    get.pathname = (uint64_t)(uintptr_t)argv[1];
    int program = (int)syscall(SYS_bpf, BPF_OBJ_GET, &get, sizeof get);
    if (program < 0) {
        fprintf(stderr, "BPF_OBJ_GET %s: %s\n", argv[1], strerror(errno));
        return 1;
    }

    int cgroup = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cgroup < 0) {
        fprintf(stderr, "open %s: %s\n", argv[2], strerror(errno));
        return 1;
    }

    union bpf_attr attach;
    memset(&attach, 0, sizeof attach);
    attach.target_fd = (uint32_t)cgroup;
    attach.attach_bpf_fd = (uint32_t)program;
    attach.attach_type = strcmp(argv[3], "bind6") == 0 ? BPF_CGROUP_INET6_BIND : BPF_CGROUP_INET4_BIND;
    attach.attach_flags = BPF_F_ALLOW_MULTI;
    if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach) != 0) {
        fprintf(stderr, "BPF_PROG_ATTACH %s to %s: %s\n", argv[1], argv[2], strerror(errno));
        return 1;
    }

    return 0;
}
