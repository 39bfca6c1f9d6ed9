/*
 * N-API surface of the Bastion GnuTLS engine (plain C, node_api.h only: ABI-stable, so the same
 * .node loads in Node and in Electron).
 *
 *   createSession(options) -> Session
 *   Session: feed(buf), feedEof(), startHandshake(onDone, timeoutMs?) (threaded, handshake.c),
 *            deliverSignature(id, sig | error) -> boolean, handshake() -> 'again'|'done'
 *            (synchronous), write(buf), read() -> Buffer|null, bye(), info() -> object,
 *            isPeerClosed() -> boolean, destroy()
 *   describePriority(priority) -> { protocols, suites, ... }   (what GnuTLS makes of a string)
 *   certUrls, ocspRequest, ocspVerify, crlCheck                 (revocation primitives, ocsp.c)
 *   loadPkcs12(der, password) -> { key, chainDer, keyType, bits, signAlgos } | { error, message }
 *   liveHandshakeThreads() -> number (this env's handshake threads not yet joined)
 *   gnutlsVersion, signAlgorithms
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bastion.h"

#define NAPI_OK(call)                                                                                                  \
  do {                                                                                                                 \
    if ((call) != napi_ok) return NULL;                                                                                \
  } while (0)

/* ------------------------------------------------------------------ session plumbing */

/* Unwraps `this`, refuses re-entrant calls from inside a GnuTLS callback and calls on a
 * destroyed session, and records `this` for the callbacks. */
static bst_session *enter(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, napi_value *prev) {
  napi_value self;
  bst_session *s = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, (void **)&s) != napi_ok || !s) {
    bst_throw_type(env, "not a Bastion TLS session");
    return NULL;
  }
  if (s->busy) {
    bst_throw(env, "ERR_BASTION_TLS_REENTRANT", "TLS session used from inside its own callback");
    return NULL;
  }
  if (s->destroyed) {
    bst_throw(env, "ERR_BASTION_TLS_DESTROYED", "TLS session was destroyed");
    return NULL;
  }
  *prev = s->self;
  s->self = self;
  return s;
}

int bst_flush(bst_session *s, napi_value self) {
  napi_env env = s->env;
  for (;;) {
    /* Take the buffer out under the lock (the handshake thread may be pushing), make the JS
     * Buffer outside it. */
    bst_buf taken = {0};
    uv_mutex_lock(&s->mu);
    if (s->out.len > s->out.off) {
      taken = s->out;
      memset(&s->out, 0, sizeof(s->out));
    }
    uv_mutex_unlock(&s->mu);
    if (taken.len == taken.off) return 0;
    napi_value buf = self ? bst_buffer_from(env, taken.data + taken.off, taken.len - taken.off) : NULL;
    bst_buf_free(&taken);
    if (!self) return 0;
    if (!buf) return -1;
    napi_value fn, ignored;
    if (napi_get_named_property(env, self, BST_ONWRITE_KEY, &fn) != napi_ok) return -1;
    if (napi_call_function(env, self, fn, 1, &buf, &ignored) != napi_ok) return -1;
  }
}

static int flush(bst_session *s) { return bst_flush(s, s->self); }

napi_value bst_make_error(bst_session *s, int rc, const char *during) {
  napi_env env = s->env;
  char text[512];
  snprintf(text, sizeof(text), "%s: %s", during, gnutls_strerror(rc));
  napi_value msg, code, err, v;
  const char *name = gnutls_strerror_name(rc);
  NAPI_OK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg));
  NAPI_OK(napi_create_string_utf8(env, name ? name : "GNUTLS_E_UNKNOWN", NAPI_AUTO_LENGTH, &code));
  NAPI_OK(napi_create_error(env, code, msg, &err));
  NAPI_OK(napi_create_int32(env, rc, &v));
  NAPI_OK(napi_set_named_property(env, err, "gnutlsCode", v));
  if (s->tls && (rc == GNUTLS_E_FATAL_ALERT_RECEIVED || rc == GNUTLS_E_WARNING_ALERT_RECEIVED)) {
    const char *alert = gnutls_alert_get_name(gnutls_alert_get(s->tls));
    NAPI_OK(napi_create_string_utf8(env, alert ? alert : "unknown", NAPI_AUTO_LENGTH, &v));
    NAPI_OK(napi_set_named_property(env, err, "alert", v));
  }
  if (s->verify_ran) {
    NAPI_OK(napi_create_uint32(env, s->verify_status, &v));
    NAPI_OK(napi_set_named_property(env, err, "verifyStatus", v));
    NAPI_OK(bst_verify_reasons(env, s->verify_status, s->peer_policy, &v));
    NAPI_OK(napi_set_named_property(env, err, "verifyReasons", v));
  }
  if (s->peer_reject_reason) {
    NAPI_OK(napi_create_string_utf8(env, s->peer_reject_reason, NAPI_AUTO_LENGTH, &v));
    NAPI_OK(napi_set_named_property(env, err, "peerRejectReason", v));
  }
  if (s->js_error) {
    if (napi_get_reference_value(env, s->js_error, &v) == napi_ok && v) napi_set_named_property(env, err, "cause", v);
    napi_delete_reference(env, s->js_error);
    s->js_error = NULL;
  }
  return err;
}

/* Throws an Error for GnuTLS error rc with code = GnuTLS error name and the verification state. */
static napi_value throw_gnutls(bst_session *s, int rc, const char *during) {
  napi_env env = s->env;
  /* Whatever GnuTLS queued (an alert) still goes out; an onWrite failure must not hide rc. */
  if (flush(s) != 0) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
  }
  napi_value err = bst_make_error(s, rc, during);
  if (err) napi_throw(env, err);
  return NULL;
}

#define LEAVE(s, prev, value)                                                                                          \
  do {                                                                                                                 \
    (s)->self = (prev);                                                                                                \
    return (value);                                                                                                    \
  } while (0)

/* ------------------------------------------------------------------ Session methods */

static napi_value m_feed(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], prev;
  bst_session *s = enter(env, info, &argc, argv, &prev);
  if (!s) return NULL;
  const uint8_t *data;
  size_t len;
  if (argc < 1 || bst_get_bytes(env, argv[0], &data, &len) != 0) LEAVE(s, prev, bst_throw_type(env, "feed(buffer)"));
  uv_mutex_lock(&s->mu);
  int eof = s->eof;
  int rc = eof ? 0 : bst_buf_append(&s->in, data, len);
  if (!eof && rc == 0) uv_cond_broadcast(&s->cv); /* wakes the handshake thread's pull */
  uv_mutex_unlock(&s->mu);
  if (eof) LEAVE(s, prev, bst_throw(env, "ERR_BASTION_TLS_EOF", "feed() after feedEof()"));
  if (rc != 0) LEAVE(s, prev, bst_throw(env, "ERR_BASTION_TLS_BUFFER", "TLS input buffer limit exceeded"));
  LEAVE(s, prev, NULL);
}

static napi_value m_feed_eof(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value prev;
  bst_session *s = enter(env, info, &argc, NULL, &prev);
  if (!s) return NULL;
  uv_mutex_lock(&s->mu);
  s->eof = 1;
  /* The peer has gone while the handshake thread waits for JS (a signer): nothing can complete
   * the handshake any more, so stop waiting (reported as a premature termination). */
  if (s->threaded && s->req_state == BST_REQ_PENDING) s->abort = 1;
  uv_cond_broadcast(&s->cv);
  uv_mutex_unlock(&s->mu);
  LEAVE(s, prev, NULL);
}

static napi_value m_handshake(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value prev, result;
  bst_session *s = enter(env, info, &argc, NULL, &prev);
  if (!s) return NULL;
  if (s->state == BST_OPEN || s->state == BST_CLOSED) {
    napi_create_string_utf8(env, "done", NAPI_AUTO_LENGTH, &result);
    LEAVE(s, prev, result);
  }
  if (s->state == BST_FAILED) LEAVE(s, prev, bst_throw(env, "ERR_BASTION_TLS_FAILED", "handshake already failed"));
  if (s->thread_started || s->tsfn)
    LEAVE(s, prev, bst_throw(env, "ERR_BASTION_TLS_STATE", "the handshake runs on its thread (startHandshake)"));
  s->sync_started = 1;
  int rc = GNUTLS_E_AGAIN;
  /* Non-fatal errors (a warning alert) just mean "call again"; bounded. */
  for (int i = 0; i < 16; i++) {
    s->busy = 1;
    rc = gnutls_handshake(s->tls);
    s->busy = 0;
    if (rc == GNUTLS_E_SUCCESS || rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) break;
    if (gnutls_error_is_fatal(rc)) break;
  }
  if (rc == GNUTLS_E_SUCCESS) {
    s->state = BST_OPEN;
  } else if (rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED && gnutls_error_is_fatal(rc)) {
    s->state = BST_FAILED;
    if (rc != GNUTLS_E_FATAL_ALERT_RECEIVED && rc != GNUTLS_E_PREMATURE_TERMINATION && rc != GNUTLS_E_PULL_ERROR &&
        rc != GNUTLS_E_PUSH_ERROR)
      gnutls_alert_send_appropriate(s->tls, rc);
    LEAVE(s, prev, throw_gnutls(s, rc, "TLS handshake failed"));
  }
  if (flush(s) != 0) LEAVE(s, prev, NULL);
  napi_create_string_utf8(env, s->state == BST_OPEN ? "done" : "again", NAPI_AUTO_LENGTH, &result);
  LEAVE(s, prev, result);
}

static napi_value m_write(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], prev;
  bst_session *s = enter(env, info, &argc, argv, &prev);
  if (!s) return NULL;
  const uint8_t *data;
  size_t len;
  if (argc < 1 || bst_get_bytes(env, argv[0], &data, &len) != 0) LEAVE(s, prev, bst_throw_type(env, "write(buffer)"));
  if (s->state != BST_OPEN) LEAVE(s, prev, bst_throw(env, "ERR_BASTION_TLS_STATE", "write() needs an open session"));
  size_t off = 0;
  int again = 0;
  while (off < len) {
    s->busy = 1;
    /* After GNUTLS_E_AGAIN GnuTLS wants the same call repeated with NULL data (it kept the record). */
    ssize_t n = again ? gnutls_record_send(s->tls, NULL, 0) : gnutls_record_send(s->tls, data + off, len - off);
    s->busy = 0;
    if (n > 0) {
      off += (size_t)n;
      again = 0;
    } else if ((n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) && again++ < 8) {
      continue;
    } else {
      s->state = BST_FAILED;
      LEAVE(s, prev, throw_gnutls(s, n < 0 ? (int)n : GNUTLS_E_PUSH_ERROR, "TLS write failed"));
    }
  }
  flush(s);
  LEAVE(s, prev, NULL);
}

/* Decrypts everything that can be decrypted now. Keeps going while input is buffered or GnuTLS
 * has a pending record: TLS 1.3 post-handshake messages (NewSessionTicket, KeyUpdate) make
 * gnutls_record_recv return GNUTLS_E_AGAIN although more records are waiting. */
static napi_value m_read(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value prev, result;
  bst_session *s = enter(env, info, &argc, NULL, &prev);
  if (!s) return NULL;
  if (s->pending_error) {
    int rc = s->pending_error;
    s->pending_error = 0;
    s->state = BST_FAILED;
    LEAVE(s, prev, throw_gnutls(s, rc, "TLS read failed"));
  }
  if (s->state != BST_OPEN || s->peer_closed) {
    napi_get_null(env, &result);
    LEAVE(s, prev, result);
  }
  bst_buf plain = {0};
  int fatal = 0;
  for (int spins = 0; spins < 1000000;) {
    if (plain.cap - plain.len < 16384) {
      size_t cap = plain.cap ? plain.cap * 2 : 32768;
      uint8_t *p = realloc(plain.data, cap);
      if (!p) {
        fatal = GNUTLS_E_MEMORY_ERROR;
        break;
      }
      plain.data = p;
      plain.cap = cap;
    }
    size_t before_in = s->in.len - s->in.off;
    s->busy = 1;
    ssize_t n = gnutls_record_recv(s->tls, plain.data + plain.len, plain.cap - plain.len);
    s->busy = 0;
    if (n > 0) {
      plain.len += (size_t)n;
      continue;
    }
    if (n == 0) {
      s->peer_closed = 1;
      break;
    }
    if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
      size_t after_in = s->in.len - s->in.off;
      int more = after_in > 0 || gnutls_record_check_pending(s->tls) > 0;
      if (!more || (after_in == before_in && gnutls_record_check_pending(s->tls) == 0)) break;
      spins++;
      continue;
    }
    if (n == GNUTLS_E_REHANDSHAKE) {
      /* No renegotiation, ever: refuse with the warning alert RFC 5246 §7.2.2 defines. */
      s->busy = 1;
      gnutls_alert_send(s->tls, GNUTLS_AL_WARNING, GNUTLS_A_NO_RENEGOTIATION);
      s->busy = 0;
      spins++;
      continue;
    }
    if (n == GNUTLS_E_PREMATURE_TERMINATION) {
      s->peer_closed = 1; /* EOF without close_notify: XMPP has its own end-of-stream */
      break;
    }
    if (!gnutls_error_is_fatal((int)n)) {
      spins++;
      continue;
    }
    fatal = (int)n;
    break;
  }
  if (flush(s) != 0) {
    free(plain.data);
    LEAVE(s, prev, NULL);
  }
  if (fatal) {
    if (plain.len == 0) {
      free(plain.data);
      s->state = BST_FAILED;
      LEAVE(s, prev, throw_gnutls(s, fatal, "TLS read failed"));
    }
    s->pending_error = fatal; /* deliver the data first, throw on the next read() */
  }
  if (plain.len == 0) {
    napi_get_null(env, &result);
  } else {
    result = bst_buffer_from(env, plain.data, plain.len);
  }
  gnutls_memset(plain.data, 0, plain.cap);
  free(plain.data);
  LEAVE(s, prev, result);
}

static napi_value m_bye(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value prev;
  bst_session *s = enter(env, info, &argc, NULL, &prev);
  if (!s) return NULL;
  if (s->state == BST_OPEN) {
    s->busy = 1;
    gnutls_bye(s->tls, GNUTLS_SHUT_WR); /* close_notify; never waits for the peer's */
    s->busy = 0;
    s->state = BST_CLOSED;
  }
  flush(s);
  LEAVE(s, prev, NULL);
}

static napi_value m_info(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value prev;
  bst_session *s = enter(env, info, &argc, NULL, &prev);
  if (!s) return NULL;
  if (s->thread_started)
    LEAVE(s, prev, bst_throw(env, "ERR_BASTION_TLS_BUSY", "the handshake thread owns the session until onDone"));
  LEAVE(s, prev, bst_session_info(env, s));
}

static napi_value m_is_peer_closed(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value prev, result;
  bst_session *s = enter(env, info, &argc, NULL, &prev);
  if (!s) return NULL;
  napi_get_boolean(env, s->peer_closed != 0, &result);
  LEAVE(s, prev, result);
}

/* startHandshake(onDone, timeoutMs?): runs gnutls_handshake on a native thread; onDone(error |
 * null) is called on the JS thread once it has ended (never after destroy()). */
static napi_value m_start_handshake(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], prev;
  bst_session *s = enter(env, info, &argc, argv, &prev);
  if (!s) return NULL;
  napi_valuetype t = napi_undefined;
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_function)
    LEAVE(s, prev, bst_throw_type(env, "startHandshake(onDone, timeoutMs?)"));
  double timeout_ms = 0;
  if (argc >= 2 && napi_typeof(env, argv[1], &t) == napi_ok && t == napi_number) napi_get_value_double(env, argv[1], &timeout_ms);
  napi_value self = s->self;
  LEAVE(s, prev, bst_start_handshake(env, s, self, argv[0], timeout_ms));
}

/* deliverSignature(id, signature | error) -> boolean: the answer to sign(algo, data, id).
 * Never throws for a destroyed session or a request that is gone (returns false). */
static napi_value m_deliver_signature(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self, result;
  bst_session *s = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, (void **)&s) != napi_ok || !s) return bst_throw_type(env, "not a Bastion TLS session");
  uint32_t id = 0;
  napi_valuetype t = napi_undefined;
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_number || napi_get_value_uint32(env, argv[0], &id) != napi_ok)
    return bst_throw_type(env, "deliverSignature(id, signature | error)");
  napi_value value;
  if (argc >= 2) value = argv[1];
  else napi_get_undefined(env, &value);
  int taken = !s->destroyed && s->thread_started && bst_deliver_signature(env, s, id, value);
  napi_get_boolean(env, taken != 0, &result);
  return result;
}

static napi_value m_destroy(napi_env env, napi_callback_info info) {
  napi_value self;
  bst_session *s = NULL;
  size_t argc = 0;
  if (napi_get_cb_info(env, info, &argc, NULL, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, (void **)&s) != napi_ok || !s) return bst_throw_type(env, "not a Bastion TLS session");
  if (s->busy) return bst_throw(env, "ERR_BASTION_TLS_REENTRANT", "TLS session used from inside its own callback");
  bst_session_free_tls(s);
  if (s->js_error) {
    napi_delete_reference(env, s->js_error);
    s->js_error = NULL;
  }
  return NULL;
}

/* ------------------------------------------------------------------ module */

static void instance_free(napi_env env, void *data, void *hint) {
  (void)hint;
  bst_instance *inst = data;
  napi_delete_reference(env, inst->ctor);
  if (inst->key_ctor) napi_delete_reference(env, inst->key_ctor);
  free(inst);
  gnutls_global_deinit();
}

static napi_value live_handshake_threads(napi_env env, napi_callback_info info) {
  (void)info;
  bst_instance *inst = NULL;
  napi_get_instance_data(env, (void **)&inst);
  napi_value v;
  napi_create_int32(env, inst ? inst->live_threads : 0, &v);
  return v;
}

static napi_value init(napi_env env, napi_value exports) {
  int rc = gnutls_global_init();
  if (rc < 0) return bst_throw(env, "ERR_BASTION_TLS", gnutls_strerror(rc));
  napi_property_descriptor methods[] = {
      {"feed", NULL, m_feed, NULL, NULL, NULL, napi_default_method, NULL},
      {"feedEof", NULL, m_feed_eof, NULL, NULL, NULL, napi_default_method, NULL},
      {"handshake", NULL, m_handshake, NULL, NULL, NULL, napi_default_method, NULL},
      {"startHandshake", NULL, m_start_handshake, NULL, NULL, NULL, napi_default_method, NULL},
      {"deliverSignature", NULL, m_deliver_signature, NULL, NULL, NULL, napi_default_method, NULL},
      {"write", NULL, m_write, NULL, NULL, NULL, napi_default_method, NULL},
      {"read", NULL, m_read, NULL, NULL, NULL, napi_default_method, NULL},
      {"bye", NULL, m_bye, NULL, NULL, NULL, napi_default_method, NULL},
      {"info", NULL, m_info, NULL, NULL, NULL, napi_default_method, NULL},
      {"isPeerClosed", NULL, m_is_peer_closed, NULL, NULL, NULL, napi_default_method, NULL},
      {"destroy", NULL, m_destroy, NULL, NULL, NULL, napi_default_method, NULL},
  };
  napi_value ctor;
  NAPI_OK(napi_define_class(env, "GnuTlsSession", NAPI_AUTO_LENGTH, bst_session_ctor, NULL,
                            sizeof(methods) / sizeof(methods[0]), methods, &ctor));
  bst_instance *inst = calloc(1, sizeof(*inst));
  if (!inst) return bst_throw(env, "ERR_BASTION_TLS", "out of memory");
  NAPI_OK(napi_create_reference(env, ctor, 1, &inst->ctor));
  NAPI_OK(napi_set_instance_data(env, inst, instance_free, NULL));
  napi_value key_ctor;
  NAPI_OK(bst_define_key_class(env, &key_ctor));
  NAPI_OK(napi_create_reference(env, key_ctor, 1, &inst->key_ctor));

  napi_value v, algos;
  NAPI_OK(napi_create_array_with_length(env, bst_sign_name_count, &algos));
  for (size_t i = 0; i < bst_sign_name_count; i++) {
    NAPI_OK(napi_create_string_utf8(env, bst_sign_names[i], NAPI_AUTO_LENGTH, &v));
    NAPI_OK(napi_set_element(env, algos, (uint32_t)i, v));
  }
  NAPI_OK(napi_create_string_utf8(env, gnutls_check_version(NULL), NAPI_AUTO_LENGTH, &v));
  napi_property_descriptor props[] = {
      {"createSession", NULL, bst_create_session, NULL, NULL, NULL, napi_enumerable, NULL},
      {"describePriority", NULL, bst_describe_priority, NULL, NULL, NULL, napi_enumerable, NULL},
      {"certUrls", NULL, bst_cert_urls, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ocspRequest", NULL, bst_ocsp_request, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ocspVerify", NULL, bst_ocsp_verify, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crlCheck", NULL, bst_crl_check, NULL, NULL, NULL, napi_enumerable, NULL},
      {"loadPkcs12", NULL, bst_load_pkcs12, NULL, NULL, NULL, napi_enumerable, NULL},
      {"liveHandshakeThreads", NULL, live_handshake_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gnutlsVersion", NULL, NULL, NULL, NULL, v, napi_enumerable, NULL},
      {"signAlgorithms", NULL, NULL, NULL, NULL, algos, napi_enumerable, NULL},
  };
  NAPI_OK(napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
