/*
 * Peer verification, run by GnuTLS inside the handshake as soon as the server's certificate
 * has arrived (before the client sends its own certificate or Finished):
 *   1. chain against ONLY the trust anchors of this session's credentials (no system store),
 *      with purpose id-kp-serverAuth and NO host name: name matching (RFC 6125 / RFC 6120,
 *      including SRV-ID and XmppAddr) belongs to the TypeScript checkPeer hook;
 *   2. our own key-size and signature-hash floor on every certificate the peer sent;
 *   3. the JS checkPeer(chainDer) hook, if given: it returns null to accept, or a reason string.
 *      It always runs on the JS thread: in a threaded handshake the handshake thread waits for
 *      its answer.
 * Any failure aborts the handshake (the client sends a bad_certificate alert).
 */
#include <stdlib.h>
#include <string.h>

#include "bastion.h"

static void set_reject_reason(bst_session *s, const char *why) {
  free(s->peer_reject_reason);
  s->peer_reject_reason = NULL;
  if (!why) return;
  size_t n = strlen(why);
  char *copy = malloc(n + 1);
  if (copy) memcpy(copy, why, n + 1);
  s->peer_reject_reason = copy;
}

/* Weak-key and weak-hash floor over every certificate the peer sent. */
static unsigned check_chain_policy(bst_session *s, const gnutls_datum_t *certs, unsigned n) {
  unsigned flags = 0;
  for (unsigned i = 0; i < n; i++) {
    gnutls_x509_crt_t crt;
    if (gnutls_x509_crt_init(&crt) < 0) return BST_PEER_WEAK_KEY;
    if (gnutls_x509_crt_import(crt, &certs[i], GNUTLS_X509_FMT_DER) < 0) {
      gnutls_x509_crt_deinit(crt);
      return BST_PEER_WEAK_KEY;
    }
    unsigned bits = 0;
    int pk = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
    if (pk == GNUTLS_PK_RSA || pk == GNUTLS_PK_RSA_PSS) {
      if (bits < s->min_rsa_bits) flags |= BST_PEER_WEAK_KEY;
    } else if (pk == GNUTLS_PK_ECDSA) {
      if (bits < s->min_ec_bits) flags |= BST_PEER_WEAK_KEY;
    } else if (pk != GNUTLS_PK_EDDSA_ED25519 && pk != GNUTLS_PK_EDDSA_ED448) {
      flags |= BST_PEER_WEAK_KEY; /* DSA, GOST, unknown */
    }
    /* A self-signed certificate's own signature proves nothing and is not checked by anyone;
     * every other signature in the path must use SHA-2 or better. */
    int self_signed = gnutls_x509_crt_check_issuer(crt, crt);
    if (!self_signed) {
      int sig = gnutls_x509_crt_get_signature_algorithm(crt);
      gnutls_digest_algorithm_t h = gnutls_sign_get_hash_algorithm((gnutls_sign_algorithm_t)sig);
      if (h == GNUTLS_DIG_MD5 || h == GNUTLS_DIG_SHA1 || h == GNUTLS_DIG_MD2 || h == GNUTLS_DIG_RMD160)
        flags |= BST_PEER_WEAK_SIGNATURE;
    }
    gnutls_x509_crt_deinit(crt);
  }
  return flags;
}

/* Calls the JS hook; returns 0 to accept. On the handshake thread the hook runs on the JS
 * thread while this thread waits for its answer (handshake.c). */
static int run_check_peer(bst_session *s, const gnutls_datum_t *certs, unsigned n) {
  if (s->threaded) {
    if (!s->has_check_peer) return 0;
    char *reason = NULL;
    int rc = bst_thread_check_peer(s, certs, n, &reason);
    if (rc != 0) set_reject_reason(s, reason ? reason : "checkPeer did not answer (handshake aborted)");
    free(reason);
    return rc;
  }
  napi_env env = s->env;
  napi_value fn, chain, result;
  napi_valuetype type;
  if (!s->self) return -1;
  if (napi_get_named_property(env, s->self, "__bastionCheckPeer", &fn) != napi_ok) goto js_failed;
  if (napi_typeof(env, fn, &type) != napi_ok) goto js_failed;
  if (type != napi_function) return 0; /* no hook */
  if (napi_create_array_with_length(env, n, &chain) != napi_ok) goto js_failed;
  for (unsigned i = 0; i < n; i++) {
    napi_value b = bst_buffer_from(env, certs[i].data, certs[i].size);
    if (!b || napi_set_element(env, chain, i, b) != napi_ok) goto js_failed;
  }
  if (napi_call_function(env, s->self, fn, 1, &chain, &result) != napi_ok) goto js_failed;
  if (napi_typeof(env, result, &type) != napi_ok) goto js_failed;
  if (type == napi_undefined || type == napi_null) return 0;
  if (type == napi_string) {
    char why[512];
    size_t len = 0;
    napi_get_value_string_utf8(env, result, why, sizeof(why), &len);
    set_reject_reason(s, why);
  } else {
    set_reject_reason(s, "checkPeer returned a non-string");
  }
  return -1;
js_failed:
  bst_capture_js_error(s);
  set_reject_reason(s, "checkPeer threw");
  return -1;
}

static int bst_verify_cb(gnutls_session_t tls) {
  bst_session *s = gnutls_session_get_ptr(tls);
  unsigned n = 0;
  const gnutls_datum_t *certs = gnutls_certificate_get_peers(tls, &n);
  s->verify_ran = 1;
  if (!certs || n == 0) {
    s->peer_policy |= BST_PEER_NO_CERTIFICATE;
    s->verify_rc = GNUTLS_E_NO_CERTIFICATE_FOUND;
    return GNUTLS_E_CERTIFICATE_ERROR;
  }
  gnutls_typed_vdata_st purpose = {.type = GNUTLS_DT_KEY_PURPOSE_OID, .data = (void *)GNUTLS_KP_TLS_WWW_SERVER};
  unsigned status = 0;
  int rc = gnutls_certificate_verify_peers(tls, &purpose, 1, &status);
  s->verify_rc = rc;
  s->verify_status = status;
  s->peer_policy |= check_chain_policy(s, certs, n);
  if (rc < 0) return GNUTLS_E_CERTIFICATE_ERROR;
  if (status != 0 || s->peer_policy != 0) return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
  if (run_check_peer(s, certs, n) != 0) {
    s->peer_policy |= BST_PEER_REJECTED_BY_CHECK;
    return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
  }
  return 0;
}

void bst_verify_install(bst_session *s) { gnutls_certificate_set_verify_function(s->cred, bst_verify_cb); }

static const bst_flag_name status_names[] = {
    {GNUTLS_CERT_INVALID, "invalid"},
    {GNUTLS_CERT_REVOKED, "revoked"},
    {GNUTLS_CERT_SIGNER_NOT_FOUND, "signer-not-found"},
    {GNUTLS_CERT_SIGNER_NOT_CA, "signer-not-ca"},
    {GNUTLS_CERT_INSECURE_ALGORITHM, "insecure-algorithm"},
    {GNUTLS_CERT_NOT_ACTIVATED, "not-activated"},
    {GNUTLS_CERT_EXPIRED, "expired"},
    {GNUTLS_CERT_SIGNATURE_FAILURE, "signature-failure"},
    {GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED, "revocation-data-superseded"},
    {GNUTLS_CERT_UNEXPECTED_OWNER, "unexpected-owner"},
    {GNUTLS_CERT_REVOCATION_DATA_ISSUED_IN_FUTURE, "revocation-data-issued-in-future"},
    {GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE, "signer-constraints-failure"},
    {GNUTLS_CERT_MISMATCH, "mismatch"},
    {GNUTLS_CERT_PURPOSE_MISMATCH, "purpose-mismatch"},
    {GNUTLS_CERT_MISSING_OCSP_STATUS, "missing-ocsp-status"},
    {GNUTLS_CERT_INVALID_OCSP_STATUS, "invalid-ocsp-status"},
    {GNUTLS_CERT_UNKNOWN_CRIT_EXTENSIONS, "unknown-critical-extensions"},
};

static const bst_flag_name policy_names[] = {
    {BST_PEER_WEAK_KEY, "weak-key"},
    {BST_PEER_WEAK_SIGNATURE, "weak-signature-hash"},
    {BST_PEER_NO_CERTIFICATE, "no-certificate"},
    {BST_PEER_REJECTED_BY_CHECK, "rejected-by-check"},
};

napi_status bst_verify_reasons(napi_env env, unsigned status, unsigned peer_policy, napi_value *out) {
  napi_status st = napi_create_array(env, out);
  uint32_t idx = 0;
  if (st == napi_ok) st = bst_flag_names(env, status, status_names, sizeof(status_names) / sizeof(status_names[0]), *out, &idx);
  if (st == napi_ok) st = bst_flag_names(env, peer_policy, policy_names, sizeof(policy_names) / sizeof(policy_names[0]), *out, &idx);
  return st;
}
