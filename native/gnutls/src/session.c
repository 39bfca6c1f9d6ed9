/* In-memory transport: GnuTLS pulls from s->in (fed by JS) and pushes into s->out (flushed to JS). */
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

static ssize_t bst_pull(gnutls_transport_ptr_t ptr, void *data, size_t size) {
  bst_session *s = ptr;
  size_t avail = s->in.len - s->in.off;
  if (avail == 0) {
    if (s->eof) return 0;
    gnutls_transport_set_errno(s->tls, EAGAIN);
    return -1;
  }
  if (size > avail) size = avail;
  memcpy(data, s->in.data + s->in.off, size);
  s->in.off += size;
  if (s->in.off == s->in.len) s->in.off = s->in.len = 0;
  return (ssize_t)size;
}

/* Only consulted by GnuTLS when a timeout is set; we never block, so report what is there. */
static int bst_pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms) {
  (void)ms;
  bst_session *s = ptr;
  if (s->in.len - s->in.off > 0 || s->eof) return 1;
  return 0;
}

static ssize_t bst_push(gnutls_transport_ptr_t ptr, const void *data, size_t size) {
  bst_session *s = ptr;
  if (bst_buf_append(&s->out, data, size) != 0) {
    gnutls_transport_set_errno(s->tls, ENOMEM);
    return -1;
  }
  return (ssize_t)size;
}

static ssize_t bst_vec_push(gnutls_transport_ptr_t ptr, const giovec_t *iov, int iovcnt) {
  ssize_t total = 0;
  for (int i = 0; i < iovcnt; i++) {
    ssize_t n = bst_push(ptr, iov[i].iov_base, iov[i].iov_len);
    if (n < 0) return n;
    total += n;
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

/* Frees every GnuTLS object and buffer; safe to call twice. JS references are not touched
 * here (the finalizer may run when JS can no longer be called). */
void bst_session_free_tls(bst_session *s) {
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
  bst_buf_free(&s->in);
  bst_buf_free(&s->out);
}
