/*
 * fastpath: the media hot path's native parts, a Node-API addon (Linux).
 *
 * 1. Batched UDP I/O (recvmmsg/sendmmsg), below.
 * 2. AES-128-GCM for SRTP (RFC 7714) with one OpenSSL context per key, reused for every packet (node:crypto
 *    makes a cipher object per packet: createCipheriv, setAAD, update, final, getAuthTag). Node exports its
 *    OpenSSL's symbols for addons; its headers are in Node's include directory.
 *
 * Batched UDP I/O:
 *
 * Node's dgram costs ~15 µs of JavaScript and libuv work per datagram on top of the kernel's own (a Buffer,
 * a RemoteInfo object and an event per received datagram; a lookup, a nextTick and a SendWrap per sent one).
 * Here a socket's readable event reads what it has with recvmmsg into one receive area shared by every socket
 * of the thread, and JavaScript is called once per event loop iteration (a check handle, after libuv polled
 * every ready socket) or when the area is full, with every datagram of every socket: one entry into
 * JavaScript for many sockets' datagrams, as a poll-mode packet processor does. Sends from any socket are
 * queued in one shared area and written with one sendmmsg per run of the same socket when JavaScript flushes.
 *
 * Areas (ArrayBuffers owned by JavaScript, handed over once per thread by init):
 *   rx      slots × slotSize bytes             received datagram i at i × slotSize
 *   rxMeta  Uint32 × 4 per slot                 length (0xFFFFFFFF when truncated), IPv4 address, port, socket id
 *   tx      txSlots × slotSize bytes           queued datagram i at i × slotSize
 *   txMeta  Uint32 × 4 per tx slot              length, IPv4 address, port, fd
 * IPv4 only: the simulator's hosts are on 127.0.0.0/8.
 *
 * A socket is opened on an address and port, or adopts a socket Node already has (its fd is duplicated, so
 * this addon's poll watcher and libuv's never share an fd; the caller stops libuv's reading meanwhile).
 * Closing stops the watcher and closes the fd in libuv's close callback. An async cleanup hook per socket
 * closes what a worker thread left open when it ends.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <node_api.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define TRUNCATED 0xFFFFFFFFu
#define MAX_ROUNDS 8 /* recvmmsg calls per readable event before yielding to the loop */

typedef struct {
  napi_ref rx_ref, rx_meta_ref, tx_ref, tx_meta_ref;
  uint8_t *rx, *tx;
  uint32_t *rx_meta, *tx_meta;
  uint32_t slots, tx_slots, slot_size;
  struct mmsghdr *rx_msgs, *tx_msgs;
  struct iovec *rx_iov, *tx_iov;
  struct sockaddr_in *rx_addr, *tx_addr;
  /* datagrams in the receive area not yet handed to JavaScript */
  uint32_t pending;
  napi_env env;
  napi_ref dispatch;
  napi_async_context async_ctx;
  uv_check_t *check;
  napi_async_cleanup_hook_handle cleanup;
} thread_io;

typedef struct bsock {
  napi_env env;
  thread_io *io;
  int fd;
  int polling;
  int closed;
  uv_poll_t poll;
  uint32_t id;
  napi_async_cleanup_hook_handle cleanup;
} bsock;

#define CHECK(env, call)                                    \
  do {                                                      \
    if ((call) != napi_ok) {                                \
      napi_throw_error((env), "GWSIM_ERR_NATIVE", #call);   \
      return NULL;                                          \
    }                                                       \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_throw_error(env, "GWSIM_ERR_TRANSPORT", message);
  return NULL;
}

static void free_io(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  thread_io *io = data;
  if (io == NULL) return;
  free(io->rx_msgs);
  free(io->tx_msgs);
  free(io->rx_iov);
  free(io->tx_iov);
  free(io->rx_addr);
  free(io->tx_addr);
  free(io);
}

static int arraybuffer(napi_env env, napi_value value, void **data, size_t *length) {
  bool is;
  if (napi_is_arraybuffer(env, value, &is) != napi_ok || !is) return 0;
  return napi_get_arraybuffer_info(env, value, data, length) == napi_ok;
}

static void dispatch(thread_io *io);

static void on_check(uv_check_t *check) {
  thread_io *io = check->data;
  if (io->pending > 0) dispatch(io);
}

static void free_check(uv_handle_t *handle) {
  free(handle);
}

static void on_io_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  thread_io *io = arg;
  if (io->dispatch) napi_delete_reference(io->env, io->dispatch);
  if (io->async_ctx) napi_async_destroy(io->env, io->async_ctx);
  io->dispatch = NULL;
  io->async_ctx = NULL;
  if (io->check) {
    uv_check_stop(io->check);
    uv_close((uv_handle_t *)io->check, free_check);
    io->check = NULL;
  }
  napi_remove_async_cleanup_hook(handle);
}

/* init(rx, rxMeta, tx, txMeta, slotSize, dispatch): once per thread (JavaScript keeps the areas; we keep references). */
static napi_value init(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  thread_io *existing = NULL;
  if (napi_get_instance_data(env, (void **)&existing) == napi_ok && existing != NULL) {
    napi_throw_error(env, "GWSIM_ERR_ILLEGAL_STATE", "udp-batch: init called twice on this thread");
    return NULL;
  }
  void *rx, *rx_meta, *tx, *tx_meta;
  size_t rx_len, rx_meta_len, tx_len, tx_meta_len;
  uint32_t slot_size;
  napi_valuetype fn_type;
  if (argc < 6 || napi_typeof(env, argv[5], &fn_type) != napi_ok || fn_type != napi_function || !arraybuffer(env, argv[0], &rx, &rx_len) || !arraybuffer(env, argv[1], &rx_meta, &rx_meta_len) ||
      !arraybuffer(env, argv[2], &tx, &tx_len) || !arraybuffer(env, argv[3], &tx_meta, &tx_meta_len) ||
      napi_get_value_uint32(env, argv[4], &slot_size) != napi_ok || slot_size == 0) {
    napi_throw_type_error(env, "GWSIM_ERR_INVALID_ARGUMENT", "udp-batch init(rx, rxMeta, tx, txMeta, slotSize, dispatch)");
    return NULL;
  }
  uint32_t slots = (uint32_t)(rx_meta_len / 16), tx_slots = (uint32_t)(tx_meta_len / 16);
  if (slots == 0 || tx_slots == 0 || rx_len < (size_t)slots * slot_size || tx_len < (size_t)tx_slots * slot_size) {
    napi_throw_range_error(env, "GWSIM_ERR_INVALID_ARGUMENT", "udp-batch init: areas too small for their slots");
    return NULL;
  }
  thread_io *io = calloc(1, sizeof *io);
  if (io == NULL) return throw_errno(env, "udp-batch init", ENOMEM);
  io->rx = rx;
  io->tx = tx;
  io->rx_meta = rx_meta;
  io->tx_meta = tx_meta;
  io->slots = slots;
  io->tx_slots = tx_slots;
  io->slot_size = slot_size;
  io->rx_msgs = calloc(slots, sizeof *io->rx_msgs);
  io->rx_iov = calloc(slots, sizeof *io->rx_iov);
  io->rx_addr = calloc(slots, sizeof *io->rx_addr);
  io->tx_msgs = calloc(tx_slots, sizeof *io->tx_msgs);
  io->tx_iov = calloc(tx_slots, sizeof *io->tx_iov);
  io->tx_addr = calloc(tx_slots, sizeof *io->tx_addr);
  if (!io->rx_msgs || !io->rx_iov || !io->rx_addr || !io->tx_msgs || !io->tx_iov || !io->tx_addr) {
    free_io(env, io, NULL);
    return throw_errno(env, "udp-batch init", ENOMEM);
  }
  for (uint32_t i = 0; i < slots; i++) {
    io->rx_iov[i].iov_base = io->rx + (size_t)i * slot_size;
    io->rx_iov[i].iov_len = slot_size;
    io->rx_msgs[i].msg_hdr.msg_iov = &io->rx_iov[i];
    io->rx_msgs[i].msg_hdr.msg_iovlen = 1;
    io->rx_msgs[i].msg_hdr.msg_name = &io->rx_addr[i];
  }
  for (uint32_t i = 0; i < tx_slots; i++) {
    io->tx_iov[i].iov_base = io->tx + (size_t)i * slot_size;
    io->tx_msgs[i].msg_hdr.msg_iov = &io->tx_iov[i];
    io->tx_msgs[i].msg_hdr.msg_iovlen = 1;
    io->tx_msgs[i].msg_hdr.msg_name = &io->tx_addr[i];
    io->tx_msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
    io->tx_addr[i].sin_family = AF_INET;
  }
  if (napi_create_reference(env, argv[0], 1, &io->rx_ref) != napi_ok || napi_create_reference(env, argv[1], 1, &io->rx_meta_ref) != napi_ok ||
      napi_create_reference(env, argv[2], 1, &io->tx_ref) != napi_ok || napi_create_reference(env, argv[3], 1, &io->tx_meta_ref) != napi_ok ||
      napi_set_instance_data(env, io, free_io, NULL) != napi_ok) {
    free_io(env, io, NULL);
    napi_throw_error(env, "GWSIM_ERR_NATIVE", "udp-batch init: could not keep the areas");
    return NULL;
  }
  /* from here the instance data owns io: a failure leaves it half set up, and init cannot be called again */
  io->env = env;
  uv_loop_t *loop;
  napi_value resource, name;
  io->check = calloc(1, sizeof *io->check);
  if (io->check == NULL || napi_get_uv_event_loop(env, &loop) != napi_ok || uv_check_init(loop, io->check) != 0) {
    free(io->check);
    io->check = NULL;
    napi_throw_error(env, "GWSIM_ERR_NATIVE", "udp-batch init: no check handle");
    return NULL;
  }
  io->check->data = io;
  uv_check_start(io->check, on_check);
  uv_unref((uv_handle_t *)io->check); /* sockets keep the loop alive, not the dispatcher */
  if (napi_create_reference(env, argv[5], 1, &io->dispatch) != napi_ok || napi_create_object(env, &resource) != napi_ok ||
      napi_create_string_utf8(env, "gwsim.UdpBatch", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, resource, name, &io->async_ctx) != napi_ok || napi_add_async_cleanup_hook(env, on_io_cleanup, io, &io->cleanup) != napi_ok) {
    napi_throw_error(env, "GWSIM_ERR_NATIVE", "udp-batch init: could not register the dispatcher");
    return NULL;
  }
  napi_value result;
  CHECK(env, napi_create_uint32(env, slots, &result));
  return result;
}

static thread_io *get_io(napi_env env) {
  thread_io *io = NULL;
  if (napi_get_instance_data(env, (void **)&io) != napi_ok || io == NULL) {
    napi_throw_error(env, "GWSIM_ERR_ILLEGAL_STATE", "udp-batch: init not called on this thread");
    return NULL;
  }
  return io;
}

/* Hand every datagram in the receive area to JavaScript in one call, and empty the area. */
static void dispatch(thread_io *io) {
  uint32_t count = io->pending;
  napi_env env = io->env;
  if (count == 0 || io->dispatch == NULL) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, arg, result;
  if (napi_get_reference_value(env, io->dispatch, &fn) == napi_ok && fn != NULL && napi_get_global(env, &recv) == napi_ok &&
      napi_create_uint32(env, count, &arg) == napi_ok) {
    if (napi_make_callback(env, io->async_ctx, recv, fn, 1, &arg, &result) == napi_pending_exception) {
      napi_value error;
      if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
  io->pending = 0;
}

static void on_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  bsock *s = poll->data;
  thread_io *io = s->io;
  if (status < 0) return;
  for (int round = 0; round < MAX_ROUNDS && s->polling && !s->closed; round++) {
    if (io->pending == io->slots) {
      dispatch(io); /* the area is full: JavaScript takes it now (and may close or pause this socket) */
      if (s->closed || !s->polling) break;
    }
    uint32_t at = io->pending, room = io->slots - at;
    for (uint32_t i = at; i < io->slots; i++) {
      io->rx_msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
      io->rx_msgs[i].msg_hdr.msg_flags = 0;
    }
    int n = recvmmsg(s->fd, io->rx_msgs + at, room, MSG_DONTWAIT, NULL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (uint32_t i = at; i < at + (uint32_t)n; i++) {
      struct msghdr *h = &io->rx_msgs[i].msg_hdr;
      uint32_t *m = io->rx_meta + (size_t)i * 4;
      int ipv4 = h->msg_namelen >= sizeof(struct sockaddr_in) && io->rx_addr[i].sin_family == AF_INET;
      m[0] = (h->msg_flags & MSG_TRUNC) ? TRUNCATED : io->rx_msgs[i].msg_len;
      m[1] = ipv4 ? ntohl(io->rx_addr[i].sin_addr.s_addr) : 0;
      m[2] = ipv4 ? ntohs(io->rx_addr[i].sin_port) : 0;
      m[3] = s->id;
    }
    io->pending += (uint32_t)n;
    if ((uint32_t)n < room) break; /* the socket is drained; the check handle dispatches after the poll phase */
  }
}

static void on_closed(uv_handle_t *handle) {
  bsock *s = handle->data;
  if (s->fd >= 0) close(s->fd);
  if (s->cleanup) napi_remove_async_cleanup_hook(s->cleanup);
  free(s);
}

static void close_socket(bsock *s) {
  if (s->closed) return;
  s->closed = 1;
  s->polling = 0;
  uv_poll_stop(&s->poll);
  uv_close((uv_handle_t *)&s->poll, on_closed);
}

static void on_env_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  (void)handle;
  close_socket(arg); /* on_closed removes the hook, which tells Node the cleanup is done */
}

static void finalize_socket(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  (void)hint; /* the socket lives until closed (its watcher keeps the loop alive, as a dgram socket would) */
}

static bsock *get_socket(napi_env env, napi_value value) {
  bsock *s = NULL;
  if (napi_get_value_external(env, value, (void **)&s) != napi_ok || s == NULL) {
    napi_throw_type_error(env, "GWSIM_ERR_INVALID_ARGUMENT", "udp-batch: not a socket handle");
    return NULL;
  }
  if (s->closed) {
    napi_throw_error(env, "GWSIM_ERR_ILLEGAL_STATE", "udp-batch: socket closed");
    return NULL;
  }
  return s;
}

/* open(fd, address, port, id) → handle: fd ≥ 0 adopts (dup) that socket; otherwise binds address:port. Its datagrams carry id. */
static napi_value open_socket(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  thread_io *io = get_io(env);
  if (io == NULL) return NULL;
  int32_t adopt;
  uint32_t port, id;
  char address[64];
  size_t address_length;
  if (argc < 4 || napi_get_value_int32(env, argv[0], &adopt) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], address, sizeof address, &address_length) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &port) != napi_ok || port > 65535 || napi_get_value_uint32(env, argv[3], &id) != napi_ok) {
    napi_throw_type_error(env, "GWSIM_ERR_INVALID_ARGUMENT", "udp-batch open(fd, address, port, id)");
    return NULL;
  }
  int fd;
  if (adopt >= 0) {
    fd = fcntl(adopt, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return throw_errno(env, "udp-batch adopt", errno);
    int type = 0, family = 0;
    socklen_t length = sizeof type;
    struct sockaddr_in local;
    socklen_t local_length = sizeof local;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || type != SOCK_DGRAM ||
        getsockname(fd, (struct sockaddr *)&local, &local_length) != 0 || (family = local.sin_family) != AF_INET) {
      int err = errno;
      close(fd);
      return throw_errno(env, "udp-batch adopt: not a bound IPv4 UDP socket", family != AF_INET && type == SOCK_DGRAM ? EAFNOSUPPORT : err);
    }
    /* O_NONBLOCK is shared with the original descriptor (libuv set it); reads here use MSG_DONTWAIT anyway */
  } else {
    struct sockaddr_in bind_to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, address, &bind_to.sin_addr) != 1) {
      napi_throw_type_error(env, "GWSIM_ERR_INVALID_ARGUMENT", "udp-batch open: address is not an IPv4 address");
      return NULL;
    }
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return throw_errno(env, "udp-batch socket", errno);
    if (bind(fd, (struct sockaddr *)&bind_to, sizeof bind_to) != 0) {
      int err = errno;
      close(fd);
      return throw_errno(env, "udp-batch bind", err);
    }
  }
  bsock *s = calloc(1, sizeof *s);
  if (s == NULL) {
    close(fd);
    return throw_errno(env, "udp-batch open", ENOMEM);
  }
  s->env = env;
  s->io = io;
  s->fd = fd;
  s->id = id;
  uv_loop_t *loop;
  napi_value handle;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &s->poll, fd) != 0) {
    close(fd);
    free(s);
    napi_throw_error(env, "GWSIM_ERR_NATIVE", "udp-batch open: no poll watcher");
    return NULL;
  }
  s->poll.data = s;
  if (napi_add_async_cleanup_hook(env, on_env_cleanup, s, &s->cleanup) != napi_ok ||
      napi_create_external(env, s, finalize_socket, NULL, &handle) != napi_ok) {
    close_socket(s);
    napi_throw_error(env, "GWSIM_ERR_NATIVE", "udp-batch open: could not register the socket");
    return NULL;
  }
  return handle;
}

/* The open socket a one-argument call is about (an error is thrown when it is none). */
static bsock *socket_arg(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    napi_throw_type_error(env, "GWSIM_ERR_INVALID_ARGUMENT", "udp-batch: a socket handle is required");
    return NULL;
  }
  return get_socket(env, argv[0]);
}

/* port(handle) → the bound local port */
static napi_value local_port(napi_env env, napi_callback_info info) {
  napi_value result;
  bsock *s = socket_arg(env, info);
  if (s == NULL) return NULL;
  struct sockaddr_in local;
  socklen_t length = sizeof local;
  if (getsockname(s->fd, (struct sockaddr *)&local, &length) != 0) return throw_errno(env, "udp-batch getsockname", errno);
  CHECK(env, napi_create_uint32(env, ntohs(local.sin_port), &result));
  return result;
}

/* fd(handle) → the descriptor this addon reads and writes (queue tx entries with it) */
static napi_value socket_fd(napi_env env, napi_callback_info info) {
  napi_value result;
  bsock *s = socket_arg(env, info);
  if (s == NULL) return NULL;
  CHECK(env, napi_create_int32(env, s->fd, &result));
  return result;
}

/* receive(handle, on): start or stop reading */
static napi_value receive(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  bool on;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bsock *s = argc < 2 ? NULL : get_socket(env, argv[0]);
  if (s == NULL) return NULL;
  CHECK(env, napi_get_value_bool(env, argv[1], &on));
  if (on && !s->polling) {
    int err = uv_poll_start(&s->poll, UV_READABLE, on_readable);
    if (err != 0) return throw_errno(env, "udp-batch receive", -err);
    s->polling = 1;
  } else if (!on && s->polling) {
    uv_poll_stop(&s->poll);
    s->polling = 0;
  }
  return NULL;
}

/* pending() → datagrams in the receive area not yet handed to JavaScript */
static napi_value pending(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  thread_io *io = get_io(env);
  if (io == NULL) return NULL;
  CHECK(env, napi_create_uint32(env, io->pending, &result));
  return result;
}

/* close(handle): idempotent */
static napi_value close_handle(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bsock *s = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&s) != napi_ok || s == NULL) {
    napi_throw_type_error(env, "GWSIM_ERR_INVALID_ARGUMENT", "udp-batch: not a socket handle");
    return NULL;
  }
  close_socket(s);
  return NULL;
}

/*
 * flush(count) → datagrams the kernel took: sends tx entries 0..count-1, one sendmmsg per run of entries with the
 * same fd. A datagram the kernel refuses (EAGAIN: send buffer full; an error) is dropped, as UDP would.
 */
static napi_value flush(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  uint32_t count;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  thread_io *io = get_io(env);
  if (io == NULL) return NULL;
  if (argc < 1 || napi_get_value_uint32(env, argv[0], &count) != napi_ok || count > io->tx_slots) {
    napi_throw_range_error(env, "GWSIM_ERR_INVALID_ARGUMENT", "udp-batch flush(count): count above the tx slots");
    return NULL;
  }
  uint32_t sent = 0;
  for (uint32_t start = 0; start < count;) {
    int fd = (int)io->tx_meta[(size_t)start * 4 + 3];
    uint32_t end = start;
    while (end < count && (int)io->tx_meta[(size_t)end * 4 + 3] == fd) {
      const uint32_t *m = io->tx_meta + (size_t)end * 4;
      io->tx_iov[end].iov_len = m[0] <= io->slot_size ? m[0] : io->slot_size;
      io->tx_addr[end].sin_addr.s_addr = htonl(m[1]);
      io->tx_addr[end].sin_port = htons((uint16_t)m[2]);
      end++;
    }
    uint32_t at = start;
    while (at < end) {
      int n = sendmmsg(fd, io->tx_msgs + at, end - at, MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        at++; /* this datagram is refused (e.g. EAGAIN, or an error the socket reports): drop it, go on */
        continue;
      }
      sent += (uint32_t)n;
      at += (uint32_t)n;
    }
    start = end;
  }
  CHECK(env, napi_create_uint32(env, sent, &result));
  return result;
}

/* ---- AES-128-GCM ---- */

typedef struct {
  EVP_CIPHER_CTX *seal, *open;
} gcm_key;

static void free_gcm(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  gcm_key *k = data;
  EVP_CIPHER_CTX_free(k->seal);
  EVP_CIPHER_CTX_free(k->open);
  free(k);
}

static int bytes(napi_env env, napi_value value, uint8_t **data, size_t *length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  bool is;
  if (napi_is_typedarray(env, value, &is) != napi_ok || !is) return 0;
  if (napi_get_typedarray_info(env, value, &type, length, (void **)data, &buffer, &offset) != napi_ok || type != napi_uint8_array) return 0;
  return 1;
}

/* gcmKey(key: 16 bytes) → handle */
static napi_value gcm_create(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], handle;
  uint8_t *key;
  size_t key_length;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !bytes(env, argv[0], &key, &key_length) || key_length != 16) {
    napi_throw_type_error(env, "GWSIM_ERR_INVALID_ARGUMENT", "fastpath gcmKey(key): a 16-byte Uint8Array");
    return NULL;
  }
  gcm_key *k = calloc(1, sizeof *k);
  if (k == NULL) return throw_errno(env, "fastpath gcmKey", ENOMEM);
  k->seal = EVP_CIPHER_CTX_new();
  k->open = EVP_CIPHER_CTX_new();
  if (k->seal == NULL || k->open == NULL || EVP_EncryptInit_ex(k->seal, EVP_aes_128_gcm(), NULL, key, NULL) != 1 ||
      EVP_DecryptInit_ex(k->open, EVP_aes_128_gcm(), NULL, key, NULL) != 1 || EVP_CIPHER_CTX_ctrl(k->seal, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
      EVP_CIPHER_CTX_ctrl(k->open, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 || napi_create_external(env, k, free_gcm, NULL, &handle) != napi_ok) {
    free_gcm(env, k, NULL);
    napi_throw_error(env, "GWSIM_ERR_NATIVE", "fastpath gcmKey: OpenSSL refused the AES-128-GCM context");
    return NULL;
  }
  return handle;
}

/*
 * Shared by seal and open: the key, the packet (header = AAD, then payload, then the 16-byte tag), the IV, and an
 * optional second AAD part that follows the header in the AAD (SRTCP's E flag and index, RFC 7714 §9.3).
 */
static gcm_key *gcm_args(napi_env env, napi_callback_info info, uint8_t **packet, uint32_t *header, uint32_t *length, uint8_t **iv, uint8_t **aad2,
                         size_t *aad2_length) {
  size_t argc = 6;
  napi_value argv[6];
  gcm_key *k = NULL;
  size_t packet_size, iv_size;
  napi_valuetype extra = napi_undefined;
  *aad2 = NULL;
  *aad2_length = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5 || napi_get_value_external(env, argv[0], (void **)&k) != napi_ok ||
      k == NULL || !bytes(env, argv[1], packet, &packet_size) || napi_get_value_uint32(env, argv[2], header) != napi_ok ||
      napi_get_value_uint32(env, argv[3], length) != napi_ok || !bytes(env, argv[4], iv, &iv_size) || iv_size != 12 || *header > *length ||
      (size_t)*length + 16 > packet_size || *length > INT32_MAX - 16 || (argc > 5 && napi_typeof(env, argv[5], &extra) != napi_ok) ||
      (extra != napi_undefined && (!bytes(env, argv[5], aad2, aad2_length) || *aad2_length > 64))) {
    napi_throw_type_error(env, "GWSIM_ERR_INVALID_ARGUMENT", "fastpath gcm(key, packet, headerLength, length, iv, aad2?): packet too short for length + tag, or a bad argument");
    return NULL;
  }
  return k;
}

/* What seal and open share: the IV, the AAD (header, then aad2), and the payload [header, length) crypted in place. */
static int gcm_crypt(EVP_CIPHER_CTX *ctx, uint8_t *p, uint32_t header, uint32_t length, const uint8_t *iv, const uint8_t *aad2, size_t aad2_length) {
  int out;
  return EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, -1) == 1 && (header == 0 || EVP_CipherUpdate(ctx, NULL, &out, p, (int)header) == 1) &&
         (aad2_length == 0 || EVP_CipherUpdate(ctx, NULL, &out, aad2, (int)aad2_length) == 1) &&
         (length == header || EVP_CipherUpdate(ctx, p + header, &out, p + header, (int)(length - header)) == 1);
}

/* gcmSeal(key, packet, headerLength, length, iv, aad2?): encrypts packet[headerLength, length) in place, tag at [length, length + 16) */
static napi_value gcm_seal(napi_env env, napi_callback_info info) {
  uint8_t *p, *iv, *aad2;
  size_t aad2_length;
  uint32_t header, length;
  int out;
  gcm_key *k = gcm_args(env, info, &p, &header, &length, &iv, &aad2, &aad2_length);
  if (k == NULL) return NULL;
  if (!gcm_crypt(k->seal, p, header, length, iv, aad2, aad2_length) || EVP_EncryptFinal_ex(k->seal, p + length, &out) != 1 ||
      EVP_CIPHER_CTX_ctrl(k->seal, EVP_CTRL_GCM_GET_TAG, 16, p + length) != 1) {
    napi_throw_error(env, "GWSIM_ERR_NATIVE", "fastpath gcmSeal: OpenSSL failed");
    return NULL;
  }
  return NULL;
}

/*
 * gcmOpen(key, packet, headerLength, length, iv, aad2?) → true when the tag at [length, length + 16) is authentic; the
 * payload [headerLength, length) is then decrypted in place. On false the packet is as it was (GCM's keystream
 * is applied a second time, which restores the ciphertext).
 */
static napi_value gcm_open(napi_env env, napi_callback_info info) {
  uint8_t *p, *iv, *aad2;
  size_t aad2_length;
  uint32_t header, length;
  int out;
  napi_value result;
  gcm_key *k = gcm_args(env, info, &p, &header, &length, &iv, &aad2, &aad2_length);
  if (k == NULL) return NULL;
  int crypted = gcm_crypt(k->open, p, header, length, iv, aad2, aad2_length);
  int ok = crypted && EVP_CIPHER_CTX_ctrl(k->open, EVP_CTRL_GCM_SET_TAG, 16, p + length) == 1 && EVP_DecryptFinal_ex(k->open, p + length, &out) == 1;
  if (crypted && !ok) gcm_crypt(k->open, p + header, 0, length - header, iv, NULL, 0); /* the payload was decrypted: put it back */
  CHECK(env, napi_get_boolean(env, ok, &result));
  return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
      {"init", NULL, init, NULL, NULL, NULL, napi_default, NULL},
      {"open", NULL, open_socket, NULL, NULL, NULL, napi_default, NULL},
      {"port", NULL, local_port, NULL, NULL, NULL, napi_default, NULL},
      {"fd", NULL, socket_fd, NULL, NULL, NULL, napi_default, NULL},
      {"receive", NULL, receive, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_handle, NULL, NULL, NULL, napi_default, NULL},
      {"pending", NULL, pending, NULL, NULL, NULL, napi_default, NULL},
      {"flush", NULL, flush, NULL, NULL, NULL, napi_default, NULL},
      {"gcmKey", NULL, gcm_create, NULL, NULL, NULL, napi_default, NULL},
      {"gcmSeal", NULL, gcm_seal, NULL, NULL, NULL, napi_default, NULL},
      {"gcmOpen", NULL, gcm_open, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
