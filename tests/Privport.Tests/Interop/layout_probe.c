/* Prints the sizes, offsets and constants the C# interop and wire format copy by hand, one
 * "NAME VALUE" line each, for StructLayoutTests to compare. Built and run at test time. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/bpf.h>
#include <linux/close_range.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <netinet/tcp.h>
#include <sys/prctl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "privport_protocol.h"

#define VALUE(name, expr) printf("%s %lld\n", name, (long long)(expr))
#define CONSTANT(c) VALUE(#c, c)
#define SIZE(type) VALUE("sizeof " #type, sizeof(struct type))
#define OFFSET(type, field) VALUE("offsetof " #type " " #field, offsetof(struct type, field))
#define FIELD_SIZE(type, field) VALUE("sizeof " #type " " #field, sizeof(((struct type *)0)->field))
#define FIELD(type, field) OFFSET(type, field); FIELD_SIZE(type, field)

int main(void)
{
    SIZE(msghdr);
    FIELD(msghdr, msg_name);
    FIELD(msghdr, msg_namelen);
    FIELD(msghdr, msg_iov);
    FIELD(msghdr, msg_iovlen);
    FIELD(msghdr, msg_control);
    FIELD(msghdr, msg_controllen);
    FIELD(msghdr, msg_flags);
    SIZE(iovec);
    FIELD(iovec, iov_base);
    FIELD(iovec, iov_len);
    SIZE(cmsghdr);
    FIELD(cmsghdr, cmsg_len);
    FIELD(cmsghdr, cmsg_level);
    FIELD(cmsghdr, cmsg_type);
    SIZE(ucred);
    FIELD(ucred, pid);
    FIELD(ucred, uid);
    FIELD(ucred, gid);
    CONSTANT(AT_FDCWD);
    CONSTANT(STATX_MODE);
    CONSTANT(STATX_UID);
    CONSTANT(STATX_GID);
    CONSTANT(STATX_INO);
    VALUE("SizeOfStatx", sizeof(struct statx));
    VALUE("OffsetOfStxMask", offsetof(struct statx, stx_mask));
    VALUE("OffsetOfStxUid", offsetof(struct statx, stx_uid));
    VALUE("OffsetOfStxGid", offsetof(struct statx, stx_gid));
    VALUE("OffsetOfStxMode", offsetof(struct statx, stx_mode));
    CONSTANT(AT_SYMLINK_NOFOLLOW);
    CONSTANT(AT_EMPTY_PATH);
    CONSTANT(STATX_TYPE);
    CONSTANT(STATX_SIZE);
    CONSTANT(S_IFMT);
    CONSTANT(S_IFREG);
    CONSTANT(S_IFDIR);
    CONSTANT(S_IFLNK);
    CONSTANT(S_IFCHR);
    CONSTANT(S_ISVTX);
    VALUE("OffsetOfStxIno", offsetof(struct statx, stx_ino));
    VALUE("OffsetOfStxSize", offsetof(struct statx, stx_size));
    VALUE("OffsetOfStxDevMajor", offsetof(struct statx, stx_dev_major));
    VALUE("OffsetOfStxDevMinor", offsetof(struct statx, stx_dev_minor));
    CONSTANT(O_RDONLY);
    CONSTANT(O_WRONLY);
    CONSTANT(O_CREAT);
    CONSTANT(O_NOCTTY);
    CONSTANT(O_APPEND);
    CONSTANT(O_NOFOLLOW);
    SIZE(epoll_event);
    OFFSET(epoll_event, data);
    CONSTANT(EPOLL_CLOEXEC);
    CONSTANT(EPOLL_CTL_ADD);
    CONSTANT(EPOLL_CTL_DEL);
    CONSTANT(EPOLL_CTL_MOD);
    CONSTANT(EPOLLIN);
    CONSTANT(EPOLLERR);
    CONSTANT(EPOLLHUP);
    CONSTANT(EPOLLRDHUP);
    CONSTANT(EPOLLONESHOT);
    SIZE(passwd);
    FIELD(passwd, pw_name);
    FIELD(passwd, pw_passwd);
    FIELD(passwd, pw_uid);
    FIELD(passwd, pw_gid);
    FIELD(passwd, pw_gecos);
    FIELD(passwd, pw_dir);
    FIELD(passwd, pw_shell);
    SIZE(group);
    FIELD(group, gr_name);
    FIELD(group, gr_passwd);
    FIELD(group, gr_gid);
    FIELD(group, gr_mem);
    SIZE(linger);
    FIELD(linger, l_onoff);
    FIELD(linger, l_linger);

    struct cmsghdr header;
    VALUE("CMSG_SPACE(sizeof(int))", CMSG_SPACE(sizeof(int)));
    VALUE("CMSG_LEN(sizeof(int))", CMSG_LEN(sizeof(int)));
    VALUE("CMSG_LEN(0)", CMSG_LEN(0));
    VALUE("CMSG_SPACE(8 * sizeof(int))", CMSG_SPACE(8 * sizeof(int)));
    VALUE("CMSG_DATA offset", (unsigned char *)CMSG_DATA(&header) - (unsigned char *)&header);

    CONSTANT(AF_UNIX);
    CONSTANT(AF_INET);
    CONSTANT(AF_INET6);
    CONSTANT(SOCK_STREAM);
    CONSTANT(SOCK_DGRAM);
    CONSTANT(SOCK_SEQPACKET);
    CONSTANT(SOCK_CLOEXEC);
    CONSTANT(IPPROTO_IP);
    CONSTANT(IPPROTO_TCP);
    CONSTANT(IPPROTO_UDP);
    CONSTANT(IPPROTO_IPV6);
    CONSTANT(SOL_SOCKET);
    CONSTANT(SO_REUSEADDR);
    CONSTANT(SO_TYPE);
    CONSTANT(SO_REUSEPORT);
    CONSTANT(SO_PEERCRED);
    CONSTANT(SO_PEERGROUPS);
    CONSTANT(SO_RCVTIMEO);
    CONSTANT(SO_SNDTIMEO);
    CONSTANT(SO_PROTOCOL);
    CONSTANT(SO_DOMAIN);
    CONSTANT(SO_NETNS_COOKIE);
#ifdef SO_PEERPIDFD /* Linux 6.5; older headers lack it and the test asks the kernel instead */
    CONSTANT(SO_PEERPIDFD);
#endif
    CONSTANT(SCM_RIGHTS);
    CONSTANT(IP_FREEBIND);
    CONSTANT(IPV6_V6ONLY);
    CONSTANT(MSG_TRUNC);
    CONSTANT(MSG_CTRUNC);
    CONSTANT(MSG_DONTWAIT);
    CONSTANT(MSG_NOSIGNAL);
    CONSTANT(MSG_CMSG_CLOEXEC);
    CONSTANT(F_DUPFD_CLOEXEC);
    CONSTANT(SHUT_RDWR);
    CONSTANT(MSG_PEEK);
    CONSTANT(F_GETFD);
    CONSTANT(FD_CLOEXEC);
    CONSTANT(SOCK_NONBLOCK);
    CONSTANT(SO_ERROR);
    CONSTANT(SO_LINGER);
    CONSTANT(TCP_NODELAY);
    CONSTANT(SHUT_WR);
    CONSTANT(F_GETFL);
    CONSTANT(F_SETFL);
    CONSTANT(F_SETPIPE_SZ);
    CONSTANT(F_GETPIPE_SZ);
    CONSTANT(O_NONBLOCK);
    CONSTANT(O_CLOEXEC);
    CONSTANT(SPLICE_F_MOVE);
    CONSTANT(SPLICE_F_NONBLOCK);
    CONSTANT(EPOLLOUT);
    CONSTANT(EPOLLEXCLUSIVE);
    CONSTANT(EPIPE);
    CONSTANT(ENETUNREACH);
    CONSTANT(ECONNABORTED);
    CONSTANT(ECONNRESET);
    CONSTANT(EHOSTUNREACH);
    CONSTANT(EINPROGRESS);
    CONSTANT(F_SETFD);
    CONSTANT(S_ISUID);
    CONSTANT(S_ISGID);
    CONSTANT(SO_ACCEPTCONN);
    CONSTANT(CLOSE_RANGE_CLOEXEC);
    CONSTANT(PR_SET_KEEPCAPS);
    CONSTANT(PR_SET_NAME);
    CONSTANT(PR_CAPBSET_READ);
    CONSTANT(PR_CAPBSET_DROP);
    CONSTANT(PR_SET_NO_NEW_PRIVS);
    CONSTANT(PR_GET_NO_NEW_PRIVS);
    CONSTANT(PR_CAP_AMBIENT);
    CONSTANT(PR_CAP_AMBIENT_RAISE);
    CONSTANT(PR_CAP_AMBIENT_CLEAR_ALL);
    CONSTANT(_LINUX_CAPABILITY_VERSION_3);
    CONSTANT(_LINUX_CAPABILITY_U32S_3);
    CONSTANT(CAP_NET_BIND_SERVICE);
    CONSTANT(CAP_SETPCAP);
    CONSTANT(EFD_NONBLOCK);
    CONSTANT(EFD_CLOEXEC);
    CONSTANT(SCHED_OTHER);
    CONSTANT(SCHED_BATCH);
    CONSTANT(RLIMIT_NOFILE);
    SIZE(rlimit);
    FIELD(rlimit, rlim_cur);
    FIELD(rlimit, rlim_max);
    SIZE(sched_param);
    FIELD(sched_param, sched_priority);
    CONSTANT(POLLIN);
    SIZE(pollfd);
    FIELD(pollfd, fd);
    FIELD(pollfd, events);
    FIELD(pollfd, revents);
    CONSTANT(POSIX_SPAWN_SETSIGMASK);
    CONSTANT(POSIX_SPAWN_SETSID);
    VALUE("SizeOfPosixSpawnattr", sizeof(posix_spawnattr_t));
    VALUE("SizeOfPosixSpawnFileActions", sizeof(posix_spawn_file_actions_t));
    VALUE("SizeOfSigset", sizeof(sigset_t));
    SIZE(__user_cap_header_struct);
    FIELD(__user_cap_header_struct, version);
    FIELD(__user_cap_header_struct, pid);
    SIZE(__user_cap_data_struct);
    FIELD(__user_cap_data_struct, effective);
    FIELD(__user_cap_data_struct, permitted);
    FIELD(__user_cap_data_struct, inheritable);

    CONSTANT(EPERM);
    CONSTANT(ENOENT);
    CONSTANT(ESRCH);
    CONSTANT(EINTR);
    CONSTANT(EBADF);
    CONSTANT(EAGAIN);
    CONSTANT(EACCES);
    CONSTANT(EEXIST);
    CONSTANT(EINVAL);
    CONSTANT(ENFILE);
    CONSTANT(EMFILE);
    CONSTANT(ERANGE);
    CONSTANT(ENOTSOCK);
    CONSTANT(ENOPROTOOPT);
    CONSTANT(EPROTOTYPE);
    CONSTANT(EOPNOTSUPP);
    CONSTANT(EAFNOSUPPORT);
    CONSTANT(EADDRINUSE);
    CONSTANT(EADDRNOTAVAIL);
    CONSTANT(EISCONN);
    CONSTANT(ENOTCONN);
    CONSTANT(ETIMEDOUT);
    CONSTANT(ECONNREFUSED);
    CONSTANT(ENODATA);

    SIZE(privport_request);
    OFFSET(privport_request, magic);
    OFFSET(privport_request, version);
    OFFSET(privport_request, op);
    OFFSET(privport_request, protocol);
    OFFSET(privport_request, family);
    OFFSET(privport_request, port);
    OFFSET(privport_request, flags);
    OFFSET(privport_request, address);
    OFFSET(privport_request, scope_id);
    OFFSET(privport_request, reserved);
    FIELD_SIZE(privport_request, address);
    FIELD_SIZE(privport_request, reserved);
    SIZE(privport_reply);
    OFFSET(privport_reply, magic);
    OFFSET(privport_reply, version);
    OFFSET(privport_reply, op);
    OFFSET(privport_reply, status);
    OFFSET(privport_reply, port);
    OFFSET(privport_reply, decision);
    OFFSET(privport_reply, reserved);
    OFFSET(privport_reply, counters);
    OFFSET(privport_reply, reason);
    FIELD_SIZE(privport_reply, counters);
    FIELD_SIZE(privport_reply, reason);

    CONSTANT(PRIVPORT_REQUEST_MAGIC);
    CONSTANT(PRIVPORT_REPLY_MAGIC);
    CONSTANT(PRIVPORT_VERSION);
    CONSTANT(PRIVPORT_REASON_SIZE);
    CONSTANT(PRIVPORT_COUNTERS);
    CONSTANT(PRIVPORT_OP_BIND);
    CONSTANT(PRIVPORT_OP_OPEN);
    CONSTANT(PRIVPORT_OP_QUERY);
    CONSTANT(PRIVPORT_OP_STATUS);
    CONSTANT(PRIVPORT_OP_STATUS_DETAIL);
    CONSTANT(PRIVPORT_STATUS_DETAIL_MAX);
    CONSTANT(PRIVPORT_OP_KERNEL_ENROL);
    CONSTANT(PRIVPORT_KERNEL_ENROL_DETAIL_MAX);
    CONSTANT(PRIVPORT_FLAG_REUSEADDR);
    CONSTANT(PRIVPORT_FLAG_REUSEPORT);
    CONSTANT(PRIVPORT_FLAG_V6ONLY);
    CONSTANT(PRIVPORT_FLAG_FREEBIND);
    CONSTANT(PRIVPORT_DECISION_NONE);
    CONSTANT(PRIVPORT_DECISION_ALLOW);
    CONSTANT(PRIVPORT_DECISION_DENY);
    CONSTANT(PRIVPORT_COUNTER_UPTIME_SECONDS);
    CONSTANT(PRIVPORT_COUNTER_REQUESTS);
    CONSTANT(PRIVPORT_COUNTER_GRANTED);
    CONSTANT(PRIVPORT_COUNTER_DENIED);
    CONSTANT(PRIVPORT_COUNTER_ERRORS);
    CONSTANT(PRIVPORT_COUNTER_POLICY_RULES);
    CONSTANT(BPF_MAP_CREATE);
    CONSTANT(BPF_MAP_LOOKUP_ELEM);
    CONSTANT(BPF_MAP_UPDATE_ELEM);
    CONSTANT(BPF_MAP_DELETE_ELEM);
    CONSTANT(BPF_MAP_GET_NEXT_KEY);
    CONSTANT(BPF_PROG_LOAD);
    CONSTANT(BPF_OBJ_PIN);
    CONSTANT(BPF_OBJ_GET);
    CONSTANT(BPF_PROG_ATTACH);
    CONSTANT(BPF_PROG_DETACH);
    CONSTANT(BPF_OBJ_GET_INFO_BY_FD);
    CONSTANT(BPF_PROG_QUERY);
    CONSTANT(BPF_LINK_CREATE);
    CONSTANT(BPF_MAP_TYPE_ARRAY);
    CONSTANT(BPF_MAP_TYPE_LPM_TRIE);
    CONSTANT(BPF_MAP_TYPE_RINGBUF);
    CONSTANT(BPF_PROG_TYPE_CGROUP_SOCK_ADDR);
    CONSTANT(BPF_CGROUP_INET4_BIND);
    CONSTANT(BPF_CGROUP_INET6_BIND);
    CONSTANT(BPF_F_NO_PREALLOC);
    CONSTANT(BPF_F_ALLOW_MULTI);
    CONSTANT(PROT_READ);
    CONSTANT(PROT_WRITE);
    CONSTANT(MAP_SHARED);
    VALUE("BpfAttrSize", sizeof(union bpf_attr));
    printf("DefaultSocketPath %s\n", PRIVPORT_DEFAULT_SOCKET);
    return 0;
}
