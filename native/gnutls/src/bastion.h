/*
 * Bastion GnuTLS engine: a GnuTLS client session over in-memory buffers, driven from JS.
 *
 * The JS side owns the socket: it feeds received ciphertext in (feed), GnuTLS pulls it from
 * the input buffer, and everything GnuTLS pushes is collected in the output buffer and handed
 * to JS (onWrite) after each call. All state lives in one bst_session per JS object; the only
 * process-wide state is gnutls_global_init.
 *
 * JS callbacks (onWrite, sign, checkPeer) are stored as hidden properties of the JS session
 * object (not as napi_refs), so a callback that closes over the session does not keep it alive
 * forever: the garbage collector sees the cycle. They are called only synchronously, on the JS
 * thread, while a method of that object is running (bst_session.self is set for that time).
 */
#ifndef BASTION_GNUTLS_H
#define BASTION_GNUTLS_H

#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

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
} bst_session;

/* Hidden properties of the JS session object holding its callbacks. */
#define BST_ONWRITE_KEY "__bastionOnWrite"
#define BST_SIGN_KEY "__bastionSign"
#define BST_CHECKPEER_KEY "__bastionCheckPeer"

/* Per-env instance data (napi_set_instance_data): the session class. */
typedef struct {
  napi_ref ctor;
} bst_instance;

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

/* createSession and the class constructor (create.c); describePriority (priority.c) */
napi_value bst_create_session(napi_env env, napi_callback_info info);
napi_value bst_session_ctor(napi_env env, napi_callback_info info);
napi_value bst_describe_priority(napi_env env, napi_callback_info info);

/* buffers and transport (session.c) */
int bst_buf_append(bst_buf *b, const uint8_t *data, size_t len);
void bst_buf_free(bst_buf *b);
void bst_session_set_transport(bst_session *s);
void bst_session_free_tls(bst_session *s);

/* external signer (signer.c) */
extern const char *const bst_sign_names[];
extern const size_t bst_sign_name_count;
int bst_sign_name_index(const char *name);
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
