/* privport wire protocol, version 1: see docs/protocol.md.
 * One request datagram and one reply datagram on an AF_UNIX SOCK_SEQPACKET socket;
 * integers little-endian (the order of every host privport runs on: x86-64, aarch64),
 * addresses in network order, reserved bytes zero. */
#ifndef PRIVPORT_PROTOCOL_H
#define PRIVPORT_PROTOCOL_H

#include <stdint.h>

#define PRIVPORT_DEFAULT_SOCKET "/run/privport/broker.sock"

#define PRIVPORT_REQUEST_MAGIC 0x51525050u /* bytes "PPRQ" on little-endian */
#define PRIVPORT_REPLY_MAGIC 0x50525050u   /* bytes "PPRP" on little-endian */
#define PRIVPORT_VERSION 1

enum privport_op {
    PRIVPORT_OP_BIND = 1,   /* bind the socket sent with the request (SCM_RIGHTS) */
    PRIVPORT_OP_OPEN = 2,   /* create, configure and bind a socket; reply carries it */
    PRIVPORT_OP_QUERY = 3,  /* decision only */
    PRIVPORT_OP_STATUS = 4, /* broker counters */
    PRIVPORT_OP_STATUS_DETAIL = 16, /* counters, then one datagram of JSON (docs/protocol.md) */
    PRIVPORT_OP_KERNEL_ENROL = 17,  /* enrol the caller in a kernel grant, then one datagram of text lines */
};

/* The most bytes of the JSON datagram that follows a STATUS_DETAIL reply. */
#define PRIVPORT_STATUS_DETAIL_MAX 65536

/* The most bytes of the text datagram that follows a KERNEL_ENROL reply. */
#define PRIVPORT_KERNEL_ENROL_DETAIL_MAX 16384

enum privport_flag {
    PRIVPORT_FLAG_REUSEADDR = 1u << 0,
    PRIVPORT_FLAG_REUSEPORT = 1u << 1,
    PRIVPORT_FLAG_V6ONLY = 1u << 2,
    PRIVPORT_FLAG_FREEBIND = 1u << 3,
};

enum privport_decision {
    PRIVPORT_DECISION_NONE = 0, /* malformed request, or an error before a decision */
    PRIVPORT_DECISION_ALLOW = 1,
    PRIVPORT_DECISION_DENY = 2,
};

struct privport_request {
    uint32_t magic;
    uint16_t version;
    uint16_t op;
    uint8_t protocol; /* IPPROTO_TCP 6 or IPPROTO_UDP 17 */
    uint8_t family;   /* AF_INET 2 or AF_INET6 10 */
    uint16_t port;
    uint32_t flags;
    uint8_t address[16]; /* IPv4 in the first 4 bytes, network order */
    uint32_t scope_id;
    uint8_t reserved[28];
};

#define PRIVPORT_REASON_SIZE 192
#define PRIVPORT_COUNTERS 6

/* STATUS counters, in this order */
enum privport_counter {
    PRIVPORT_COUNTER_UPTIME_SECONDS = 0,
    PRIVPORT_COUNTER_REQUESTS = 1,
    PRIVPORT_COUNTER_GRANTED = 2,
    PRIVPORT_COUNTER_DENIED = 3,
    PRIVPORT_COUNTER_ERRORS = 4,
    PRIVPORT_COUNTER_POLICY_RULES = 5,
};

struct privport_reply {
    uint32_t magic;
    uint16_t version;
    uint16_t op;
    int32_t status;   /* 0, or a positive errno (EACCES for a policy denial) */
    uint16_t port;    /* the port bound, for BIND and OPEN */
    uint8_t decision; /* enum privport_decision */
    uint8_t reserved;
    uint64_t counters[PRIVPORT_COUNTERS];
    char reason[PRIVPORT_REASON_SIZE]; /* UTF-8, NUL-terminated: the rule or the reason */
};

_Static_assert(sizeof(struct privport_request) == 64, "request is 64 bytes");
_Static_assert(sizeof(struct privport_reply) == 256, "reply is 256 bytes");

#endif
