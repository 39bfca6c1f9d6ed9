/*
 * Bastion GnuTLS engine: a GnuTLS client session over in-memory buffers, driven from JS.
 *
 * The JS side owns the socket: it feeds received ciphertext in (feed), GnuTLS pulls it from
 * the input buffer, and everything GnuTLS pushes is collected in the output buffer and handed
 * to JS (onWrite) after each call. All state lives in one bst_session per JS object; the only
 * process-wide state is gnutls_global_init.
 *
 * JS callbacks (onWrite, sign, checkPeer, onDone) are stored as hidden properties of the JS
 * session object (not as strong napi_refs), so a callback that closes over the session does not
 * keep it alive forever: the garbage collector sees the cycle. They are only ever called on the
 * JS thread.
 *
 * Two ways to run the handshake:
 *   - handshake(): synchronous and non-blocking on the JS thread (GnuTLS pulls EAGAIN when the
 *     input is empty); callbacks run while that method runs (bst_session.self is set). A signer
 *     must answer synchronously. Kept for low-level tests.
 *   - startHandshake(onDone): gnutls_handshake runs on a dedicated native thread (handshake.c).
 *     The thread OWNS the gnutls_session_t until it has been joined; the JS thread then owns it
 *     again (record I/O, info, bye). While the thread runs, the only state shared between the two
 *     threads is the block under `mu` below; the thread reaches JS only through the
 *     threadsafe function `tsfn` and blocks on `cv` for the answer.
 */
#ifndef BASTION_GNUTLS_H
#define BASTION_GNUTLS_H

#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>
#include <uv.h>

#if defined(_MSC_VER)
/* GnuTLS's headers use POSIX ssize_t, which MSVC does not define. */
#include <BaseTsd.h>
typedef SSIZE_T ssize_t;
#endif

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes [off, len) of data are unread. */
typedef struct {
  uint8_t *data;
  size_t off, len, cap;
} bst_buf;

typedef enum { BST_HANDSHAKING = 0, BST_OPEN, BST_CLOSED, BST_FAILED } bst_state;

/* What the handshake thread asks the JS thread for (bst_session.events, under mu). */
enum {
  BST_EV_FLUSH = 1 << 0, /* output is waiting: hand it to onWrite */
  BST_EV_SIGN = 1 << 1,  /* a signature request is pending (req_*) */
  BST_EV_CHECK = 1 << 2, /* a checkPeer request is pending (req_*) */
  BST_EV_DONE = 1 << 3,  /* gnutls_handshake returned (hs_rc); the thread is ending */
};

typedef enum { BST_REQ_NONE = 0, BST_REQ_PENDING, BST_REQ_DONE } bst_req_state;

/* Per-env instance data (napi_set_instance_data): the session class, the key class and the
 * number of handshake threads of this env not yet joined. */
typedef struct {
  napi_ref ctor;
  napi_ref key_ctor;
  int live_threads;
} bst_instance;

/* Policy failures found by our own checks of the peer chain (beyond GnuTLS's status bits). */
enum {
  BST_PEER_WEAK_KEY = 1 << 0,        /* RSA below min_rsa_bits, EC below min_ec_bits, DSA */
  BST_PEER_WEAK_SIGNATURE = 1 << 1,  /* MD5/SHA-1 signature on a certificate that is not self-signed */
  BST_PEER_NO_CERTIFICATE = 1 << 2,  /* the server sent no certificate */
  BST_PEER_REJECTED_BY_CHECK = 1 << 3, /* the JS checkPeer hook said no (or threw) */
};

typedef struct bst_session {
  napi_env env;
  napi_value self; /* the JS object while one of its methods runs, else NULL */
  gnutls_session_t tls;
  gnutls_certificate_credentials_t cred;
  char *server_name;
  bst_buf in, out;
  int eof;       /* JS said the socket ended: pull returns 0 once the input is drained */
  int busy;      /* inside a GnuTLS call: methods called from a JS callback are refused */
  int destroyed; /* GnuTLS state freed (destroy() or finalizer) */
  bst_state state;
  int peer_closed; /* close_notify (or EOF) seen by read() */
  int pending_error; /* fatal record-layer error found by read() after returning data */

  /* policy for the peer chain */
  unsigned min_rsa_bits, min_ec_bits;

  /* client identity (external signer) */
  int has_identity;
  gnutls_pk_algorithm_t key_pk;
  unsigned key_bits;
  unsigned sign_mask; /* bit i set: bst_sign_names[i] is offered by the JS signer */
  unsigned sign_calls;
  const char *last_sign_algo;

  /* peer verification, recorded by the verify callback */
  int verify_ran;
  int verify_rc;
  unsigned verify_status;
  unsigned peer_policy; /* BST_PEER_* */
  char *peer_reject_reason;

  /* exception thrown by a JS callback while GnuTLS was running (re-thrown as `cause`) */
  napi_ref js_error;

  /* ---- threaded handshake (handshake.c). JS-thread-only fields: */
  bst_instance *inst;
  napi_ref weak_self;    /* weak reference to the JS object (refcount 0) */
  int has_check_peer;    /* a checkPeer function was given */
  int has_sign_fn;       /* a sign function was given */
  int sync_started;      /* handshake() was used: startHandshake() is refused */
  int thread_started;    /* a handshake thread exists and has not been joined */
  int cleanup_hook;      /* napi env cleanup hook registered for this session */
  int exit_joined;       /* joined by the process exit handler (registry lock) */
  uv_thread_t thread;
  napi_threadsafe_function tsfn;
  struct bst_session *live_prev, *live_next; /* process-wide list of running threads */
  /* Set before the thread starts, cleared after it was joined: GnuTLS callbacks run on the
   * handshake thread while this is set (pull blocks, sign/checkPeer go through tsfn). */
  int threaded;
  uint64_t deadline_ns; /* uv_hrtime() deadline of the threaded handshake; 0 = none */

  /* ---- shared between the JS thread and the handshake thread: under mu */
  uv_mutex_t mu;
  uv_cond_t cv;
  int abort;        /* JS gave up (destroy, GC, env teardown, exit): every wait ends */
  int timed_out;    /* deadline_ns passed while the thread waited */
  unsigned events;  /* BST_EV_* not yet handled by the JS thread */
  int posted;       /* a tsfn call is queued and has not started yet */
  int hs_rc;        /* result of gnutls_handshake on the thread */
  bst_req_state req_state;
  unsigned req_kind; /* BST_EV_SIGN or BST_EV_CHECK */
  uint32_t req_id, next_req_id;
  int req_algo;                /* sign: index into bst_sign_names */
  const uint8_t *req_data;     /* sign: hash / DigestInfo (thread's memory, valid while PENDING) */
  size_t req_len;
  const gnutls_datum_t *req_certs; /* check: the peer chain (GnuTLS's memory, valid while PENDING) */
  unsigned req_ncerts;
  int req_rc;          /* 0 = signature / accepted; < 0 = refused */
  uint8_t *req_sig;    /* malloc'ed signature delivered by JS */
  size_t req_sig_len;
  char *req_reason;    /* malloc'ed checkPeer refusal reason */
} bst_session;

/* Hidden properties of the JS session object holding its callbacks. */
#define BST_ONWRITE_KEY "__bastionOnWrite"
#define BST_SIGN_KEY "__bastionSign"
#define BST_CHECKPEER_KEY "__bastionCheckPeer"

#define BST_ONDONE_KEY "__bastionOnDone"

/* N-API helpers (util.c) */
napi_value bst_throw_type(napi_env env, const char *msg);
napi_value bst_throw(napi_env env, const char *code, const char *msg);
int bst_get_prop(napi_env env, napi_value obj, const char *key, napi_value *out, napi_valuetype *type);
/* Malloc'ed UTF-8 copy of a string property; NULL when absent or not a string. */
char *bst_get_string(napi_env env, napi_value obj, const char *key, napi_valuetype *type);
/* Bytes of a Buffer / Uint8Array. */
int bst_get_bytes(napi_env env, napi_value v, const uint8_t **data, size_t *len);
/* Buffer holding a copy of the bytes. */
napi_value bst_buffer_from(napi_env env, const void *data, size_t len);
/* Stores the pending JS exception in s->js_error (first one wins) and clears it. */
void bst_capture_js_error(bst_session *s);
/* obj[key] = value; bst_set_str stores null for a NULL string. */
napi_status bst_set_str(napi_env env, napi_value obj, const char *key, const char *value);
napi_status bst_set_num(napi_env env, napi_value obj, const char *key, double value);
napi_status bst_set_bool(napi_env env, napi_value obj, const char *key, int value);
/* A status bit and the name JS sees for it. */
typedef struct {
  unsigned bit;
  const char *name;
} bst_flag_name;
/* Appends to the array `arr`, from index *idx on, the name of every bit of `bits` in `table`. */
napi_status bst_flag_names(napi_env env, unsigned bits, const bst_flag_name *table, size_t n, napi_value arr, uint32_t *idx);

/* createSession and the class constructor (create.c); describePriority (priority.c) */
napi_value bst_create_session(napi_env env, napi_callback_info info);
napi_value bst_session_ctor(napi_env env, napi_callback_info info);
napi_value bst_describe_priority(napi_env env, napi_callback_info info);

/* buffers and transport (session.c) */
int bst_buf_append(bst_buf *b, const uint8_t *data, size_t len);
void bst_buf_free(bst_buf *b);
void bst_session_set_transport(bst_session *s);
/* mu held: wait on cv (bounded by the deadline and by max_ns if non-zero); 0 woken, -1 timeout. */
int bst_wait(bst_session *s, uint64_t max_ns);
/* mu held, handshake thread: flag events for the JS thread and queue one tsfn call. */
void bst_post(bst_session *s, unsigned events);
void bst_session_free_tls(bst_session *s);

/* Everything GnuTLS pushed, handed to self's onWrite (JS thread). Returns 0, or -1 with an
 * exception pending. self may be NULL (the object is gone): the output is dropped. */
int bst_flush(bst_session *s, napi_value self);
/* The Error for GnuTLS error rc (code = GnuTLS error name, verification state, cause). */
napi_value bst_make_error(bst_session *s, int rc, const char *during);

/* threaded handshake (handshake.c) */
napi_value bst_start_handshake(napi_env env, bst_session *s, napi_value self, napi_value on_done, double timeout_ms);
/* Delivers a signature (Uint8Array) or an error (anything else) for request id; false when
 * no such request is pending (late answer after abort/destroy/timeout). */
int bst_deliver_signature(napi_env env, bst_session *s, uint32_t id, napi_value value);
/* Ends the handshake thread if there is one: abort, join, release the threadsafe function.
 * Never waits for JS. from_hook: called by the env cleanup hook itself. */
void bst_stop_thread(bst_session *s, int from_hook);
/* Thread side: asks JS to sign / to check the peer chain and waits for the answer. */
int bst_thread_sign(bst_session *s, int algo_index, const uint8_t *data, size_t len, gnutls_datum_t *signature);
int bst_thread_check_peer(bst_session *s, const gnutls_datum_t *certs, unsigned n, char **reason);
void bst_session_sync_init(bst_session *s);
void bst_session_sync_destroy(bst_session *s);

/* PKCS#12 software identity (pkcs12.c) */
napi_value bst_load_pkcs12(napi_env env, napi_callback_info info);
napi_status bst_define_key_class(napi_env env, napi_value *ctor);
/* Attaches the key of a key handle (a copy) and its chain to s->cred. */
napi_value bst_attach_key_handle(napi_env env, bst_session *s, napi_value handle);

/* external signer (signer.c) */
extern const char *const bst_sign_names[];
extern const size_t bst_sign_name_count;
int bst_sign_name_index(const char *name);
/* Our name of a GnuTLS signature algorithm, or NULL. */
const char *bst_sign_name_of(gnutls_sign_algorithm_t algo);
/* Imports the chain and an import_ext4 private key into s->cred. Returns 0 or a GnuTLS error;
 * on a usage error *why is set to a static message. */
int bst_signer_attach(bst_session *s, const gnutls_datum_t *chain, size_t n, int key_is_ec, unsigned bits,
                      const char **why);

/* verification (verify.c) */
void bst_verify_install(bst_session *s);
/* Appends status reason strings to a JS array; returns the number appended. */
napi_status bst_verify_reasons(napi_env env, unsigned status, unsigned peer_policy, napi_value *out);
/* info (info.c) */
napi_value bst_session_info(napi_env env, bst_session *s);

/* revocation primitives: certUrls, ocspRequest, ocspVerify, crlCheck (ocsp.c) */
napi_value bst_cert_urls(napi_env env, napi_callback_info info);
napi_value bst_ocsp_request(napi_env env, napi_callback_info info);
napi_value bst_ocsp_verify(napi_env env, napi_callback_info info);
napi_value bst_crl_check(napi_env env, napi_callback_info info);

#endif
