/*
 * transport-floor — the transport floor of `make bench`.
 *
 * A minimal server on the same transport as campaignd (a Unix stream socket, newline-delimited
 * JSON-RPC) that does the least a server can do: for every newline-terminated line it answers the
 * `signatures.count` reply with a fixed result, copying the request's id without parsing JSON.
 * Single-threaded epoll, non-blocking sockets, any number of connections, one write() per batch of
 * replies produced by one read() (partial writes are kept and finished on EPOLLOUT).
 *
 *   transport-floor SOCKET_PATH
 *
 * Exits (removing the socket) on SIGTERM or SIGINT. Build: cc -O2 -o transport-floor transport-floor.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define READ_CHUNK 65536
#define MAX_LINE (1 << 20)        /* like campaignd's default --max-frame-bytes */
#define MAX_PENDING_OUT (4 << 20) /* stop reading a connection whose peer does not read its replies */

static const char reply_head[] = "{\"jsonrpc\":\"2.0\",\"id\":";
static const char reply_tail[] =
    ",\"result\":{\"confirmed\":0,\"pending\":0,\"organizations\":0,\"customers\":0,\"goal\":5000}}\n";

struct buf {
    char *data;
    size_t start, len, cap; /* live bytes are data[start, start+len) */
};

struct conn {
    int fd;
    int want_out; /* EPOLLOUT registered */
    int paused;   /* EPOLLIN removed (back-pressure, or the peer finished sending) */
    int eof;      /* the peer shut down its side: finish writing the replies, then close */
    struct buf in, out;
};

static volatile sig_atomic_t stopping = 0;
static void on_signal(int sig) { (void)sig; stopping = 1; }

static void die(const char *what) { perror(what); exit(1); }

static void buf_reserve(struct buf *b, size_t extra) {
    if (b->start + b->len + extra <= b->cap) return;
    if (b->start > 0) { /* compact first */
        memmove(b->data, b->data + b->start, b->len);
        b->start = 0;
        if (b->len + extra <= b->cap) return;
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) die("realloc");
    b->data = p;
    b->cap = cap;
}

static void buf_append(struct buf *b, const char *s, size_t n) {
    buf_reserve(b, n);
    memcpy(b->data + b->start + b->len, s, n);
    b->len += n;
}

static void buf_consume(struct buf *b, size_t n) {
    b->start += n;
    b->len -= n;
    if (b->len == 0) b->start = 0;
}

/* Appends the reply to one line: the id token is whatever follows `"id":` (blanks allowed) up to the
 * next `,` or `}`. A line without an id is a notification and gets no reply; a blank line is ignored. */
static void answer_line(struct conn *c, const char *line, size_t n) {
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t')) n--;
    if (n == 0) return;
    const char *end = line + n;
    const char *p = line;
    for (;;) { /* `"id"`, blanks, `:` */
        p = memmem(p, (size_t)(end - p), "\"id\"", 4);
        if (!p) return;
        p += 4;
        while (p < end && (*p == ' ' || *p == '\t')) p++;
        if (p < end && *p == ':') break;
    }
    p++;
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    const char *q = p;
    while (q < end && *q != ',' && *q != '}') q++;
    while (q > p && (q[-1] == ' ' || q[-1] == '\t')) q--;
    buf_append(&c->out, reply_head, sizeof reply_head - 1);
    if (q > p) buf_append(&c->out, p, (size_t)(q - p));
    else buf_append(&c->out, "null", 4);
    buf_append(&c->out, reply_tail, sizeof reply_tail - 1);
}

static void conn_close(int ep, struct conn *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->in.data);
    free(c->out.data);
    free(c);
}

static void conn_update_events(int ep, struct conn *c) {
    int want_out = c->out.len > 0;
    int paused = c->eof || c->out.len > MAX_PENDING_OUT;
    if (want_out == c->want_out && paused == c->paused) return;
    uint32_t events = (paused ? 0 : EPOLLIN | EPOLLRDHUP) | (want_out ? EPOLLOUT : 0);
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl mod");
    c->want_out = want_out;
    c->paused = paused;
}

/* Writes as much of the pending output as the socket takes. Returns -1 when the connection is gone. */
static int conn_flush(struct conn *c) {
    while (c->out.len > 0) {
        ssize_t w = write(c->fd, c->out.data + c->out.start, c->out.len);
        if (w > 0) { buf_consume(&c->out, (size_t)w); continue; }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        return -1;
    }
    return 0;
}

/* Reads what is available, answers every complete line. Returns -1 on a read error or an oversized
 * line; sets eof when the peer has finished sending. */
static int conn_read(struct conn *c) {
    for (;;) {
        buf_reserve(&c->in, READ_CHUNK);
        ssize_t r = read(c->fd, c->in.data + c->in.start + c->in.len, c->in.cap - c->in.start - c->in.len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        if (r < 0) return -1;
        if (r == 0) { c->eof = 1; return 0; }
        size_t scanned = c->in.len; /* bytes already known to hold no newline */
        c->in.len += (size_t)r;
        char *base = c->in.data + c->in.start;
        size_t used = 0;
        for (;;) {
            char *nl = memchr(base + scanned, '\n', c->in.len - scanned);
            if (!nl) break;
            size_t line_end = (size_t)(nl - base);
            answer_line(c, base + used, line_end - used);
            used = line_end + 1;
            scanned = used;
        }
        buf_consume(&c->in, used);
        if (c->in.len > MAX_LINE) return -1;
        if (c->out.len > MAX_PENDING_OUT) return 0; /* back-pressure: flush before reading more */
        if ((size_t)r < READ_CHUNK) return 0;      /* drained (level-triggered epoll brings us back) */
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s SOCKET_PATH\n", argv[0]);
        return 64;
    }
    const char *path = argv[1];
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) {
        fprintf(stderr, "socket path too long: %s\n", path);
        return 64;
    }
    strcpy(addr.sun_path, path);
    unlink(path);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) die("socket");
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
    if (listen(lfd, 1024) < 0) die("listen");

    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) < 0) die("epoll_ctl listen");

    fprintf(stderr, "transport-floor: listening on %s\n", path);
    struct epoll_event events[256];
    while (!stopping) {
        int n = epoll_wait(ep, events, 256, 500);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) { /* the listener */
                for (;;) {
                    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0) break;
                    c = calloc(1, sizeof *c);
                    if (!c) die("calloc");
                    c->fd = fd;
                    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl add");
                }
                continue;
            }
            uint32_t e = events[i].events;
            int gone = (e & EPOLLERR) != 0;
            if (!gone && !c->eof && (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))) gone = conn_read(c) < 0;
            if (!gone && conn_flush(c) < 0) gone = 1;
            if (!gone && c->eof && (c->out.len == 0 || (e & EPOLLHUP))) gone = 1;
            if (gone) { conn_close(ep, c); continue; }
            conn_update_events(ep, c);
        }
    }
    close(lfd);
    unlink(path);
    return 0;
}
