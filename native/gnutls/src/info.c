/* session.info(): what was negotiated, the peer chain, verification, OCSP and channel bindings. */
#include <string.h>

#include "bastion.h"

#define CHECK(call)                                                                                                    \
  do {                                                                                                                 \
    if ((call) != napi_ok) return NULL;                                                                                \
  } while (0)

static napi_status set_buf(napi_env env, napi_value obj, const char *key, const void *data, size_t len) {
  napi_value v = bst_buffer_from(env, data, len);
  if (!v) return napi_generic_failure;
  return napi_set_named_property(env, obj, key, v);
}

static const char *pk_name(int pk) {
  switch (pk) {
    case GNUTLS_PK_RSA: return "rsa";
    case GNUTLS_PK_RSA_PSS: return "rsa-pss";
    case GNUTLS_PK_ECDSA: return "ec";
    case GNUTLS_PK_EDDSA_ED25519: return "ed25519";
    case GNUTLS_PK_EDDSA_ED448: return "ed448";
    case GNUTLS_PK_DSA: return "dsa";
    default: return "unknown";
  }
}

static napi_value channel_binding(napi_env env, bst_session *s, gnutls_protocol_t ver) {
  napi_value cb;
  CHECK(napi_create_object(env, &cb));
  /* RFC 9266 tls-exporter: label "EXPORTER-Channel-Binding", empty context, 32 bytes. TLS 1.3
   * only: over TLS 1.2 "no context" and "empty context" give different values and servers
   * disagree on which one to use, so TLS 1.2 binds with tls-unique instead. */
  if (ver == GNUTLS_TLS1_3) {
    static const char label[] = "EXPORTER-Channel-Binding";
    uint8_t out[32];
    if (gnutls_prf_rfc5705(s->tls, sizeof(label) - 1, label, 0, "", sizeof(out), (char *)out) == 0) {
      CHECK(set_buf(env, cb, "tlsExporter", out, sizeof(out)));
      gnutls_memset(out, 0, sizeof(out));
    }
  }
  /* RFC 5929 tls-unique: the first Finished message; not defined for TLS 1.3. */
  if (ver == GNUTLS_TLS1_2) {
    gnutls_datum_t u = {NULL, 0};
    if (gnutls_session_channel_binding(s->tls, GNUTLS_CB_TLS_UNIQUE, &u) == 0) {
      napi_status st = set_buf(env, cb, "tlsUnique", u.data, u.size);
      gnutls_free(u.data);
      CHECK(st);
    }
  }
  return cb;
}

napi_value bst_session_info(napi_env env, bst_session *s) {
  napi_value info, arr;
  CHECK(napi_create_object(env, &info));
  gnutls_session_t tls = s->tls;
  int done = s->state == BST_OPEN || s->state == BST_CLOSED;
  static const char *const states[] = {"handshaking", "open", "closed", "failed"};
  CHECK(bst_set_str(env, info, "state", states[s->state]));

  if (done) {
    gnutls_protocol_t ver = gnutls_protocol_get_version(tls);
    gnutls_kx_algorithm_t kx = gnutls_kx_get(tls);
    CHECK(bst_set_str(env, info, "version", gnutls_protocol_get_name(ver)));
    CHECK(bst_set_str(env, info, "cipherSuite", gnutls_ciphersuite_get(tls)));
    CHECK(bst_set_str(env, info, "cipher", gnutls_cipher_get_name(gnutls_cipher_get(tls))));
    /* TLS 1.3 has no key exchange in the suite: report the group's family. */
    const char *kx_name = gnutls_kx_get_name(kx);
    gnutls_group_t group = gnutls_group_get(tls);
    if (ver == GNUTLS_TLS1_3 || !kx_name)
      kx_name = (group >= GNUTLS_GROUP_FFDHE2048 && group <= GNUTLS_GROUP_FFDHE8192) ? "DHE" : "ECDHE";
    CHECK(bst_set_str(env, info, "kx", kx_name));
    CHECK(bst_set_str(env, info, "mac", gnutls_mac_get_name(gnutls_mac_get(tls))));
    CHECK(bst_set_str(env, info, "group", group ? gnutls_group_get_name(group) : NULL));
    char *desc = gnutls_session_get_desc(tls); /* e.g. "(TLS1.3)-(ECDHE-X25519)-(RSA-PSS-RSAE-SHA256)-(AES-256-GCM)" */
    napi_status dst = bst_set_str(env, info, "description", desc);
    gnutls_free(desc);
    CHECK(dst);
    CHECK(bst_set_bool(env, info, "sessionResumed", gnutls_session_is_resumed(tls)));
    CHECK(bst_set_bool(env, info, "extendedMasterSecret", ver == GNUTLS_TLS1_3 || gnutls_session_ext_master_secret_status(tls)));
    CHECK(bst_set_bool(env, info, "safeRenegotiation", ver == GNUTLS_TLS1_3 || gnutls_safe_renegotiation_status(tls)));
    napi_value cb = channel_binding(env, s, ver);
    if (!cb) return NULL;
    CHECK(napi_set_named_property(env, info, "channelBinding", cb));
  }

  /* Peer chain, as received (leaf first). */
  unsigned n = 0;
  const gnutls_datum_t *certs = tls ? gnutls_certificate_get_peers(tls, &n) : NULL;
  CHECK(napi_create_array_with_length(env, certs ? n : 0, &arr));
  for (unsigned i = 0; certs && i < n; i++) {
    napi_value b = bst_buffer_from(env, certs[i].data, certs[i].size);
    if (!b) return NULL;
    CHECK(napi_set_element(env, arr, i, b));
  }
  CHECK(napi_set_named_property(env, info, "peerChainDer", arr));
  if (certs && n > 0) {
    gnutls_x509_crt_t crt;
    if (gnutls_x509_crt_init(&crt) == 0) {
      if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == 0) {
        unsigned bits = 0;
        int pk = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
        napi_value key;
        if (napi_create_object(env, &key) == napi_ok && bst_set_str(env, key, "type", pk_name(pk)) == napi_ok &&
            bst_set_num(env, key, "bits", bits) == napi_ok)
          napi_set_named_property(env, info, "peerKey", key);
      }
      gnutls_x509_crt_deinit(crt);
    }
  }

  /* Verification as done by the verify callback during the handshake. */
  CHECK(bst_set_bool(env, info, "verified", s->verify_ran && s->verify_rc == 0 && s->verify_status == 0 && s->peer_policy == 0));
  CHECK(bst_set_num(env, info, "verifyStatus", s->verify_ran ? (double)s->verify_status : -1));
  CHECK(bst_verify_reasons(env, s->verify_status, s->peer_policy, &arr));
  CHECK(napi_set_named_property(env, info, "verifyReasons", arr));
  if (s->verify_ran && s->verify_status) {
    gnutls_datum_t text = {NULL, 0};
    if (gnutls_certificate_verification_status_print(s->verify_status, GNUTLS_CRT_X509, &text, 0) == 0) {
      napi_status st = bst_set_str(env, info, "verifyText", (const char *)text.data);
      gnutls_free(text.data);
      CHECK(st);
    }
  }
  if (s->peer_reject_reason) CHECK(bst_set_str(env, info, "peerRejectReason", s->peer_reject_reason));

  /* OCSP response stapled by the server (status_request), if any. */
  gnutls_datum_t ocsp = {NULL, 0};
  if (tls && done && gnutls_ocsp_status_request_get(tls, &ocsp) == 0 && ocsp.size > 0)
    CHECK(set_buf(env, info, "ocspStapledDer", ocsp.data, ocsp.size));

  /* Client authentication. */
  CHECK(bst_set_bool(env, info, "clientCertRequested", tls && gnutls_certificate_client_get_request_status(tls)));
  CHECK(bst_set_bool(env, info, "clientCertSent", tls && done && s->has_identity && gnutls_certificate_get_ours(tls) != NULL));
  CHECK(bst_set_num(env, info, "signatures", s->sign_calls));
  const char *client_sign = s->last_sign_algo;
  /* A PKCS#12 key signs inside GnuTLS (no callback): ask GnuTLS what it used. */
  if (!client_sign && tls && done && s->has_identity && gnutls_certificate_get_ours(tls) != NULL) {
    int algo = gnutls_sign_algorithm_get_client(tls);
    if (algo > 0) client_sign = bst_sign_name_of((gnutls_sign_algorithm_t)algo);
  }
  if (client_sign) CHECK(bst_set_str(env, info, "clientSignAlgorithm", client_sign));
  return info;
}
