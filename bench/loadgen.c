/*
 * hatchway bench load generator (built by bench/run.mjs with `cc -O2`; bench/loadgen.mjs is
 * the Node fallback with the same command line and output).
 *
 * One thread, epoll, non-blocking sockets, loopback only. Frames are built once at start,
 * each with its own random masking key (never all-zero unless --zero-mask 1), and written
 * from that pool with writev, so that the generator spends its time in syscalls rather than
 * in framing. It reads the server's utime+stime from /proc/<pid>/stat at the exact start and
 * end of the measurement window, and its own CPU time with getrusage.
 *
 * Modes (first argument):
 *   echo       N connections, W frames in flight each; counts echoed messages, latency.
 *   handshake  C concurrent opening handshakes; each connection is reset after its 101.
 *   idle       N connections opened and left idle; prints "READY n", closes all on stdin.
 *   sse        N GET /sse streams; counts events (blank-line terminated) received.
 *   bcast      N WebSocket connections that only receive; counts the messages the server
 *              broadcasts to them (GET /bcast). With --sio 1 each connection is a socket.io client
 *              (engine.io v4 / socket.io v5 over a plain WebSocket, GET /socket.io/?EIO=4&
 *              transport=websocket): it answers the open packet `0{...}` with `40` (connect to the
 *              main namespace), counts as connected on the server's `40{...}`, answers every ping
 *              `2` with `3`, and counts the event packets (`42[...]`) as messages.
 *
 * Two servers at once (bcast, for a fan-out across processes): with --port2 P the odd-numbered
 * connections go to port P, the even ones to --port; "messagesPort2" counts what the port-2
 * connections received. --cpu-pids A,B,C reads each of those processes' utime+stime (and minor
 * faults) at the start and end of the window, like --server-pid: "pidCpuSec" and "pidFaults".
 *
 * --header 'Name: value' adds one line to every WebSocket handshake (the framework scenarios send the
 * session cookie their auth check wants).
 *
 * Output: progress lines on stderr, "READY n" on stdout when connected (idle, sse, echo),
 * then one JSON line on stdout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

enum { M_ECHO, M_HANDSHAKE, M_IDLE, M_SSE, M_BCAST };
enum { S_CONNECTING, S_REQUEST, S_RESPONSE, S_OPEN, S_DEAD };

static struct {
  int mode;
  int port;
  int conns;
  int inflight;
  size_t size;
  int text;
  int zero_mask;
  long warmup_ms;
  long duration_ms;
  long timeout_ms;
  int server_pid;
  int max_pending;
  const char *path;
  long coalesce_us;
  int server_core;
  const char *frames_file;
  const char *extensions;
  int hello;
  int sio;
  int port2;
  const char *cpu_pids;
  const char *header;
} opt = {M_ECHO, 0, 1, 1, 64, 0, 0, 1000, 3000, 0, 0, 200, "/", 0, -1, NULL, NULL, 0, 0, 0, NULL, NULL};

/* ---- time, randomness, CPU ------------------------------------------------------------ */

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rng_state;
static uint64_t rng(void) {
  uint64_t x = rng_state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  rng_state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

static double self_cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* utime+stime of a process in seconds (-1 when unreadable), and in *faults its minor page faults. */
static double pid_cpu_s(int pid, double *faults) {
  *faults = -1;
  if (pid <= 0) return -1;
  char file[64], buf[1024];
  snprintf(file, sizeof file, "/proc/%d/stat", pid);
  int fd = open(file, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  if (!p) return -1;
  /* Fields after the command: state(3) ... minflt(10) ... utime(14) stime(15). */
  unsigned long utime = 0, stime = 0;
  int field = 2;
  for (char *tok = strtok(p + 1, " "); tok; tok = strtok(NULL, " ")) {
    field++;
    if (field == 10) *faults = (double)strtoul(tok, NULL, 10);
    if (field == 14) utime = strtoul(tok, NULL, 10);
    if (field == 15) {
      stime = strtoul(tok, NULL, 10);
      break;
    }
  }
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static double server_cpu_s(double *faults) { return pid_cpu_s(opt.server_pid, faults); }

/* --cpu-pids: more processes whose CPU over the window is reported. */
#define MAX_CPU_PIDS 8
static int cpu_pids[MAX_CPU_PIDS], n_cpu_pids;
static double pid_cpu0[MAX_CPU_PIDS], pid_cpu1[MAX_CPU_PIDS], pid_flt0[MAX_CPU_PIDS], pid_flt1[MAX_CPU_PIDS];

static void sample_pids(double *cpu, double *flt) {
  for (int i = 0; i < n_cpu_pids; i++) cpu[i] = pid_cpu_s(cpu_pids[i], &flt[i]);
}

/* Busy time of one core (all processes) in seconds, from /proc/stat, and in *irq the part spent
   in interrupts and softirqs (loopback TCP delivery lands there); -1 when unknown. */
static double core_busy_s(int core, double *irq) {
  *irq = -1;
  if (core < 0) return -1;
  FILE *f = fopen("/proc/stat", "r");
  if (!f) return -1;
  char line[512], name[16];
  snprintf(name, sizeof name, "cpu%d ", core);
  double busy = -1;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, name, strlen(name)) != 0) continue;
    unsigned long long v[8] = {0};
    sscanf(line + strlen(name), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    /* user nice system idle iowait irq softirq steal: everything but idle and iowait */
    busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
    *irq = (double)(v[5] + v[6]) / (double)sysconf(_SC_CLK_TCK);
    break;
  }
  fclose(f);
  return busy;
}

/* ---- latency histogram (1 us buckets up to 2 s) ----------------------------------------- */

#define HIST_BUCKETS 2000000
static uint32_t *hist;
static uint64_t hist_count, hist_over;

static void hist_add(uint64_t ns) {
  uint64_t us = ns / 1000;
  if (us >= HIST_BUCKETS) hist_over++;
  else hist[us]++;
  hist_count++;
}

static double hist_pct(double q) {
  if (hist_count == 0) return -1;
  uint64_t want = (uint64_t)(q * (double)hist_count);
  if (want >= hist_count) want = hist_count - 1;
  uint64_t seen = 0;
  for (uint64_t i = 0; i < HIST_BUCKETS; i++) {
    seen += hist[i];
    if (seen > want) return (double)i + 0.5;
  }
  return (double)HIST_BUCKETS;
}

/* ---- frame pool ------------------------------------------------------------------------- */

static uint8_t **pool;
static size_t *pool_len;
static int pool_n;

static void build_pool(void) {
  size_t hdr = 2 + (opt.size >= 65536 ? 8 : opt.size >= 126 ? 2 : 0) + 4;
  size_t frame_len = hdr + opt.size;
  pool_n = (int)(16u * 1024 * 1024 / frame_len);
  if (pool_n > 64) pool_n = 64;
  if (pool_n < 2) pool_n = 2;
  pool = calloc((size_t)pool_n, sizeof *pool);
  pool_len = calloc((size_t)pool_n, sizeof *pool_len);
  for (int f = 0; f < pool_n; f++) {
    uint8_t *b = malloc(frame_len);
    pool_len[f] = frame_len;
    size_t i = 0;
    b[i++] = 0x80 | (opt.text ? 0x1 : 0x2);
    if (opt.size >= 65536) {
      b[i++] = 0x80 | 127;
      for (int s = 7; s >= 0; s--) b[i++] = (uint8_t)((uint64_t)opt.size >> (8 * s));
    } else if (opt.size >= 126) {
      b[i++] = 0x80 | 126;
      b[i++] = (uint8_t)(opt.size >> 8);
      b[i++] = (uint8_t)opt.size;
    } else {
      b[i++] = 0x80 | (uint8_t)opt.size;
    }
    uint8_t key[4] = {0, 0, 0, 0};
    if (!opt.zero_mask) {
      do {
        uint64_t r = rng();
        memcpy(key, &r, 4);
      } while ((key[0] | key[1] | key[2] | key[3]) == 0);
    }
    memcpy(b + i, key, 4);
    i += 4;
    for (size_t j = 0; j < opt.size; j++) {
      uint8_t c = opt.text ? (uint8_t)(0x20 + rng() % 95) : (uint8_t)rng();
      b[i + j] = c ^ key[j & 3];
    }
    pool[f] = b;
  }
}

/* Frames prepared by the runner (e.g. compressed with RSV1 set), back to back in one file. */
static void load_pool(const char *file) {
  FILE *f = fopen(file, "rb");
  if (!f) {
    perror(file);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *all = malloc((size_t)size);
  if (size <= 0 || fread(all, 1, (size_t)size, f) != (size_t)size) {
    fprintf(stderr, "loadgen: cannot read %s\n", file);
    exit(2);
  }
  fclose(f);
  int cap = 16;
  pool = malloc((size_t)cap * sizeof *pool);
  pool_len = malloc((size_t)cap * sizeof *pool_len);
  pool_n = 0;
  for (long at = 0; at + 2 <= size;) {
    uint8_t *b = all + at;
    uint64_t len = b[1] & 0x7f;
    size_t hdr = 2;
    if (len == 126) {
      len = ((uint64_t)b[2] << 8) | b[3];
      hdr = 4;
    } else if (len == 127) {
      len = 0;
      for (int i = 0; i < 8; i++) len = (len << 8) | b[2 + i];
      hdr = 10;
    }
    if (b[1] & 0x80) hdr += 4;
    if (pool_n == cap) {
      cap *= 2;
      pool = realloc(pool, (size_t)cap * sizeof *pool);
      pool_len = realloc(pool_len, (size_t)cap * sizeof *pool_len);
    }
    pool[pool_n] = b;
    pool_len[pool_n++] = hdr + (size_t)len;
    at += (long)(hdr + len);
  }
  if (pool_n == 0) {
    fprintf(stderr, "loadgen: no frames in %s\n", file);
    exit(2);
  }
}

/* ---- connections ------------------------------------------------------------------------- */

struct conn {
  int fd;
  int state;
  int out_armed;
  uint64_t t_start;
  char req[768];
  int req_len, req_off;
  char resp[2048];
  int resp_len;
  /* echo: sending */
  uint64_t to_send;
  size_t cur_off;
  int pool_idx;
  /* echo: receiving */
  uint8_t hdr[14];
  int hdr_have, hdr_need, in_payload;
  uint8_t opcode, fin;
  uint64_t pay_len, pay_rem;
  uint64_t *ring;
  int ring_head, ring_count;
  /* sse */
  int last_nl, chunked, chunk_state, chunk_ext;
  uint64_t chunk_rem;
  /* socket.io: the first bytes of the frame being read (its packet type), and small frames to send */
  uint8_t pfx[2];
  int pfx_have;
  uint8_t ctl[64];
  int ctl_len, ctl_off;
  /* connected to --port2 */
  int alt;
};

static struct conn *conns;
static int epfd;
static int n_open, n_pending, n_started, n_errors, n_ready;
static uint64_t sio_pings;
static int measuring, stopping;
static uint64_t messages, bytes, messages_port2;
static struct sockaddr_in addr, addr2;

static void arm(struct conn *c, uint32_t events, int op) {
  struct epoll_event ev = {.events = events, .data.ptr = c};
  if (epoll_ctl(epfd, op, c->fd, &ev) < 0 && op == EPOLL_CTL_MOD) epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void build_request(struct conn *c) {
  int port = c->alt ? opt.port2 : opt.port;
  if (opt.mode == M_SSE) {
    c->req_len = snprintf(c->req, sizeof c->req,
                          "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: text/event-stream\r\n"
                          "Cache-Control: no-cache\r\n\r\n",
                          opt.path, port);
  } else {
    uint8_t raw[18] = {0};
    uint64_t r1 = rng(), r2 = rng();
    memcpy(raw, &r1, 8);
    memcpy(raw + 8, &r2, 8);
    char key[25];
    int k = 0;
    for (int i = 0; i < 18; i += 3) {
      uint32_t v = ((uint32_t)raw[i] << 16) | ((uint32_t)raw[i + 1] << 8) | raw[i + 2];
      key[k++] = B64[(v >> 18) & 63];
      key[k++] = B64[(v >> 12) & 63];
      key[k++] = B64[(v >> 6) & 63];
      key[k++] = B64[v & 63];
    }
    /* 16 bytes encode to 22 characters and "==". */
    key[22] = '=';
    key[23] = '=';
    key[24] = 0;
    char ext[256] = "", extra[256] = "";
    if (opt.extensions) snprintf(ext, sizeof ext, "Sec-WebSocket-Extensions: %s\r\n", opt.extensions);
    if (opt.header) snprintf(extra, sizeof extra, "%s\r\n", opt.header);
    c->req_len = snprintf(c->req, sizeof c->req,
                          "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s%s\r\n",
                          opt.path, port, key, ext, extra);
    if (c->req_len >= (int)sizeof c->req) {
      fprintf(stderr, "loadgen: request longer than %zu bytes\n", sizeof c->req);
      exit(2);
    }
  }
  c->req_off = 0;
}

static void start_conn(struct conn *c) {
  memset(c->hdr, 0, sizeof c->hdr);
  c->hdr_have = c->hdr_need = c->in_payload = 0;
  c->to_send = 0;
  c->cur_off = 0;
  c->ring_head = c->ring_count = 0;
  c->resp_len = 0;
  c->last_nl = 0;
  c->chunked = c->chunk_state = c->chunk_ext = 0;
  c->chunk_rem = 0;
  c->pfx_have = 0;
  c->ctl_len = c->ctl_off = 0;
  c->out_armed = 0;
  c->alt = opt.port2 > 0 && ((c - conns) & 1);
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) {
    perror("socket");
    exit(3);
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  c->t_start = now_ns();
  c->state = S_CONNECTING;
  n_pending++;
  n_started++;
  build_request(c);
  int r = connect(c->fd, (struct sockaddr *)(c->alt ? &addr2 : &addr), sizeof addr);
  if (r < 0 && errno != EINPROGRESS) {
    perror("connect");
    exit(3);
  }
  arm(c, EPOLLOUT, EPOLL_CTL_ADD);
}

static void close_conn(struct conn *c, int reset) {
  if (c->fd < 0) return;
  if (reset) {
    struct linger lg = {1, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->fd = -1;
  if (c->state == S_OPEN) n_open--;
  else if (c->state != S_DEAD) n_pending--;
  c->state = S_DEAD;
}

static void fail_conn(struct conn *c, const char *why) {
  n_errors++;
  if (n_errors <= 5) fprintf(stderr, "loadgen: connection error: %s\n", why);
  int was_open = c->state == S_OPEN;
  close_conn(c, 1);
  /* A handshake slot goes on; a failed data connection makes the run invalid. */
  if (opt.mode == M_HANDSHAKE && !stopping) start_conn(c);
  else if (was_open && opt.mode != M_HANDSHAKE && !stopping) {
    fprintf(stderr, "loadgen: lost an open connection\n");
  }
}

/* ---- echo ---------------------------------------------------------------------------------- */

static void queue_frames(struct conn *c, int n, uint64_t t) {
  for (int i = 0; i < n; i++) {
    int slot = (c->ring_head + c->ring_count) % opt.inflight;
    c->ring[slot] = t;
    c->ring_count++;
  }
  c->to_send += (uint64_t)n;
}

static void flush_out(struct conn *c) {
  while (c->to_send > 0) {
    struct iovec iov[64];
    int n = 0;
    int idx = c->pool_idx;
    size_t want = 0;
    for (uint64_t k = 0; k < c->to_send && n < 64; k++) {
      size_t off = k == 0 ? c->cur_off : 0;
      iov[n].iov_base = pool[idx] + off;
      iov[n].iov_len = pool_len[idx] - off;
      want += iov[n].iov_len;
      n++;
      idx = (idx + 1) % pool_n;
    }
    ssize_t w = writev(c->fd, iov, n);
    if (w < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      fail_conn(c, strerror(errno));
      return;
    }
    size_t left = (size_t)w;
    while (left > 0) {
      size_t rem = pool_len[c->pool_idx] - c->cur_off;
      if (left >= rem) {
        left -= rem;
        c->cur_off = 0;
        c->pool_idx = (c->pool_idx + 1) % pool_n;
        c->to_send--;
      } else {
        c->cur_off += left;
        left = 0;
      }
    }
    if ((size_t)w < want) break;
  }
  int need_out = c->to_send > 0;
  if (need_out != c->out_armed) {
    c->out_armed = need_out;
    arm(c, EPOLLIN | (need_out ? EPOLLOUT : 0), EPOLL_CTL_MOD);
  }
}

/* ---- socket.io client (engine.io v4, socket.io v5) ------------------------------------------- */

static void flush_ctl(struct conn *c) {
  while (c->ctl_off < c->ctl_len) {
    ssize_t w = write(c->fd, c->ctl + c->ctl_off, (size_t)(c->ctl_len - c->ctl_off));
    if (w < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      fail_conn(c, strerror(errno));
      return;
    }
    c->ctl_off += (int)w;
  }
  int need_out = c->ctl_off < c->ctl_len;
  if (!need_out) c->ctl_len = c->ctl_off = 0;
  if (need_out != c->out_armed) {
    c->out_armed = need_out;
    arm(c, EPOLLIN | (need_out ? EPOLLOUT : 0), EPOLL_CTL_MOD);
  }
}

/* One short masked text frame (a client's frames are masked, RFC 6455 §5.3). */
static void send_text(struct conn *c, const char *text) {
  size_t n = strlen(text);
  if (n > 125 || (size_t)c->ctl_len + 6 + n > sizeof c->ctl) {
    fail_conn(c, "control send buffer full");
    return;
  }
  uint8_t *b = c->ctl + c->ctl_len;
  uint8_t key[4];
  do {
    uint64_t r = rng();
    memcpy(key, &r, 4);
  } while ((key[0] | key[1] | key[2] | key[3]) == 0);
  b[0] = 0x81;
  b[1] = 0x80 | (uint8_t)n;
  memcpy(b + 2, key, 4);
  for (size_t i = 0; i < n; i++) b[6 + i] = (uint8_t)text[i] ^ key[i & 3];
  c->ctl_len += (int)(6 + n);
  flush_ctl(c);
}

/* A whole engine.io packet arrived in one text frame; its type is in c->pfx. */
static void sio_packet(struct conn *c) {
  if (c->opcode != 0x1 || !c->fin || c->pay_len == 0) return;
  uint8_t type = c->pfx[0];
  if (type == '4' && c->pay_len >= 2 && c->pfx[1] == '2') { /* message: socket.io EVENT */
    if (measuring) {
      messages++;
      bytes += c->pay_len;
      if (c->alt) messages_port2++;
    }
  } else if (type == '2' && c->pay_len == 1) { /* ping */
    sio_pings++;
    send_text(c, "3");
  } else if (type == '0') { /* open: connect to the main namespace */
    send_text(c, "40");
  } else if (type == '4' && c->pay_len >= 2 && c->pfx[1] == '0') { /* CONNECT answered */
    n_ready++;
  } else if (type == '1' || (type == '4' && c->pay_len >= 2 && (c->pfx[1] == '4' || c->pfx[1] == '1'))) {
    fail_conn(c, type == '1' ? "engine.io close packet" : "socket.io connect error or disconnect");
  }
}

static void frame_done(struct conn *c, uint64_t t) {
  if (c->opcode == 0x8) {
    fail_conn(c, "server sent a close frame");
    return;
  }
  if (c->opcode >= 0x8 || !c->fin) return; /* pings, pongs, fragments: not messages */
  if (c->ring_count > 0) {
    uint64_t sent = c->ring[c->ring_head];
    c->ring_head = (c->ring_head + 1) % opt.inflight;
    c->ring_count--;
    if (measuring) {
      hist_add(t - sent);
      messages++;
      bytes += c->pay_len;
    }
  }
  if (opt.mode == M_IDLE) {
    n_ready++; /* --hello: this connection has exchanged its one message */
    return;
  }
  if (opt.mode == M_BCAST) {
    if (opt.sio) sio_packet(c);
    else if (measuring) {
      messages++;
      bytes += c->pay_len;
      if (c->alt) messages_port2++;
    }
    return;
  }
  if (!stopping) queue_frames(c, 1, t);
}

static void parse_frames(struct conn *c, const uint8_t *p, size_t n, uint64_t t) {
  while (n > 0 && c->fd >= 0) {
    if (!c->in_payload) {
      while (n > 0 && (c->hdr_have < 2 || c->hdr_have < c->hdr_need)) {
        c->hdr[c->hdr_have++] = *p++;
        n--;
        if (c->hdr_have == 2) {
          uint8_t l = c->hdr[1] & 0x7f;
          c->hdr_need = 2 + (l == 126 ? 2 : l == 127 ? 8 : 0) + ((c->hdr[1] & 0x80) ? 4 : 0);
        }
      }
      if (c->hdr_have < 2 || c->hdr_have < c->hdr_need) return;
      uint64_t len = c->hdr[1] & 0x7f;
      if (len == 126) len = ((uint64_t)c->hdr[2] << 8) | c->hdr[3];
      else if (len == 127) {
        len = 0;
        for (int i = 0; i < 8; i++) len = (len << 8) | c->hdr[2 + i];
      }
      c->opcode = c->hdr[0] & 0x0f;
      c->fin = (c->hdr[0] & 0x80) != 0;
      c->pay_len = c->pay_rem = len;
      c->in_payload = 1;
      c->hdr_have = c->hdr_need = 0;
      c->pfx_have = 0;
    }
    size_t take = c->pay_rem < n ? (size_t)c->pay_rem : n;
    if (opt.sio)
      for (size_t k = 0; k < take && c->pfx_have < 2; k++) c->pfx[c->pfx_have++] = p[k];
    c->pay_rem -= take;
    p += take;
    n -= take;
    if (c->pay_rem == 0) {
      c->in_payload = 0;
      frame_done(c, t);
    }
  }
}

/* ---- per-connection events ------------------------------------------------------------------- */

static uint8_t rbuf[256 * 1024];

static void on_open(struct conn *c, const uint8_t *rest, size_t n, uint64_t t);

/* Event bytes of an SSE body: each event ends with a blank line, so count "\n\n". */
static void count_events(struct conn *c, const uint8_t *p, size_t n) {
  const uint8_t *start = p, *end = p + n;
  uint64_t events = 0;
  while (p < end) {
    const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) break;
    if (nl > start ? nl[-1] == '\n' : c->last_nl) events++;
    p = nl + 1;
  }
  if (n > 0) c->last_nl = end[-1] == '\n';
  if (measuring) messages += events;
  if (measuring) bytes += n;
}

/* The response body, de-chunked when the server used chunked transfer coding. */
static void on_sse_bytes(struct conn *c, const uint8_t *p, size_t n) {
  if (!c->chunked) {
    count_events(c, p, n);
    return;
  }
  const uint8_t *end = p + n;
  while (p < end) {
    if (c->chunk_state == 0) { /* size line: hex digits, optional extensions, CRLF */
      uint8_t b = *p++;
      if (b == '\n') {
        c->chunk_state = c->chunk_rem > 0 ? 1 : 3;
      } else if (!c->chunk_ext) {
        int d = b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10 : b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;
        if (d >= 0) c->chunk_rem = c->chunk_rem * 16 + (uint64_t)d;
        else c->chunk_ext = 1;
      }
    } else if (c->chunk_state == 1) { /* chunk data */
      size_t take = c->chunk_rem < (uint64_t)(end - p) ? (size_t)c->chunk_rem : (size_t)(end - p);
      count_events(c, p, take);
      p += take;
      c->chunk_rem -= take;
      if (c->chunk_rem == 0) c->chunk_state = 2;
    } else if (c->chunk_state == 2) { /* CRLF after the data */
      if (*p++ == '\n') {
        c->chunk_state = 0;
        c->chunk_ext = 0;
        c->chunk_rem = 0;
      }
    } else { /* last chunk: the stream ended */
      p = end;
    }
  }
}

static void handle(struct conn *c, uint32_t ev) {
  uint64_t t = now_ns();
  if (c->state == S_CONNECTING) {
    if (ev & (EPOLLERR | EPOLLHUP)) {
      fail_conn(c, "connect failed");
      return;
    }
    if (ev & EPOLLOUT) {
      int err = 0;
      socklen_t el = sizeof err;
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
      if (err) {
        fail_conn(c, strerror(err));
        return;
      }
      c->state = S_REQUEST;
    }
  }
  if (c->state == S_REQUEST) {
    ssize_t w = write(c->fd, c->req + c->req_off, (size_t)(c->req_len - c->req_off));
    if (w < 0 && errno != EAGAIN) {
      fail_conn(c, strerror(errno));
      return;
    }
    if (w > 0) c->req_off += (int)w;
    if (c->req_off == c->req_len) {
      c->state = S_RESPONSE;
      arm(c, EPOLLIN, EPOLL_CTL_MOD);
    }
    return;
  }
  if (c->state == S_RESPONSE) {
    if (!(ev & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
    ssize_t r = read(c->fd, c->resp + c->resp_len, sizeof c->resp - 1 - (size_t)c->resp_len);
    if (r <= 0) {
      if (r < 0 && errno == EAGAIN) return;
      fail_conn(c, r == 0 ? "closed during handshake" : strerror(errno));
      return;
    }
    c->resp_len += (int)r;
    c->resp[c->resp_len] = 0;
    char *end = strstr(c->resp, "\r\n\r\n");
    if (!end) {
      if (c->resp_len >= (int)sizeof c->resp - 1) fail_conn(c, "response head too long");
      return;
    }
    int ok = opt.mode == M_SSE ? strncmp(c->resp, "HTTP/1.1 200", 12) == 0 : strncmp(c->resp, "HTTP/1.1 101", 12) == 0;
    if (!ok) {
      fail_conn(c, "unexpected status");
      return;
    }
    size_t head = (size_t)(end + 4 - c->resp);
    if (opt.mode == M_SSE) {
      *end = 0;
      c->chunked = strcasestr(c->resp, "transfer-encoding: chunked") != NULL;
    }
    on_open(c, (const uint8_t *)c->resp + head, (size_t)c->resp_len - head, t);
    return;
  }
  if (c->state != S_OPEN) return;
  if (ev & EPOLLIN) {
    ssize_t r = read(c->fd, rbuf, sizeof rbuf);
    if (r == 0 || (r < 0 && errno != EAGAIN)) {
      fail_conn(c, r == 0 ? "server closed the connection" : strerror(errno));
      return;
    }
    if (r > 0) {
      if (opt.mode == M_ECHO || opt.mode == M_IDLE || opt.mode == M_BCAST) parse_frames(c, rbuf, (size_t)r, t);
      else if (opt.mode == M_SSE) on_sse_bytes(c, rbuf, (size_t)r);
    }
  } else if (ev & (EPOLLERR | EPOLLHUP)) {
    fail_conn(c, "socket error");
    return;
  }
  if ((opt.mode == M_ECHO || opt.hello) && c->fd >= 0 && (c->to_send > 0 || (ev & EPOLLOUT))) flush_out(c);
  if (opt.sio && c->fd >= 0 && c->ctl_len > c->ctl_off && (ev & EPOLLOUT)) flush_ctl(c);
}

static void on_open(struct conn *c, const uint8_t *rest, size_t n, uint64_t t) {
  n_pending--;
  if (opt.mode == M_HANDSHAKE) {
    if (measuring) {
      messages++;
      hist_add(t - c->t_start);
    }
    c->state = S_OPEN;
    n_open++;
    close_conn(c, 1);
    if (!stopping) start_conn(c);
    return;
  }
  c->state = S_OPEN;
  n_open++;
  arm(c, EPOLLIN, EPOLL_CTL_MOD);
  if (opt.mode == M_SSE) on_sse_bytes(c, rest, n);
  else if ((opt.mode == M_ECHO || opt.mode == M_IDLE || opt.mode == M_BCAST) && n > 0) parse_frames(c, rest, n, t);
  if (opt.mode == M_IDLE && opt.hello && c->fd >= 0) {
    queue_frames(c, 1, t);
    flush_out(c);
  }
}

/* ---- main ------------------------------------------------------------------------------------- */

static void usage(void) {
  fprintf(stderr,
          "usage: loadgen echo|handshake|idle|sse|bcast --port P [--conns N] [--inflight W] [--size B] [--text 0|1]\n"
          "       [--zero-mask 0|1] [--warmup-ms MS] [--duration-ms MS] [--timeout-ms MS] [--server-pid PID]\n"
          "       [--max-pending N] [--path /p] [--coalesce-us US] [--server-core N] [--frames-file F]\n"
          "       [--extensions 'permessage-deflate; ...'] [--hello 0|1 (idle: one echo per connection first)]\n"
          "       [--sio 0|1 (bcast: socket.io clients)] [--port2 P (odd connections)] [--cpu-pids A,B,...]\n"
          "       [--header 'Name: value' (one more handshake header line, e.g. a Cookie)]\n");
  exit(2);
}

static void print_result(double seconds, double srv_cpu, double gen_cpu, double core_busy, double core_irq, double faults,
                         const char *status, int open_at_end) {
  double p50 = hist_pct(0.50), p99 = hist_pct(0.99);
  /* --cpu-pids: each process's CPU seconds and minor faults over the window (-1 when unreadable). */
  char pid_cpu_list[MAX_CPU_PIDS * 24] = "", pid_flt_list[MAX_CPU_PIDS * 24] = "";
  for (int i = 0; i < n_cpu_pids; i++) {
    int ok = seconds > 0 && pid_cpu0[i] >= 0 && pid_cpu1[i] >= 0;
    int fok = seconds > 0 && pid_flt0[i] >= 0 && pid_flt1[i] >= 0;
    snprintf(pid_cpu_list + strlen(pid_cpu_list), 24, "%s%.4f", i ? "," : "", ok ? pid_cpu1[i] - pid_cpu0[i] : -1.0);
    snprintf(pid_flt_list + strlen(pid_flt_list), 24, "%s%.0f", i ? "," : "", fok ? pid_flt1[i] - pid_flt0[i] : -1.0);
  }
  printf("{\"status\":\"%s\",\"mode\":\"%s\",\"conns\":%d,\"open\":%d,\"messages\":%llu,\"bytes\":%llu,"
         "\"seconds\":%.6f,\"msgPerSec\":%.1f,\"mbPerSec\":%.3f,\"p50us\":%.1f,\"p99us\":%.1f,"
         "\"serverCpuSec\":%.4f,\"genCpuSec\":%.4f,\"genCpuPct\":%.1f,\"serverCoreBusySec\":%.4f,\"serverCoreIrqSec\":%.4f,\"serverMinorFaults\":%.0f,\"errors\":%d,\"sioPings\":%llu,"
         "\"messagesPort2\":%llu,\"pidCpuSec\":[%s],\"pidFaults\":[%s],\"generator\":\"c\"}\n",
         status, opt.mode == M_ECHO ? "echo" : opt.mode == M_HANDSHAKE ? "handshake" : opt.mode == M_IDLE ? "idle" : opt.mode == M_SSE ? "sse" : "bcast",
         opt.conns, open_at_end, (unsigned long long)messages, (unsigned long long)bytes, seconds,
         seconds > 0 ? messages / seconds : 0, seconds > 0 ? bytes / seconds / 1e6 : 0, p50, p99, srv_cpu, gen_cpu,
         seconds > 0 ? 100.0 * gen_cpu / seconds : 0, core_busy, core_irq, faults, n_errors, (unsigned long long)sio_pings,
         (unsigned long long)messages_port2, pid_cpu_list, pid_flt_list);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc < 2) usage();
  if (!strcmp(argv[1], "echo")) opt.mode = M_ECHO;
  else if (!strcmp(argv[1], "handshake")) opt.mode = M_HANDSHAKE;
  else if (!strcmp(argv[1], "idle")) opt.mode = M_IDLE;
  else if (!strcmp(argv[1], "sse")) opt.mode = M_SSE;
  else if (!strcmp(argv[1], "bcast")) opt.mode = M_BCAST;
  else usage();
  for (int i = 2; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--port")) opt.port = atoi(v);
    else if (!strcmp(k, "--conns")) opt.conns = atoi(v);
    else if (!strcmp(k, "--inflight")) opt.inflight = atoi(v);
    else if (!strcmp(k, "--size")) opt.size = (size_t)strtoull(v, NULL, 10);
    else if (!strcmp(k, "--text")) opt.text = atoi(v);
    else if (!strcmp(k, "--zero-mask")) opt.zero_mask = atoi(v);
    else if (!strcmp(k, "--warmup-ms")) opt.warmup_ms = atol(v);
    else if (!strcmp(k, "--duration-ms")) opt.duration_ms = atol(v);
    else if (!strcmp(k, "--timeout-ms")) opt.timeout_ms = atol(v);
    else if (!strcmp(k, "--server-pid")) opt.server_pid = atoi(v);
    else if (!strcmp(k, "--max-pending")) opt.max_pending = atoi(v);
    else if (!strcmp(k, "--path")) opt.path = v;
    else if (!strcmp(k, "--coalesce-us")) opt.coalesce_us = atol(v);
    else if (!strcmp(k, "--server-core")) opt.server_core = atoi(v);
    else if (!strcmp(k, "--frames-file")) opt.frames_file = v;
    else if (!strcmp(k, "--extensions")) opt.extensions = v;
    else if (!strcmp(k, "--hello")) opt.hello = atoi(v);
    else if (!strcmp(k, "--sio")) opt.sio = atoi(v);
    else if (!strcmp(k, "--port2")) opt.port2 = atoi(v);
    else if (!strcmp(k, "--cpu-pids")) opt.cpu_pids = v;
    else if (!strcmp(k, "--header")) opt.header = v;
    else usage();
  }
  if (opt.port <= 0 || opt.conns <= 0 || opt.inflight <= 0) usage();
  if (opt.mode == M_SSE && !strcmp(opt.path, "/")) opt.path = "/sse";
  if (opt.sio && opt.mode != M_BCAST) usage();
  if (opt.mode == M_BCAST && !strcmp(opt.path, "/")) opt.path = opt.sio ? "/socket.io/?EIO=4&transport=websocket" : "/bcast";
  if (opt.timeout_ms <= 0) opt.timeout_ms = opt.warmup_ms + opt.duration_ms + 60000;
  signal(SIGPIPE, SIG_IGN);

  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (getrandom(&rng_state, sizeof rng_state, 0) != sizeof rng_state || rng_state == 0) rng_state = (uint64_t)now_ns() | 1;

  hist = calloc(HIST_BUCKETS, sizeof *hist);
  if (opt.frames_file) load_pool(opt.frames_file);
  else if (opt.mode == M_ECHO || opt.hello) build_pool();
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)opt.port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr2 = addr;
  addr2.sin_port = htons((uint16_t)opt.port2);
  if (opt.port2 < 0 || (opt.port2 > 0 && opt.mode != M_BCAST)) usage();
  for (const char *p = opt.cpu_pids; p && *p && n_cpu_pids < MAX_CPU_PIDS;) {
    cpu_pids[n_cpu_pids++] = atoi(p);
    p = strchr(p, ',');
    if (p) p++;
  }

  epfd = epoll_create1(EPOLL_CLOEXEC);
  conns = calloc((size_t)opt.conns, sizeof *conns);
  for (int i = 0; i < opt.conns; i++) {
    conns[i].fd = -1;
    conns[i].state = S_DEAD;
    if (opt.mode == M_ECHO || opt.hello) conns[i].ring = calloc((size_t)opt.inflight, sizeof(uint64_t));
  }
  if (opt.mode == M_IDLE) {
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &ev);
  }

  uint64_t t0 = now_ns();
  uint64_t deadline = t0 + (uint64_t)opt.timeout_ms * 1000000ull;
  int next = 0;
  int all_open = opt.mode == M_HANDSHAKE;
  uint64_t t_ready = all_open ? t0 : 0, t_measure = 0, t_end = 0;
  double srv0 = 0, gen0 = 0, core0 = -1, irq0 = -1, flt0 = -1;
  struct epoll_event evs[1024];
  const char *status = "ok";

  for (;;) {
    /* Open connections, at most max_pending handshakes at a time (handshake mode: conns slots). */
    while (next < opt.conns && n_pending < (opt.mode == M_HANDSHAKE ? opt.conns : opt.max_pending)) start_conn(&conns[next++]);

    uint64_t t = now_ns();
    if (t > deadline) {
      status = "timeout";
      fprintf(stderr, "loadgen: timed out (open %d of %d, errors %d)\n", n_open, opt.conns, n_errors);
      break;
    }
    /* idle --hello: every connection has echoed once; socket.io: every client's CONNECT is answered */
    if (!all_open && n_open == opt.conns && (!((opt.mode == M_IDLE && opt.hello) || opt.sio) || n_ready == opt.conns)) {
      all_open = 1;
      t_ready = t;
      printf("READY %d\n", n_open);
      fflush(stdout);
      if (opt.mode == M_ECHO)
        for (int i = 0; i < opt.conns; i++) {
          queue_frames(&conns[i], opt.inflight, t);
          flush_out(&conns[i]);
        }
    }
    if (!all_open && next == opt.conns && n_pending == 0 && n_open < opt.conns) {
      status = "connect-failed";
      fprintf(stderr, "loadgen: only %d of %d connections opened\n", n_open, opt.conns);
      break;
    }
    if (opt.mode != M_IDLE && all_open) {
      if (!measuring && !t_measure && t >= t_ready + (uint64_t)opt.warmup_ms * 1000000ull) {
        srv0 = server_cpu_s(&flt0);
        sample_pids(pid_cpu0, pid_flt0);
        gen0 = self_cpu_s();
        core0 = core_busy_s(opt.server_core, &irq0);
        t_measure = now_ns();
        measuring = 1;
      } else if (measuring && t >= t_measure + (uint64_t)opt.duration_ms * 1000000ull) {
        t_end = now_ns();
        measuring = 0;
        break;
      }
    }
    int timeout = 5;
    int n = epoll_wait(epfd, evs, 1024, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("epoll_wait");
      exit(3);
    }
    int stdin_ready = 0;
    for (int i = 0; i < n; i++) {
      struct conn *c = evs[i].data.ptr;
      if (!c) stdin_ready = 1;
      else if (c->fd >= 0) handle(c, evs[i].events);
    }
    /* Let echoes pile up between polls: fewer, larger reads and writes per message. Only for
       pipelined runs, where thousands of messages are in flight and a pause costs no throughput. */
    if (opt.coalesce_us > 0 && all_open && n < 1024) {
      struct timespec ts = {0, opt.coalesce_us * 1000};
      nanosleep(&ts, NULL);
    }
    if (opt.mode == M_IDLE && all_open) {
      if (stdin_ready) break;
      if (n_open < opt.conns) {
        status = "lost-connections";
        break;
      }
    }
    if (opt.mode != M_HANDSHAKE && opt.mode != M_IDLE && all_open && n_open < opt.conns) {
      status = "lost-connections";
      break;
    }
  }

  stopping = 1;
  int open_at_end = n_open;
  double irq1 = -1, flt1 = -1;
  double srv1 = server_cpu_s(&flt1), gen1 = self_cpu_s(), core1 = core_busy_s(opt.server_core, &irq1);
  sample_pids(pid_cpu1, pid_flt1);
  if (!t_end) t_end = now_ns();
  double seconds = t_measure ? (double)(t_end - t_measure) / 1e9 : 0;
  int reset = opt.mode == M_HANDSHAKE;
  for (int i = 0; i < opt.conns; i++) close_conn(&conns[i], reset);
  if (opt.mode == M_IDLE) seconds = (double)(now_ns() - t0) / 1e9;
  double srv = (t_measure && srv0 >= 0 && srv1 >= 0) ? srv1 - srv0 : -1;
  double gen = t_measure ? gen1 - gen0 : gen1;
  double core = (t_measure && core0 >= 0 && core1 >= 0) ? core1 - core0 : -1;
  double irq = (t_measure && irq0 >= 0 && irq1 >= 0) ? irq1 - irq0 : -1;
  double faults = (t_measure && flt0 >= 0 && flt1 >= 0) ? flt1 - flt0 : -1;
  print_result(seconds, srv, gen, core, irq, faults, status, open_at_end);
  return strcmp(status, "ok") == 0 ? 0 : 1;
}
