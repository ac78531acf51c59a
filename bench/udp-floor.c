/*
 * The kernel's floor for the node's media forwarding pattern on this machine: one UDP socket per call, one
 * packet per socket every 20 ms (all calls' packets in one burst, as the endpoints' shared ticker sends them),
 * each packet received and sent on to a sink from that call's own second socket, in C with epoll and
 * recv/sendto — no JavaScript. Its CPU time per forwarded packet is what any forwarder with a socket per call
 * pays before doing anything; bench/README.md sets the node's figure beside it.
 *
 *   cc -O2 -o /tmp/udp-floor bench/udp-floor.c -lcrypto && /tmp/udp-floor [calls=400] [seconds=3] [connected=0] [gcm=0]
 *
 * connected=1 connect()s the sending sockets (no route lookup per send). gcm=1 seals every forwarded packet with
 * AES-128-GCM as SRTP's AEAD_AES_128_GCM does (OpenSSL, one reused context, as the media addon): the floor of a
 * forwarding path written in C, SRTP included. Three processes: the generator (this one), the forwarder
 * (measured with getrusage) and the sink. Addresses: 127.0.54.1–127.0.54.4.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CALLS 2000

static struct sockaddr_in address_of(const char *ip, int port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

static int bound(const char *ip, int port) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in a = address_of(ip, port);
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("bind");
    exit(1);
  }
  return s;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* SRTP's AEAD_AES_128_GCM seal of one packet as the addon does it: 12-byte header as AAD, payload in place, tag after. */
static int seal(EVP_CIPHER_CTX *aead, unsigned char *p, int length, uint32_t index) {
  unsigned char iv[12] = {0};
  int out;
  memcpy(iv + 8, &index, 4);
  return length >= 12 && EVP_EncryptInit_ex(aead, NULL, NULL, NULL, iv) == 1 && EVP_EncryptUpdate(aead, NULL, &out, p, 12) == 1 &&
         EVP_EncryptUpdate(aead, p + 12, &out, p + 12, length - 12) == 1 && EVP_EncryptFinal_ex(aead, p + length, &out) == 1 &&
         EVP_CIPHER_CTX_ctrl(aead, EVP_CTRL_GCM_GET_TAG, 16, p + length) == 1;
}

int main(int argc, char **argv) {
  int calls = argc > 1 ? atoi(argv[1]) : 400;
  double seconds = argc > 2 ? atof(argv[2]) : 3;
  int connected = argc > 3 ? atoi(argv[3]) : 0;
  int gcm = argc > 4 ? atoi(argv[4]) : 0;
  if (calls < 1 || calls > MAX_CALLS || seconds <= 0) {
    fprintf(stderr, "usage: udp-floor [calls 1-%d] [seconds] [connected 0|1] [gcm 0|1]\n", MAX_CALLS);
    return 2;
  }
  static int in[MAX_CALLS], out[MAX_CALLS];
  int sink_socket = bound("127.0.54.2", 0);
  struct sockaddr_in sink = {0};
  socklen_t sink_length = sizeof sink;
  getsockname(sink_socket, (struct sockaddr *)&sink, &sink_length);
  for (int i = 0; i < calls; i++) {
    in[i] = bound("127.0.54.3", 0);
    out[i] = bound("127.0.54.4", 0);
    if (connected) connect(out[i], (struct sockaddr *)&sink, sizeof sink);
  }
  pid_t sink_pid = fork();
  if (sink_pid == 0) {
    char buffer[2048];
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN};
    epoll_ctl(ep, EPOLL_CTL_ADD, sink_socket, &ev);
    alarm((unsigned)seconds + 5);
    for (;;) {
      struct epoll_event e;
      epoll_wait(ep, &e, 1, -1);
      while (recv(sink_socket, buffer, sizeof buffer, 0) > 0) {
      }
    }
  }
  pid_t forwarder = fork();
  if (forwarder == 0) {
    EVP_CIPHER_CTX *aead = EVP_CIPHER_CTX_new();
    static const unsigned char key[16] = {1};
    if (aead == NULL || EVP_EncryptInit_ex(aead, EVP_aes_128_gcm(), NULL, key, NULL) != 1) return 1;
    int ep = epoll_create1(0);
    for (int i = 0; i < calls; i++) {
      struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
      epoll_ctl(ep, EPOLL_CTL_ADD, in[i], &ev);
    }
    long forwarded = 0;
    double end = now() + seconds + 0.5;
    char buffer[2048];
    static struct epoll_event ready[1024];
    while (now() < end) {
      int n = epoll_wait(ep, ready, 1024, 100);
      for (int j = 0; j < n; j++) {
        int i = (int)ready[j].data.u32;
        /* one read per readable event, as the addon's recvmmsg (level-triggered: epoll reports a socket again while it holds more) */
        ssize_t r = recv(in[i], buffer, sizeof buffer - 16, 0);
        if (r < 0) continue;
        if (gcm && !seal(aead, (unsigned char *)buffer, (int)r, (uint32_t)forwarded)) return 1;
        size_t length = (size_t)r + (gcm ? 16 : 0);
        if (connected) send(out[i], buffer, length, 0);
        else sendto(out[i], buffer, length, 0, (struct sockaddr *)&sink, sizeof sink);
        forwarded++;
      }
    }
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    double user = (double)u.ru_utime.tv_sec * 1e6 + (double)u.ru_utime.tv_usec;
    double system = (double)u.ru_stime.tv_sec * 1e6 + (double)u.ru_stime.tv_usec;
    printf("C forwarder, %d sockets in, one 200-byte packet each per 20 ms%s%s: %ld forwarded, %.2f us CPU per packet (system %.2f)\n", calls,
           connected ? ", connected senders" : "", gcm ? ", AES-128-GCM sealed" : "", forwarded, (user + system) / (double)forwarded, system / (double)forwarded);
    return 0;
  }
  usleep(200000);
  int generator = bound("127.0.54.1", 0);
  static struct sockaddr_in targets[MAX_CALLS];
  for (int i = 0; i < calls; i++) {
    socklen_t length = sizeof targets[i];
    getsockname(in[i], (struct sockaddr *)&targets[i], &length);
  }
  char packet[200] = {(char)0x80};
  double start = now();
  for (int tick = 1; now() - start < seconds; tick++) {
    for (int i = 0; i < calls; i++) sendto(generator, packet, sizeof packet, 0, (struct sockaddr *)&targets[i], sizeof targets[i]);
    double wait = start + tick * 0.02 - now();
    if (wait > 0) usleep((useconds_t)(wait * 1e6));
  }
  waitpid(forwarder, NULL, 0);
  kill(sink_pid, SIGKILL);
  waitpid(sink_pid, NULL, 0);
  return 0;
}
