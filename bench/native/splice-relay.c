// A reference TCP relay for the proxy benchmark: the kernel moves the bytes (splice(2) through a
// pipe, never into user space), one forked child per connection. It is the fastest relay this
// machine can run, so it shows how much of the extra hop's cost no proxy can avoid.
// Usage: splice-relay ORIGIN_PORT; prints the port it listens on (127.0.0.1), then serves, and
// after each connection prints "cpu MS": the CPU time (user + system) its relaying took.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHUNK (1 << 20)

struct direction {
  int from, to, pipe[2];
  size_t queued;
  int eof;
};

/** Moves what it can without blocking; returns 0 once this direction is finished. */
static int step(struct direction *d) {
  if (!d->eof && d->queued < CHUNK) {
    ssize_t n = splice(d->from, NULL, d->pipe[1], NULL, CHUNK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n > 0) d->queued += (size_t)n;
    else if (n == 0) d->eof = 1;
  }
  if (d->queued) {
    ssize_t n = splice(d->pipe[0], NULL, d->to, NULL, d->queued, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n > 0) d->queued -= (size_t)n;
  }
  if (d->eof && !d->queued) {
    shutdown(d->to, SHUT_WR);
    return 0;
  }
  return 1;
}

static void relay(int client, int upstream) {
  struct direction up = {client, upstream, {0, 0}, 0, 0}, down = {upstream, client, {0, 0}, 0, 0};
  if (pipe2(up.pipe, O_NONBLOCK) || pipe2(down.pipe, O_NONBLOCK)) return;
  fcntl(up.pipe[0], F_SETPIPE_SZ, CHUNK);
  fcntl(down.pipe[0], F_SETPIPE_SZ, CHUNK);
  fcntl(client, F_SETFL, O_NONBLOCK);
  fcntl(upstream, F_SETFL, O_NONBLOCK);
  int open_up = 1, open_down = 1;
  while (open_up || open_down) {
    struct pollfd fds[2] = {{client, 0, 0}, {upstream, 0, 0}};
    if (open_up) fds[0].events |= POLLIN, fds[1].events |= up.queued ? POLLOUT : 0;
    if (open_down) fds[1].events |= POLLIN, fds[0].events |= down.queued ? POLLOUT : 0;
    if (poll(fds, 2, -1) < 0) return;
    if ((fds[0].revents | fds[1].revents) & (POLLERR | POLLNVAL)) return;
    if (open_up) open_up = step(&up);
    if (open_down) open_down = step(&down);
  }
}

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  signal(SIGCHLD, SIG_IGN);
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in here = loopback(0);
  socklen_t len = sizeof here;
  if (bind(listener, (struct sockaddr *)&here, len) || listen(listener, 16)) return 1;
  getsockname(listener, (struct sockaddr *)&here, &len);
  printf("%d\n", ntohs(here.sin_port));
  fflush(stdout);
  for (;;) {
    int client = accept(listener, NULL, NULL);
    if (client < 0) continue;
    if (fork() == 0) {
      close(listener);
      int upstream = socket(AF_INET, SOCK_STREAM, 0);
      struct sockaddr_in origin = loopback(atoi(argv[1]));
      if (connect(upstream, (struct sockaddr *)&origin, sizeof origin) == 0) relay(client, upstream);
      // The child's own usage: the kernel's work of splicing counts as its system time.
      struct rusage ru;
      getrusage(RUSAGE_SELF, &ru);
      double ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                  (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
      printf("cpu %.3f\n", ms);
      fflush(stdout);
      _exit(0);
    }
    close(client);
  }
}
