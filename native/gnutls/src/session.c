/* In-memory transport: GnuTLS pulls from s->in (fed by JS) and pushes into s->out (flushed to JS).
 *
 * Both buffers are only touched under s->mu: while a handshake thread runs, JS feeds `in` and
 * drains `out` concurrently. Without a thread (handshake() and all record I/O) pull never
 * blocks: it answers EAGAIN when the input is empty. On the handshake thread (s->threaded) pull
 * blocks on s->cv until JS feeds bytes, says EOF, gives up (abort) or the deadline passes, and
 * push wakes the JS thread through the threadsafe function (BST_EV_FLUSH). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bastion.h"

/* Upper bound on buffered, not yet consumed input: a peer that floods us faster than the TLS
 * layer can consume is a bug or an attack; 64 MiB is far above any XMPP stanza burst. */
#define BST_MAX_BUFFERED (64u * 1024u * 1024u)

int bst_buf_append(bst_buf *b, const uint8_t *data, size_t len) {
  if (len == 0) return 0;
  /* Reclaim consumed space first. */
  if (b->off > 0 && (b->off == b->len || b->off > b->cap / 2)) {
    memmove(b->data, b->data + b->off, b->len - b->off);
    b->len -= b->off;
    b->off = 0;
  }
  if (b->len - b->off + len > BST_MAX_BUFFERED) return -1;
  if (b->len + len > b->cap) {
    size_t cap = b->cap ? b->cap : 16384;
    while (cap < b->len + len) cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p) return -1;
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, len);
  b->len += len;
  return 0;
}

void bst_buf_free(bst_buf *b) {
  if (b->data) {
    gnutls_memset(b->data, 0, b->cap);
    free(b->data);
  }
  memset(b, 0, sizeof(*b));
}

/* Waits on s->cv (mu held) until signalled, the deadline passes (sets timed_out) or for at most
 * max_ns when non-zero. Returns 0 when woken, -1 on timeout. */
int bst_wait(bst_session *s, uint64_t max_ns) {
  uint64_t limit = 0;
  if (s->deadline_ns) {
    uint64_t now = uv_hrtime();
    if (now >= s->deadline_ns) {
      s->timed_out = 1;
      return -1;
    }
    limit = s->deadline_ns - now;
  }
  if (max_ns && (!limit || max_ns < limit)) limit = max_ns;
  if (!limit) {
    uv_cond_wait(&s->cv, &s->mu);
    return 0;
  }
  if (uv_cond_timedwait(&s->cv, &s->mu, limit) == UV_ETIMEDOUT) {
    if (s->deadline_ns && uv_hrtime() >= s->deadline_ns) s->timed_out = 1;
    return -1;
  }
  return 0;
}

static ssize_t take_input(bst_session *s, void *data, size_t size) {
  size_t avail = s->in.len - s->in.off;
  if (size > avail) size = avail;
  memcpy(data, s->in.data + s->in.off, size);
  s->in.off += size;
  if (s->in.off == s->in.len) s->in.off = s->in.len = 0;
  return (ssize_t)size;
}

static ssize_t bst_pull(gnutls_transport_ptr_t ptr, void *data, size_t size) {
  bst_session *s = ptr;
  ssize_t n;
  int err = 0;
  uv_mutex_lock(&s->mu);
  for (;;) {
    if (s->threaded && s->abort) {
      n = -1;
      err = ECONNRESET;
      break;
    }
    if (s->in.len - s->in.off > 0) {
      n = take_input(s, data, size);
      break;
    }
    if (s->eof) {
      n = 0;
      break;
    }
    if (!s->threaded) {
      n = -1;
      err = EAGAIN;
      break;
    }
    if (s->timed_out || bst_wait(s, 0) != 0) {
      if (!s->timed_out) continue; /* spurious */
      n = -1;
      err = ETIMEDOUT;
      break;
    }
  }
  uv_mutex_unlock(&s->mu);
  if (n < 0) gnutls_transport_set_errno(s->tls, err);
  return n;
}

/* Consulted by GnuTLS only when it has a timeout of its own. Without a thread we never block,
 * so report what is there; on the handshake thread wait up to ms. */
static int bst_pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms) {
  bst_session *s = ptr;
  int ready;
  uv_mutex_lock(&s->mu);
  for (;;) {
    ready = s->in.len - s->in.off > 0 || s->eof || (s->threaded && (s->abort || s->timed_out));
    if (ready || !s->threaded || ms == 0) break;
    uint64_t max = ms == GNUTLS_INDEFINITE_TIMEOUT ? 0 : (uint64_t)ms * 1000000u;
    if (bst_wait(s, max) != 0 && !s->timed_out) break; /* ms elapsed */
    if (s->timed_out) ready = 1;
  }
  uv_mutex_unlock(&s->mu);
  return ready ? 1 : 0;
}

/* Called with s->mu held, on the handshake thread: asks the JS thread to look at s->events.
 * At most one call is queued at a time (s->posted), so once the JS thread has handled
 * BST_EV_DONE no call for this session is left in the queue. */
void bst_post(bst_session *s, unsigned events) {
  s->events |= events;
  if (s->posted || !s->tsfn) return;
  s->posted = 1;
  if (napi_call_threadsafe_function(s->tsfn, NULL, napi_tsfn_nonblocking) != napi_ok) s->posted = 0;
}

static ssize_t bst_push(gnutls_transport_ptr_t ptr, const void *data, size_t size) {
  bst_session *s = ptr;
  uv_mutex_lock(&s->mu);
  int rc = bst_buf_append(&s->out, data, size);
  if (rc == 0 && s->threaded) bst_post(s, BST_EV_FLUSH);
  uv_mutex_unlock(&s->mu);
  if (rc != 0) {
    gnutls_transport_set_errno(s->tls, ENOMEM);
    return -1;
  }
  return (ssize_t)size;
}

static ssize_t bst_vec_push(gnutls_transport_ptr_t ptr, const giovec_t *iov, int iovcnt) {
  bst_session *s = ptr;
  ssize_t total = 0;
  int rc = 0;
  uv_mutex_lock(&s->mu);
  for (int i = 0; i < iovcnt && rc == 0; i++) {
    rc = bst_buf_append(&s->out, iov[i].iov_base, iov[i].iov_len);
    total += (ssize_t)iov[i].iov_len;
  }
  if (rc == 0 && s->threaded) bst_post(s, BST_EV_FLUSH);
  uv_mutex_unlock(&s->mu);
  if (rc != 0) {
    gnutls_transport_set_errno(s->tls, ENOMEM);
    return -1;
  }
  return total;
}

void bst_session_set_transport(bst_session *s) {
  gnutls_transport_set_ptr(s->tls, s);
  gnutls_transport_set_pull_function(s->tls, bst_pull);
  gnutls_transport_set_pull_timeout_function(s->tls, bst_pull_timeout);
  gnutls_transport_set_push_function(s->tls, bst_push);
  gnutls_transport_set_vec_push_function(s->tls, bst_vec_push);
}

void bst_session_sync_init(bst_session *s) {
  uv_mutex_init(&s->mu);
  uv_cond_init(&s->cv);
}

void bst_session_sync_destroy(bst_session *s) {
  uv_cond_destroy(&s->cv);
  uv_mutex_destroy(&s->mu);
}

/* Frees every GnuTLS object and buffer; safe to call twice. Ends the handshake thread first
 * (the thread owns s->tls while it runs). JS references are not touched here (the finalizer
 * may run when JS can no longer be called). */
void bst_session_free_tls(bst_session *s) {
  bst_stop_thread(s, 0);
  if (s->destroyed) return;
  s->destroyed = 1;
  if (s->tls) gnutls_deinit(s->tls);
  s->tls = NULL;
  /* The credentials own the certificate chain and the external private key. */
  if (s->cred) gnutls_certificate_free_credentials(s->cred);
  s->cred = NULL;
  free(s->server_name);
  s->server_name = NULL;
  free(s->peer_reject_reason);
  s->peer_reject_reason = NULL;
  uv_mutex_lock(&s->mu);
  bst_buf_free(&s->in);
  bst_buf_free(&s->out);
  free(s->req_sig);
  s->req_sig = NULL;
  free(s->req_reason);
  s->req_reason = NULL;
  uv_mutex_unlock(&s->mu);
}
