/*
 * The threaded handshake: gnutls_handshake runs on a dedicated native thread so that a slow
 * signer (a smart card: 10-900 ms per signature) never blocks the JS event loop.
 *
 * Ownership. startHandshake() creates the thread; from then until the thread has been joined,
 * the thread alone uses s->tls and s->cred (GnuTLS state is not thread-safe). The JS thread
 * touches only the block of bst_session guarded by s->mu (input/output buffers, eof, abort,
 * the pending request, the events word). The thread is joined on the JS thread:
 *   - after it reported BST_EV_DONE (normal end, success or failure), before onDone is called;
 *   - by destroy(), the GC finalizer, the env cleanup hook (env teardown: worker exit, Node
 *     shutting down) or the process exit handler, after setting s->abort: every wait of the
 *     thread ends at once, GnuTLS gets a pull/sign error and returns.
 * After the join the JS thread owns the session again: record I/O (read/write/bye) and info()
 * stay synchronous on the JS thread (they are fast).
 *
 * Thread -> JS. The thread never calls N-API except napi_call_threadsafe_function (non-blocking,
 * unbounded queue, at most one call queued per session: s->posted). It sets BST_EV_* bits in
 * s->events; call_js (JS thread) takes them and
 *   FLUSH  hands s->out to onWrite;
 *   SIGN   calls sign(algo, data, id) on the JS object; the answer (Buffer returned at once, a
 *          Promise, or a later deliverSignature(id, sig | error)) wakes the thread;
 *   CHECK  calls checkPeer(chainDer) (synchronous JS, run on the JS thread, the native thread
 *          waits for it);
 *   DONE   joins the thread, releases the threadsafe function, flushes the last output (an
 *          alert) and calls onDone(error | null).
 * A request carries an id; an answer for a request that is no longer pending (the handshake
 * was aborted or timed out) is ignored, so a signer promise that settles after destroy() is
 * harmless.
 *
 * Lifetime. The JS object is held only weakly (s->weak_self). If it is collected while the
 * thread runs, call_js refuses requests without calling JS and the finalizer stops the thread
 * before freeing anything. The threadsafe function is unref'd: a handshake in flight does not
 * keep Node alive by itself (the socket does).
 */
#include <stdlib.h>
#include <string.h>

#include "bastion.h"

#define HANDSHAKE_STACK_SIZE (2u << 20)

/* ------------------------------------------------------------------ process-wide registry */

/* Every handshake thread not yet joined, across all envs (workers): the exit handler aborts
 * and joins them, so that process.exit() with a handshake in flight never leaves a thread
 * inside GnuTLS while libgnutls' destructor runs. */
static uv_once_t registry_once = UV_ONCE_INIT;
static uv_mutex_t registry_mu;
static bst_session *registry_head;

static void at_exit(void) {
  uv_mutex_lock(&registry_mu);
  for (bst_session *s = registry_head; s; s = s->live_next) {
    uv_mutex_lock(&s->mu);
    s->abort = 1;
    uv_cond_broadcast(&s->cv);
    uv_mutex_unlock(&s->mu);
  }
  while (registry_head) {
    bst_session *s = registry_head;
    registry_head = s->live_next;
    uv_thread_join(&s->thread);
    s->exit_joined = 1;
    s->live_next = s->live_prev = NULL;
  }
  uv_mutex_unlock(&registry_mu);
}

static void registry_init(void) {
  uv_mutex_init(&registry_mu);
  atexit(at_exit);
}

static void registry_add(bst_session *s) {
  uv_once(&registry_once, registry_init);
  uv_mutex_lock(&registry_mu);
  s->exit_joined = 0;
  s->live_prev = NULL;
  s->live_next = registry_head;
  if (registry_head) registry_head->live_prev = s;
  registry_head = s;
  uv_mutex_unlock(&registry_mu);
}

/* Unlinks s; returns 1 if the caller must join the thread, 0 if the exit handler did. */
static int registry_remove(bst_session *s) {
  uv_mutex_lock(&registry_mu);
  int mine = !s->exit_joined;
  if (mine) {
    if (s->live_prev) s->live_prev->live_next = s->live_next;
    else if (registry_head == s) registry_head = s->live_next;
    if (s->live_next) s->live_next->live_prev = s->live_prev;
  }
  s->live_next = s->live_prev = NULL;
  uv_mutex_unlock(&registry_mu);
  return mine;
}

/* ------------------------------------------------------------------ the thread */

static void handshake_thread(void *arg) {
  bst_session *s = arg;
  int rc = GNUTLS_E_INTERNAL_ERROR;
  /* Blocking transport: GNUTLS_E_AGAIN does not happen; a warning alert means "call again". */
  for (int i = 0; i < 16; i++) {
    rc = gnutls_handshake(s->tls);
    if (rc == GNUTLS_E_SUCCESS || gnutls_error_is_fatal(rc)) break;
    uv_mutex_lock(&s->mu);
    int stop = s->abort || s->timed_out;
    uv_mutex_unlock(&s->mu);
    if (stop) {
      rc = GNUTLS_E_PULL_ERROR;
      break;
    }
  }
  if (rc < 0 && !gnutls_error_is_fatal(rc)) rc = GNUTLS_E_INTERNAL_ERROR;
  uv_mutex_lock(&s->mu);
  int aborted = s->abort;
  if (rc < 0 && aborted && s->eof) rc = GNUTLS_E_PREMATURE_TERMINATION; /* feedEof() during a JS request */
  uv_mutex_unlock(&s->mu);
  if (rc < 0 && !aborted && rc != GNUTLS_E_FATAL_ALERT_RECEIVED && rc != GNUTLS_E_PREMATURE_TERMINATION &&
      rc != GNUTLS_E_PULL_ERROR && rc != GNUTLS_E_PUSH_ERROR)
    gnutls_alert_send_appropriate(s->tls, rc);
  uv_mutex_lock(&s->mu);
  s->hs_rc = rc;
  bst_post(s, BST_EV_DONE);
  uv_mutex_unlock(&s->mu);
}

/* Thread side of a request (mu held, req_* filled in): waits for the JS answer. Returns 1 when
 * answered, 0 when aborted or timed out (the request is then withdrawn). */
static int await_answer(bst_session *s, unsigned kind) {
  s->req_id = ++s->next_req_id;
  if (s->req_id == 0) s->req_id = ++s->next_req_id;
  s->req_kind = kind;
  s->req_rc = -1;
  s->req_state = BST_REQ_PENDING;
  bst_post(s, kind);
  while (s->req_state == BST_REQ_PENDING && !s->abort) {
    if (bst_wait(s, 0) != 0 && s->timed_out) break;
  }
  int answered = s->req_state == BST_REQ_DONE;
  s->req_state = BST_REQ_NONE;
  s->req_data = NULL;
  s->req_certs = NULL;
  return answered;
}

int bst_thread_sign(bst_session *s, int algo_index, const uint8_t *data, size_t len, gnutls_datum_t *signature) {
  int rc = GNUTLS_E_PK_SIGN_FAILED;
  uv_mutex_lock(&s->mu);
  if (!s->abort && !s->timed_out) {
    s->req_algo = algo_index;
    s->req_data = data;
    s->req_len = len;
    s->req_sig = NULL;
    s->req_sig_len = 0;
    if (await_answer(s, BST_EV_SIGN) && s->req_rc == 0 && s->req_sig) {
      signature->data = gnutls_malloc(s->req_sig_len);
      if (signature->data) {
        memcpy(signature->data, s->req_sig, s->req_sig_len);
        signature->size = (unsigned)s->req_sig_len;
        rc = 0;
      } else {
        rc = GNUTLS_E_MEMORY_ERROR;
      }
    }
    free(s->req_sig);
    s->req_sig = NULL;
  }
  uv_mutex_unlock(&s->mu);
  return rc;
}

int bst_thread_check_peer(bst_session *s, const gnutls_datum_t *certs, unsigned n, char **reason) {
  int rc = -1;
  *reason = NULL;
  uv_mutex_lock(&s->mu);
  if (!s->abort && !s->timed_out) {
    s->req_certs = certs;
    s->req_ncerts = n;
    s->req_reason = NULL;
    if (await_answer(s, BST_EV_CHECK)) rc = s->req_rc;
    *reason = s->req_reason;
    s->req_reason = NULL;
  }
  uv_mutex_unlock(&s->mu);
  return rc;
}

/* ------------------------------------------------------------------ stopping the thread */

static void env_cleanup(void *arg);

/* JS thread: joins the thread (it has ended or has been told to) and releases everything that
 * belongs to it. */
static void join_thread(bst_session *s, int from_hook, napi_threadsafe_function_release_mode mode) {
  if (registry_remove(s)) uv_thread_join(&s->thread);
  s->thread_started = 0;
  s->threaded = 0;
  if (s->cleanup_hook && !from_hook) napi_remove_env_cleanup_hook(s->env, env_cleanup, s);
  s->cleanup_hook = 0;
  uv_mutex_lock(&s->mu);
  napi_threadsafe_function tsfn = s->tsfn;
  s->tsfn = NULL;
  uv_mutex_unlock(&s->mu);
  if (tsfn) napi_release_threadsafe_function(tsfn, mode);
  if (s->inst && s->inst->live_threads > 0) s->inst->live_threads--;
}

void bst_stop_thread(bst_session *s, int from_hook) {
  if (!s->thread_started) return;
  uv_mutex_lock(&s->mu);
  s->abort = 1;
  uv_cond_broadcast(&s->cv);
  uv_mutex_unlock(&s->mu);
  /* The thread now returns from every wait with an error; GnuTLS unwinds (at most one crypto
   * step, never a wait for JS) and the thread ends. */
  join_thread(s, from_hook, napi_tsfn_abort);
}

/* The env is being torn down (worker exit, Node shutting down) with the thread running: stop it
 * while the threadsafe function still exists (its own cleanup hook was registered before ours
 * and runs after it). */
static void env_cleanup(void *arg) {
  bst_session *s = arg;
  s->cleanup_hook = 0;
  bst_stop_thread(s, 1);
}

/* ------------------------------------------------------------------ JS side of the requests */

static void refuse_pending(bst_session *s) {
  uv_mutex_lock(&s->mu);
  if (s->req_state == BST_REQ_PENDING) {
    s->req_rc = -1;
    s->req_state = BST_REQ_DONE;
    uv_cond_broadcast(&s->cv);
  }
  uv_mutex_unlock(&s->mu);
}

static void answer_sign(bst_session *s, uint32_t id, uint8_t *sig, size_t len, int *taken) {
  uv_mutex_lock(&s->mu);
  if (s->req_state == BST_REQ_PENDING && s->req_kind == BST_EV_SIGN && s->req_id == id && !s->abort) {
    free(s->req_sig);
    s->req_sig = sig;
    s->req_sig_len = len;
    s->req_rc = sig ? 0 : GNUTLS_E_PK_SIGN_FAILED;
    s->req_state = BST_REQ_DONE;
    uv_cond_broadcast(&s->cv);
    *taken = 1;
  }
  uv_mutex_unlock(&s->mu);
}

int bst_deliver_signature(napi_env env, bst_session *s, uint32_t id, napi_value value) {
  const uint8_t *bytes;
  size_t len = 0;
  uint8_t *copy = NULL;
  napi_value cause = NULL;
  if (bst_get_bytes(env, value, &bytes, &len) == 0) {
    if (len == 0 || len > 2048) {
      napi_value code, msg;
      napi_create_string_utf8(env, "ERR_BASTION_SIGNER", NAPI_AUTO_LENGTH, &code);
      napi_create_string_utf8(env, "sign() returned an empty or oversized signature", NAPI_AUTO_LENGTH, &msg);
      napi_create_range_error(env, code, msg, &cause);
    } else {
      copy = malloc(len);
      if (copy) memcpy(copy, bytes, len);
    }
  } else {
    napi_valuetype t = napi_undefined;
    napi_typeof(env, value, &t);
    if (t == napi_undefined || t == napi_null) {
      napi_value code, msg;
      napi_create_string_utf8(env, "ERR_BASTION_SIGNER", NAPI_AUTO_LENGTH, &code);
      napi_create_string_utf8(env, "the signer failed without a reason", NAPI_AUTO_LENGTH, &msg);
      napi_create_error(env, code, msg, &cause);
    } else {
      cause = value;
    }
  }
  int taken = 0;
  answer_sign(s, id, copy, len, &taken);
  if (!taken) {
    free(copy);
    return 0;
  }
  if (cause && !s->js_error) napi_create_reference(env, cause, 1, &s->js_error);
  return 1;
}

/* sign(algo, data, id) on the JS object. A Buffer answers at once; a Promise (thenable) answers
 * when it settles (deliverSignature bound to the id); undefined means the caller will call
 * deliverSignature(id, ...) itself; a throw is a refusal with the exception as cause. */
static void dispatch_sign(napi_env env, bst_session *s, napi_value self) {
  uint8_t data[19 + 64];
  uv_mutex_lock(&s->mu);
  if (s->req_state != BST_REQ_PENDING || s->req_kind != BST_EV_SIGN || !s->req_data || s->req_len > sizeof(data)) {
    uv_mutex_unlock(&s->mu);
    return;
  }
  uint32_t id = s->req_id;
  int algo = s->req_algo;
  size_t len = s->req_len;
  memcpy(data, s->req_data, len);
  uv_mutex_unlock(&s->mu);

  napi_value fn, argv[3], result, then_fn, deliver, bind, bound;
  napi_valuetype t;
  if (napi_get_named_property(env, self, BST_SIGN_KEY, &fn) != napi_ok || napi_typeof(env, fn, &t) != napi_ok)
    goto js_failed;
  if (t != napi_function) {
    napi_throw_type_error(env, "ERR_BASTION_SIGNER", "no sign function");
    goto js_failed;
  }
  if (napi_create_string_utf8(env, bst_sign_names[algo], NAPI_AUTO_LENGTH, &argv[0]) != napi_ok) goto js_failed;
  if (!(argv[1] = bst_buffer_from(env, data, len))) goto js_failed;
  if (napi_create_uint32(env, id, &argv[2]) != napi_ok) goto js_failed;
  if (napi_call_function(env, self, fn, 3, argv, &result) != napi_ok) goto js_failed;
  if (s->destroyed) return;
  if (napi_typeof(env, result, &t) != napi_ok) goto js_failed;
  if (t == napi_undefined) return; /* the caller answers with deliverSignature(id, ...) */
  if (t == napi_object) {
    bool is_promise = false;
    napi_is_promise(env, result, &is_promise);
    napi_valuetype tt = napi_undefined;
    if (!is_promise && napi_get_named_property(env, result, "then", &then_fn) == napi_ok) napi_typeof(env, then_fn, &tt);
    if (is_promise || tt == napi_function) {
      /* result.then(deliver, deliver) with deliver = this.deliverSignature.bind(this, id) */
      if (napi_get_named_property(env, result, "then", &then_fn) != napi_ok) goto js_failed;
      if (napi_get_named_property(env, self, "deliverSignature", &deliver) != napi_ok) goto js_failed;
      if (napi_get_named_property(env, deliver, "bind", &bind) != napi_ok) goto js_failed;
      napi_value bind_args[2] = {self, argv[2]};
      if (napi_call_function(env, deliver, bind, 2, bind_args, &bound) != napi_ok) goto js_failed;
      napi_value then_args[2] = {bound, bound};
      napi_value ignored;
      if (napi_call_function(env, result, then_fn, 2, then_args, &ignored) != napi_ok) goto js_failed;
      return;
    }
  }
  bool is_typed = false;
  napi_is_typedarray(env, result, &is_typed);
  if (!is_typed) {
    napi_throw_type_error(env, "ERR_BASTION_SIGNER",
                          "sign() must return a Buffer or a Promise of one (or undefined, then call deliverSignature)");
    goto js_failed;
  }
  bst_deliver_signature(env, s, id, result);
  return;

js_failed:
  bst_capture_js_error(s);
  {
    int taken = 0;
    answer_sign(s, id, NULL, 0, &taken);
  }
}

/* checkPeer(chainDer) on the JS object: null/undefined accepts, a string refuses with that
 * reason, anything else (or a throw) refuses. */
static void dispatch_check(napi_env env, bst_session *s, napi_value self) {
  uv_mutex_lock(&s->mu);
  if (s->req_state != BST_REQ_PENDING || s->req_kind != BST_EV_CHECK || !s->req_certs) {
    uv_mutex_unlock(&s->mu);
    return;
  }
  uint32_t id = s->req_id;
  unsigned n = s->req_ncerts > 16 ? 16 : s->req_ncerts;
  size_t total = 0;
  for (unsigned i = 0; i < n; i++) total += s->req_certs[i].size;
  uint8_t *copy = malloc(total ? total : 1);
  size_t sizes[16];
  if (copy) {
    size_t off = 0;
    for (unsigned i = 0; i < n; i++) {
      memcpy(copy + off, s->req_certs[i].data, s->req_certs[i].size);
      sizes[i] = s->req_certs[i].size;
      off += sizes[i];
    }
  }
  uv_mutex_unlock(&s->mu);

  int rc = -1;
  char *reason = NULL;
  napi_value fn, chain, result;
  napi_valuetype t;
  if (!copy) {
    reason = strdup("out of memory");
    goto answer;
  }
  if (napi_get_named_property(env, self, BST_CHECKPEER_KEY, &fn) != napi_ok || napi_typeof(env, fn, &t) != napi_ok)
    goto js_failed;
  if (t != napi_function) {
    rc = 0;
    goto answer;
  }
  if (napi_create_array_with_length(env, n, &chain) != napi_ok) goto js_failed;
  size_t off = 0;
  for (unsigned i = 0; i < n; i++) {
    napi_value b = bst_buffer_from(env, copy + off, sizes[i]);
    off += sizes[i];
    if (!b || napi_set_element(env, chain, i, b) != napi_ok) goto js_failed;
  }
  if (napi_call_function(env, self, fn, 1, &chain, &result) != napi_ok) goto js_failed;
  if (napi_typeof(env, result, &t) != napi_ok) goto js_failed;
  if (t == napi_undefined || t == napi_null) {
    rc = 0;
  } else if (t == napi_string) {
    char why[512];
    size_t len = 0;
    napi_get_value_string_utf8(env, result, why, sizeof(why), &len);
    reason = strdup(why);
  } else {
    reason = strdup("checkPeer returned a non-string");
  }
  goto answer;
js_failed:
  bst_capture_js_error(s);
  free(reason);
  reason = strdup("checkPeer threw");
  rc = -1;
answer:
  free(copy);
  uv_mutex_lock(&s->mu);
  if (s->req_state == BST_REQ_PENDING && s->req_kind == BST_EV_CHECK && s->req_id == id && !s->abort) {
    s->req_rc = rc;
    s->req_reason = reason;
    reason = NULL;
    s->req_state = BST_REQ_DONE;
    uv_cond_broadcast(&s->cv);
  }
  uv_mutex_unlock(&s->mu);
  free(reason);
}

/* BST_EV_DONE: the thread has left gnutls_handshake. Join it, then report. */
static void finish(napi_env env, bst_session *s, napi_value self) {
  join_thread(s, 0, napi_tsfn_release);
  uv_mutex_lock(&s->mu);
  int rc = s->hs_rc;
  int timed_out = s->timed_out;
  uv_mutex_unlock(&s->mu);
  s->state = rc == GNUTLS_E_SUCCESS ? BST_OPEN : BST_FAILED;
  if (!self) return;
  if (bst_flush(s, self) != 0) {
    /* onWrite threw: the handshake cannot be completed on the wire. */
    bst_capture_js_error(s);
    if (rc == GNUTLS_E_SUCCESS) rc = GNUTLS_E_PUSH_ERROR;
    s->state = BST_FAILED;
  }
  if (s->destroyed) return;
  napi_value fn, arg, ignored;
  napi_valuetype t;
  if (napi_get_named_property(env, self, BST_ONDONE_KEY, &fn) != napi_ok || napi_typeof(env, fn, &t) != napi_ok ||
      t != napi_function)
    return;
  if (rc == GNUTLS_E_SUCCESS) {
    napi_get_null(env, &arg);
  } else {
    arg = bst_make_error(s, rc, "TLS handshake failed");
    if (!arg) return;
    if (timed_out) {
      napi_value v;
      napi_create_string_utf8(env, "ERR_BASTION_TLS_TIMEOUT", NAPI_AUTO_LENGTH, &v);
      napi_set_named_property(env, arg, "code", v);
      napi_create_string_utf8(env, "TLS handshake timed out", NAPI_AUTO_LENGTH, &v);
      napi_set_named_property(env, arg, "message", v);
    }
  }
  /* An exception thrown by onDone stays pending: Node reports it as uncaught, like any event
   * listener's. */
  napi_call_function(env, self, fn, 1, &arg, &ignored);
}

static void call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)js_cb;
  (void)data;
  if (!env) return; /* the threadsafe function is being torn down: s may be gone */
  bst_session *s = context;
  uv_mutex_lock(&s->mu);
  unsigned ev = s->events;
  s->events = 0;
  s->posted = 0;
  uv_mutex_unlock(&s->mu);
  napi_value self = NULL;
  if (s->weak_self) napi_get_reference_value(env, s->weak_self, &self);
  if (!self) {
    /* The JS object was collected and its finalizer has not run yet: answer nothing to JS,
     * refuse what the thread waits for, and let the thread end. No N-API allocation here. */
    refuse_pending(s);
    uv_mutex_lock(&s->mu);
    s->out.off = s->out.len = 0;
    uv_mutex_unlock(&s->mu);
    if (ev & BST_EV_DONE) join_thread(s, 0, napi_tsfn_release);
    return;
  }
  /* `self` is a live handle from here on: the object (and s) cannot be collected while we run,
   * but a JS callback may call destroy(), which stops the thread: check s->destroyed after each. */
  if (ev & BST_EV_FLUSH) {
    if (bst_flush(s, self) != 0) {
      bst_capture_js_error(s);
      uv_mutex_lock(&s->mu);
      s->abort = 1; /* onWrite threw: give up, the cause is reported by onDone */
      uv_cond_broadcast(&s->cv);
      uv_mutex_unlock(&s->mu);
    }
    if (s->destroyed || !s->thread_started) return;
  }
  if (ev & BST_EV_SIGN) {
    dispatch_sign(env, s, self);
    if (s->destroyed || !s->thread_started) return;
  }
  if (ev & BST_EV_CHECK) {
    dispatch_check(env, s, self);
    if (s->destroyed || !s->thread_started) return;
  }
  if (ev & BST_EV_DONE) finish(env, s, self);
}

/* ------------------------------------------------------------------ startHandshake */

napi_value bst_start_handshake(napi_env env, bst_session *s, napi_value self, napi_value on_done, double timeout_ms) {
  if (s->state != BST_HANDSHAKING || s->sync_started || s->thread_started || s->tsfn || s->abort)
    return bst_throw(env, "ERR_BASTION_TLS_STATE", "startHandshake() can be called once, on a new session");
  napi_property_descriptor prop = {BST_ONDONE_KEY, NULL, NULL, NULL, NULL, on_done, napi_default, NULL};
  if (napi_define_properties(env, self, 1, &prop) != napi_ok) return NULL;
  napi_value name;
  if (napi_create_string_utf8(env, "bastion-tls-handshake", NAPI_AUTO_LENGTH, &name) != napi_ok) return NULL;
  napi_threadsafe_function tsfn;
  if (napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, s, call_js, &tsfn) != napi_ok)
    return bst_throw(env, "ERR_BASTION_TLS", "could not create the handshake's threadsafe function");
  napi_unref_threadsafe_function(env, tsfn);
  uv_mutex_lock(&s->mu);
  s->tsfn = tsfn;
  s->events = 0;
  s->posted = 0;
  s->timed_out = 0;
  uv_mutex_unlock(&s->mu);
  s->deadline_ns = timeout_ms > 0 ? uv_hrtime() + (uint64_t)(timeout_ms * 1e6) : 0;
  s->threaded = 1;
  /* Registered after the threadsafe function: cleanup hooks run in reverse order, so ours stops
   * the thread before the threadsafe function is torn down. */
  if (napi_add_env_cleanup_hook(env, env_cleanup, s) == napi_ok) s->cleanup_hook = 1;
  uv_thread_options_t opts;
  opts.flags = UV_THREAD_HAS_STACK_SIZE;
  opts.stack_size = HANDSHAKE_STACK_SIZE;
  if (uv_thread_create_ex(&s->thread, &opts, handshake_thread, s) != 0) {
    s->threaded = 0;
    if (s->cleanup_hook) napi_remove_env_cleanup_hook(env, env_cleanup, s);
    s->cleanup_hook = 0;
    uv_mutex_lock(&s->mu);
    s->tsfn = NULL;
    uv_mutex_unlock(&s->mu);
    napi_release_threadsafe_function(tsfn, napi_tsfn_abort);
    return bst_throw(env, "ERR_BASTION_TLS", "could not start the handshake thread");
  }
  /* The thread cannot reach JS (and so nothing can join it) before this function returns. */
  registry_add(s);
  s->thread_started = 1;
  if (s->inst) s->inst->live_threads++;
  return NULL;
}
