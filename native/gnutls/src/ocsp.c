/*
 * Revocation primitives for the server's certificate chain [UCR-A5]: the GnuTLS OCSP and CRL
 * code behind four stateless functions. Policy (which source, freshness against the caller's
 * clock, hard/soft fail) lives in TypeScript (electron/main/tls/revocation.ts).
 *
 *   certUrls(certDer)                        -> { ocsp: string[], crl: string[] } | { error }
 *   ocspRequest(certDer, issuerDer, nonce?)  -> { der: Buffer } | { error }
 *   ocspVerify(respDer, certDer, issuerDer, nonce?) -> { responseStatus, certMatch, certStatus?,
 *        thisUpdate?, nextUpdate?, producedAt?, revocationTime?, reason?, signatureOk,
 *        signatureReasons, responder?, nonce?, error? }
 *   crlCheck(crlDer, certDer, issuerDer)     -> { signatureOk, signatureReasons, issuerMatch,
 *        thisUpdate?, nextUpdate?, entries, revoked, revocationTime?, delta, partitioned,
 *        unsupportedCritical?, error? }
 *
 * Times are seconds since the epoch. Arguments that are not Buffers throw a TypeError (a
 * programming error); bytes that do not parse give an object with `error` (never a throw, never
 * a crash). Every gnutls_* object is freed on every path (one cleanup label per function).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/ocsp.h>

#include "bastion.h"

/* Input size limits: a certificate or an OCSP response above 1 MiB is garbage; CRLs of large
 * CAs reach tens of MB, 256 MiB is far beyond any real one (and fits gnutls_datum_t.size). */
#define MAX_CERT_BYTES (1u << 20)
#define MAX_OCSP_BYTES (1u << 20)
#define MAX_CRL_BYTES (256u << 20)
#define MAX_NONCE_BYTES 128u
#define MAX_URLS 16
#define MAX_URL_LEN 2048u
#define MAX_SINGLES 4096u
#define MAX_SERIAL 128u

#define CHECK(call)                                                                                                    \
  do {                                                                                                                 \
    if ((call) != napi_ok) goto napi_failed;                                                                          \
  } while (0)

/* ------------------------------------------------------------------ small helpers */

/* A time_t from GnuTLS (-1 = absent or unparsable) as a number property, or nothing. */
static napi_status set_time(napi_env env, napi_value obj, const char *key, time_t t) {
  if (t == (time_t)-1) return napi_ok;
  return bst_set_num(env, obj, key, (double)t);
}

/* { error: "<what>: <GnuTLS text>" } (or just <what> when rc is 0). */
static napi_value error_value(napi_env env, napi_value obj, const char *what, int rc) {
  char text[512];
  if (rc < 0)
    snprintf(text, sizeof(text), "%s: %s", what, gnutls_strerror(rc));
  else
    snprintf(text, sizeof(text), "%s", what);
  napi_value o = obj;
  if (!o && napi_create_object(env, &o) != napi_ok) return NULL;
  if (bst_set_str(env, o, "error", text) != napi_ok) return NULL;
  return o;
}

/* Bytes argument i (a Buffer / Uint8Array of at most max bytes). Throws a TypeError if it is
 * not one; returns 0 on success. An empty buffer is accepted here (GnuTLS refuses it later). */
static int arg_bytes(napi_env env, napi_value v, size_t max, const char *name, gnutls_datum_t *out) {
  const uint8_t *data;
  size_t len;
  char text[128];
  if (bst_get_bytes(env, v, &data, &len) != 0) {
    snprintf(text, sizeof(text), "%s must be a Buffer", name);
    bst_throw_type(env, text);
    return -1;
  }
  if (len > max) {
    snprintf(text, sizeof(text), "%s is larger than %zu bytes", name, max);
    bst_throw_type(env, text);
    return -1;
  }
  out->data = (unsigned char *)data;
  out->size = (unsigned)len;
  return 0;
}

/* Optional bytes argument: undefined/null -> *present = 0. */
static int arg_opt_bytes(napi_env env, size_t argc, napi_value *argv, size_t i, size_t max, const char *name,
                         gnutls_datum_t *out, int *present) {
  *present = 0;
  if (i >= argc) return 0;
  napi_valuetype t;
  if (napi_typeof(env, argv[i], &t) != napi_ok) return -1;
  if (t == napi_undefined || t == napi_null) return 0;
  if (arg_bytes(env, argv[i], max, name, out) != 0) return -1;
  *present = 1;
  return 0;
}

static int import_crt(const gnutls_datum_t *der, gnutls_x509_crt_t *out) {
  int rc = gnutls_x509_crt_init(out);
  if (rc < 0) {
    *out = NULL;
    return rc;
  }
  if (der->size == 0) return GNUTLS_E_ASN1_DER_ERROR;
  return gnutls_x509_crt_import(*out, der, GNUTLS_X509_FMT_DER);
}

/* INTEGER contents compared as numbers: leading zero octets do not count. */
static int same_serial(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen) {
  while (alen > 1 && a[0] == 0) a++, alen--;
  while (blen > 1 && b[0] == 0) b++, blen--;
  return alen == blen && memcmp(a, b, alen) == 0;
}

static int same_datum(const gnutls_datum_t *a, const gnutls_datum_t *b) {
  return a->size == b->size && (a->size == 0 || memcmp(a->data, b->data, a->size) == 0);
}

/* A URL we are willing to hand to JS: printable ASCII, bounded. */
static int plausible_url(const unsigned char *p, size_t n) {
  if (n == 0 || n > MAX_URL_LEN) return 0;
  for (size_t i = 0; i < n; i++)
    if (p[i] < 0x21 || p[i] > 0x7e) return 0;
  return 1;
}

static napi_status push_string(napi_env env, napi_value arr, uint32_t *idx, const unsigned char *p, size_t n) {
  napi_value v;
  napi_status st = napi_create_string_latin1(env, (const char *)p, n, &v);
  if (st != napi_ok) return st;
  return napi_set_element(env, arr, (*idx)++, v);
}

/* ------------------------------------------------------------------ certUrls */

napi_value bst_cert_urls(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result = NULL, ocsp, crl;
  gnutls_datum_t der;
  gnutls_x509_crt_t crt = NULL;
  unsigned char *buf = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1) return bst_throw_type(env, "certUrls(certDer)");
  if (arg_bytes(env, argv[0], MAX_CERT_BYTES, "certDer", &der) != 0) return NULL;
  CHECK(napi_create_object(env, &result));
  int rc = import_crt(&der, &crt);
  if (rc < 0) {
    result = error_value(env, result, "not a DER certificate", rc);
    goto done;
  }
  CHECK(napi_create_array(env, &ocsp));
  CHECK(napi_create_array(env, &crl));
  uint32_t n_ocsp = 0, n_crl = 0;
  /* Authority Information Access: only id-ad-ocsp entries with a URI. */
  for (unsigned seq = 0; seq < 64 && n_ocsp < MAX_URLS; seq++) {
    gnutls_datum_t uri = {NULL, 0};
    rc = gnutls_x509_crt_get_authority_info_access(crt, seq, GNUTLS_IA_OCSP_URI, &uri, NULL);
    if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) break;
    if (rc < 0) continue; /* GNUTLS_E_UNKNOWN_ALGORITHM: caIssuers or a non-URI location */
    napi_status st = napi_ok;
    if (plausible_url(uri.data, uri.size)) st = push_string(env, ocsp, &n_ocsp, uri.data, uri.size);
    gnutls_free(uri.data);
    CHECK(st);
  }
  /* CRL Distribution Points: URI full names. */
  size_t cap = 512;
  buf = malloc(cap);
  if (!buf) {
    result = error_value(env, result, "out of memory", 0);
    goto done;
  }
  for (unsigned seq = 0; seq < 64 && n_crl < MAX_URLS; seq++) {
    size_t size = cap;
    unsigned reasons = 0, critical = 0;
    rc = gnutls_x509_crt_get_crl_dist_points(crt, seq, buf, &size, &reasons, &critical);
    if (rc == GNUTLS_E_SHORT_MEMORY_BUFFER && size <= MAX_URL_LEN + 1) {
      unsigned char *bigger = realloc(buf, size + 1);
      if (!bigger) break;
      buf = bigger;
      cap = size + 1;
      size = cap;
      rc = gnutls_x509_crt_get_crl_dist_points(crt, seq, buf, &size, &reasons, &critical);
    }
    if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) break;
    if (rc < 0) continue;
    if (rc == GNUTLS_SAN_URI && size <= cap && plausible_url(buf, size)) CHECK(push_string(env, crl, &n_crl, buf, size));
  }
  CHECK(napi_set_named_property(env, result, "ocsp", ocsp));
  CHECK(napi_set_named_property(env, result, "crl", crl));
  goto done;
napi_failed:
  result = NULL;
done:
  free(buf);
  if (crt) gnutls_x509_crt_deinit(crt);
  return result;
}

/* ------------------------------------------------------------------ ocspRequest */

napi_value bst_ocsp_request(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], result = NULL;
  gnutls_datum_t cert_der, issuer_der, nonce = {NULL, 0}, out = {NULL, 0};
  int has_nonce = 0;
  gnutls_x509_crt_t crt = NULL, issuer = NULL;
  gnutls_ocsp_req_t req = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 2) return bst_throw_type(env, "ocspRequest(certDer, issuerDer, nonce?)");
  if (arg_bytes(env, argv[0], MAX_CERT_BYTES, "certDer", &cert_der) != 0) return NULL;
  if (arg_bytes(env, argv[1], MAX_CERT_BYTES, "issuerDer", &issuer_der) != 0) return NULL;
  if (arg_opt_bytes(env, argc, argv, 2, MAX_NONCE_BYTES, "nonce", &nonce, &has_nonce) != 0) return NULL;
  CHECK(napi_create_object(env, &result));
  int rc;
  if ((rc = import_crt(&cert_der, &crt)) < 0) {
    result = error_value(env, result, "certificate is not DER", rc);
    goto done;
  }
  if ((rc = import_crt(&issuer_der, &issuer)) < 0) {
    result = error_value(env, result, "issuer certificate is not DER", rc);
    goto done;
  }
  if ((rc = gnutls_ocsp_req_init(&req)) < 0) {
    req = NULL;
    result = error_value(env, result, "OCSP request", rc);
    goto done;
  }
  /* SHA-1 CertID: what RFC 5019 responders (and every DoD responder) are guaranteed to index. */
  if ((rc = gnutls_ocsp_req_add_cert(req, GNUTLS_DIG_SHA1, issuer, crt)) < 0) {
    result = error_value(env, result, "OCSP request CertID", rc);
    goto done;
  }
  if (has_nonce && nonce.size > 0 && (rc = gnutls_ocsp_req_set_nonce(req, 0, &nonce)) < 0) {
    result = error_value(env, result, "OCSP request nonce", rc);
    goto done;
  }
  if ((rc = gnutls_ocsp_req_export(req, &out)) < 0) {
    result = error_value(env, result, "OCSP request export", rc);
    goto done;
  }
  napi_value b = bst_buffer_from(env, out.data, out.size);
  if (!b) goto napi_failed;
  CHECK(napi_set_named_property(env, result, "der", b));
  goto done;
napi_failed:
  result = NULL;
done:
  gnutls_free(out.data);
  if (req) gnutls_ocsp_req_deinit(req);
  if (crt) gnutls_x509_crt_deinit(crt);
  if (issuer) gnutls_x509_crt_deinit(issuer);
  return result;
}

/* ------------------------------------------------------------------ ocspVerify */

static const char *resp_status_name(int s) {
  switch (s) {
    case GNUTLS_OCSP_RESP_SUCCESSFUL: return "successful";
    case GNUTLS_OCSP_RESP_MALFORMEDREQUEST: return "malformedRequest";
    case GNUTLS_OCSP_RESP_INTERNALERROR: return "internalError";
    case GNUTLS_OCSP_RESP_TRYLATER: return "tryLater";
    case GNUTLS_OCSP_RESP_SIGREQUIRED: return "sigRequired";
    case GNUTLS_OCSP_RESP_UNAUTHORIZED: return "unauthorized";
    default: return "unrecognised";
  }
}

static napi_status ocsp_reasons(napi_env env, unsigned v, napi_value *out) {
  static const bst_flag_name names[] = {
      {GNUTLS_OCSP_VERIFY_SIGNER_NOT_FOUND, "signer-not-found"},
      {GNUTLS_OCSP_VERIFY_SIGNER_KEYUSAGE_ERROR, "signer-not-authorised"},
      {GNUTLS_OCSP_VERIFY_UNTRUSTED_SIGNER, "untrusted-signer"},
      {GNUTLS_OCSP_VERIFY_INSECURE_ALGORITHM, "insecure-algorithm"},
      {GNUTLS_OCSP_VERIFY_SIGNATURE_FAILURE, "signature-failure"},
      {GNUTLS_OCSP_VERIFY_CERT_NOT_ACTIVATED, "signer-not-yet-valid"},
      {GNUTLS_OCSP_VERIFY_CERT_EXPIRED, "signer-expired"},
  };
  uint32_t idx = 0;
  napi_status st = napi_create_array(env, out);
  return st == napi_ok ? bst_flag_names(env, v, names, sizeof(names) / sizeof(names[0]), *out, &idx) : st;
}

/* The CertID GnuTLS would put in a request for (issuer, crt) with this digest. */
static int expected_cert_id(gnutls_digest_algorithm_t digest, gnutls_x509_crt_t issuer, gnutls_x509_crt_t crt,
                            gnutls_datum_t *name_hash, gnutls_datum_t *key_hash, gnutls_datum_t *serial) {
  gnutls_ocsp_req_t req;
  int rc = gnutls_ocsp_req_init(&req);
  if (rc < 0) return rc;
  rc = gnutls_ocsp_req_add_cert(req, digest, issuer, crt);
  if (rc >= 0) rc = gnutls_ocsp_req_get_cert_id(req, 0, NULL, name_hash, key_hash, serial);
  gnutls_ocsp_req_deinit(req);
  return rc;
}

napi_value bst_ocsp_verify(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], result = NULL, arr;
  gnutls_datum_t resp_der, cert_der, issuer_der, nonce = {NULL, 0};
  int has_nonce = 0;
  gnutls_x509_crt_t crt = NULL, issuer = NULL;
  gnutls_ocsp_resp_t resp = NULL;
  gnutls_datum_t exp_name = {NULL, 0}, exp_key = {NULL, 0}, exp_serial = {NULL, 0};
  gnutls_digest_algorithm_t exp_digest = GNUTLS_DIG_UNKNOWN;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 3) return bst_throw_type(env, "ocspVerify(respDer, certDer, issuerDer, nonce?)");
  if (arg_bytes(env, argv[0], MAX_OCSP_BYTES, "respDer", &resp_der) != 0) return NULL;
  if (arg_bytes(env, argv[1], MAX_CERT_BYTES, "certDer", &cert_der) != 0) return NULL;
  if (arg_bytes(env, argv[2], MAX_CERT_BYTES, "issuerDer", &issuer_der) != 0) return NULL;
  if (arg_opt_bytes(env, argc, argv, 3, MAX_NONCE_BYTES, "nonce", &nonce, &has_nonce) != 0) return NULL;
  CHECK(napi_create_object(env, &result));
  CHECK(bst_set_bool(env, result, "certMatch", 0));
  CHECK(bst_set_bool(env, result, "signatureOk", 0));
  CHECK(napi_create_array(env, &arr));
  CHECK(napi_set_named_property(env, result, "signatureReasons", arr));
  int rc;
  if ((rc = import_crt(&cert_der, &crt)) < 0) {
    result = error_value(env, result, "certificate is not DER", rc);
    goto done;
  }
  if ((rc = import_crt(&issuer_der, &issuer)) < 0) {
    result = error_value(env, result, "issuer certificate is not DER", rc);
    goto done;
  }
  if ((rc = gnutls_ocsp_resp_init(&resp)) < 0) {
    resp = NULL;
    result = error_value(env, result, "OCSP response", rc);
    goto done;
  }
  if (resp_der.size == 0 || (rc = gnutls_ocsp_resp_import(resp, &resp_der)) < 0) {
    result = error_value(env, result, "not a DER OCSP response", resp_der.size == 0 ? GNUTLS_E_ASN1_DER_ERROR : rc);
    goto done;
  }
  int rstatus = gnutls_ocsp_resp_get_status(resp);
  if (rstatus < 0) {
    result = error_value(env, result, "OCSP response status", rstatus);
    goto done;
  }
  CHECK(bst_set_str(env, result, "responseStatus", resp_status_name(rstatus)));
  if (rstatus != GNUTLS_OCSP_RESP_SUCCESSFUL) goto done; /* no responseBytes: nothing else to read */

  /* Find the SingleResponse whose CertID (hash algorithm, issuer name hash, issuer KEY hash,
   * serial) is this certificate's. gnutls_ocsp_resp_check_crt compares only the name hash and
   * the serial, so the key hash is checked here too. */
  int found = -1;
  for (unsigned i = 0; i < MAX_SINGLES && found < 0; i++) {
    gnutls_digest_algorithm_t digest;
    gnutls_datum_t name = {NULL, 0}, key = {NULL, 0}, serial = {NULL, 0};
    rc = gnutls_ocsp_resp_get_single(resp, i, &digest, &name, &key, &serial, NULL, NULL, NULL, NULL, NULL);
    if (rc < 0) break; /* GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE at the end, or unparsable */
    int ok = 0;
    if (digest != exp_digest) {
      gnutls_free(exp_name.data), gnutls_free(exp_key.data), gnutls_free(exp_serial.data);
      exp_name.data = exp_key.data = exp_serial.data = NULL;
      exp_digest = GNUTLS_DIG_UNKNOWN;
      if (expected_cert_id(digest, issuer, crt, &exp_name, &exp_key, &exp_serial) >= 0) exp_digest = digest;
    }
    if (exp_digest == digest && exp_digest != GNUTLS_DIG_UNKNOWN)
      ok = same_datum(&name, &exp_name) && same_datum(&key, &exp_key) &&
           same_serial(serial.data, serial.size, exp_serial.data, exp_serial.size);
    gnutls_free(name.data), gnutls_free(key.data), gnutls_free(serial.data);
    if (ok) found = (int)i;
  }
  if (found >= 0) {
    unsigned cert_status = 0, reason = 0;
    time_t this_update = -1, next_update = -1, rev_time = -1;
    rc = gnutls_ocsp_resp_get_single(resp, (unsigned)found, NULL, NULL, NULL, NULL, &cert_status, &this_update,
                                     &next_update, &rev_time, &reason);
    if (rc < 0) {
      result = error_value(env, result, "OCSP SingleResponse", rc);
      goto done;
    }
    CHECK(bst_set_bool(env, result, "certMatch", 1));
    const char *cs = cert_status == GNUTLS_OCSP_CERT_GOOD      ? "good"
                     : cert_status == GNUTLS_OCSP_CERT_REVOKED ? "revoked"
                                                               : "unknown";
    CHECK(bst_set_str(env, result, "certStatus", cs));
    CHECK(set_time(env, result, "thisUpdate", this_update));
    CHECK(set_time(env, result, "nextUpdate", next_update));
    if (cert_status == GNUTLS_OCSP_CERT_REVOKED) {
      CHECK(set_time(env, result, "revocationTime", rev_time));
      CHECK(bst_set_num(env, result, "reason", reason));
    }
  }
  CHECK(set_time(env, result, "producedAt", gnutls_ocsp_resp_get_produced(resp)));

  /* Responder name, for the report (absent when the responder is identified by key hash). */
  gnutls_datum_t dn = {NULL, 0};
  if (gnutls_ocsp_resp_get_responder2(resp, &dn, 0) >= 0 && dn.data) {
    napi_status st = napi_ok;
    if (dn.size <= 1024) {
      napi_value v;
      st = napi_create_string_utf8(env, (const char *)dn.data, dn.size, &v);
      if (st == napi_ok) st = napi_set_named_property(env, result, "responder", v);
    }
    gnutls_free(dn.data);
    CHECK(st);
  }

  /* Signature: by the issuer itself, or by a responder certificate included in the response
   * that the issuer signed and that carries id-kp-OCSPSigning (RFC 6960 §4.2.2.2). A response
   * signed by anything else (another CA, a responder of another CA, an unrelated key) fails. */
  unsigned vstatus = 0;
  rc = gnutls_ocsp_resp_verify_direct(resp, issuer, &vstatus, 0);
  if (rc < 0) {
    vstatus = GNUTLS_OCSP_VERIFY_SIGNER_NOT_FOUND;
    CHECK(bst_set_str(env, result, "signatureError", gnutls_strerror(rc)));
  }
  CHECK(bst_set_bool(env, result, "signatureOk", rc >= 0 && vstatus == 0));
  CHECK(ocsp_reasons(env, vstatus, &arr));
  CHECK(napi_set_named_property(env, result, "signatureReasons", arr));

  if (has_nonce) {
    unsigned critical = 0;
    gnutls_datum_t got = {NULL, 0};
    rc = gnutls_ocsp_resp_get_nonce(resp, &critical, &got);
    const char *n = "absent";
    if (rc >= 0) n = same_datum(&got, &nonce) ? "match" : "mismatch";
    else if (rc != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) n = "mismatch"; /* present but unparsable */
    gnutls_free(got.data);
    CHECK(bst_set_str(env, result, "nonce", n));
  }
  goto done;
napi_failed:
  result = NULL;
done:
  gnutls_free(exp_name.data);
  gnutls_free(exp_key.data);
  gnutls_free(exp_serial.data);
  if (resp) gnutls_ocsp_resp_deinit(resp);
  if (crt) gnutls_x509_crt_deinit(crt);
  if (issuer) gnutls_x509_crt_deinit(issuer);
  return result;
}

/* ------------------------------------------------------------------ crlCheck */

static napi_status crl_reasons(napi_env env, unsigned status, napi_value *out) {
  static const bst_flag_name names[] = {
      {GNUTLS_CERT_SIGNER_NOT_FOUND, "signer-not-found"},
      {GNUTLS_CERT_SIGNER_NOT_CA, "signer-not-ca"},
      {GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE, "signer-not-authorised"},
      {GNUTLS_CERT_INSECURE_ALGORITHM, "insecure-algorithm"},
      {GNUTLS_CERT_SIGNATURE_FAILURE, "signature-failure"},
      {GNUTLS_CERT_INVALID, "invalid"},
  };
  uint32_t idx = 0;
  napi_status st = napi_create_array(env, out);
  return st == napi_ok ? bst_flag_names(env, status, names, sizeof(names) / sizeof(names[0]), *out, &idx) : st;
}

/* CRL extensions we understand (RFC 5280 §5.2); any other critical one makes the CRL unusable. */
static int known_crl_extension(const char *oid) {
  static const char *const known[] = {
      "2.5.29.20", /* cRLNumber */
      "2.5.29.35", /* authorityKeyIdentifier */
      "2.5.29.18", /* issuerAltName */
      "2.5.29.28", /* issuingDistributionPoint (reported as partitioned) */
      "2.5.29.27", /* deltaCRLIndicator (reported as delta) */
      "2.5.29.46", /* freshestCRL */
      "1.3.6.1.5.5.7.1.1", /* authorityInfoAccess */
  };
  for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
    if (strcmp(oid, known[i]) == 0) return 1;
  return 0;
}

napi_value bst_crl_check(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], result = NULL, arr;
  gnutls_datum_t crl_der, cert_der, issuer_der;
  gnutls_x509_crt_t crt = NULL, issuer = NULL;
  gnutls_x509_crl_t crl = NULL;
  gnutls_x509_crl_iter_t iter = NULL;
  gnutls_datum_t crl_dn = {NULL, 0}, crt_dn = {NULL, 0};
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 3) return bst_throw_type(env, "crlCheck(crlDer, certDer, issuerDer)");
  if (arg_bytes(env, argv[0], MAX_CRL_BYTES, "crlDer", &crl_der) != 0) return NULL;
  if (arg_bytes(env, argv[1], MAX_CERT_BYTES, "certDer", &cert_der) != 0) return NULL;
  if (arg_bytes(env, argv[2], MAX_CERT_BYTES, "issuerDer", &issuer_der) != 0) return NULL;
  CHECK(napi_create_object(env, &result));
  CHECK(bst_set_bool(env, result, "signatureOk", 0));
  CHECK(bst_set_bool(env, result, "revoked", 0));
  CHECK(napi_create_array(env, &arr));
  CHECK(napi_set_named_property(env, result, "signatureReasons", arr));
  int rc;
  if ((rc = import_crt(&cert_der, &crt)) < 0) {
    result = error_value(env, result, "certificate is not DER", rc);
    goto done;
  }
  if ((rc = import_crt(&issuer_der, &issuer)) < 0) {
    result = error_value(env, result, "issuer certificate is not DER", rc);
    goto done;
  }
  if ((rc = gnutls_x509_crl_init(&crl)) < 0) {
    crl = NULL;
    result = error_value(env, result, "CRL", rc);
    goto done;
  }
  if (crl_der.size == 0) rc = GNUTLS_E_ASN1_DER_ERROR;
  else if ((rc = gnutls_x509_crl_import(crl, &crl_der, GNUTLS_X509_FMT_DER)) < 0)
    rc = gnutls_x509_crl_import(crl, &crl_der, GNUTLS_X509_FMT_PEM) < 0 ? rc : 0;
  if (rc < 0) {
    result = error_value(env, result, "not a DER or PEM CRL", rc);
    goto done;
  }
  CHECK(set_time(env, result, "thisUpdate", gnutls_x509_crl_get_this_update(crl)));
  CHECK(set_time(env, result, "nextUpdate", gnutls_x509_crl_get_next_update(crl)));
  int count = gnutls_x509_crl_get_crt_count(crl);
  if (count < 0) {
    result = error_value(env, result, "CRL entries", count);
    goto done;
  }
  CHECK(bst_set_num(env, result, "entries", count));

  /* Scope: the CRL must be issued by this certificate's issuer (same DN, byte for byte). */
  int issuer_match = gnutls_x509_crl_get_raw_issuer_dn(crl, &crl_dn) >= 0 &&
                     gnutls_x509_crt_get_raw_issuer_dn(crt, &crt_dn) >= 0 && same_datum(&crl_dn, &crt_dn);
  CHECK(bst_set_bool(env, result, "issuerMatch", issuer_match));

  int delta = 0, partitioned = 0;
  for (unsigned i = 0; i < 64; i++) {
    char oid[128];
    size_t oid_size = sizeof(oid);
    unsigned critical = 0;
    rc = gnutls_x509_crl_get_extension_info(crl, i, oid, &oid_size, &critical);
    if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) break;
    if (rc < 0) {
      if (critical) CHECK(bst_set_str(env, result, "unsupportedCritical", "(unreadable extension)"));
      continue;
    }
    oid[sizeof(oid) - 1] = '\0';
    if (strcmp(oid, "2.5.29.27") == 0) delta = 1;
    if (strcmp(oid, "2.5.29.28") == 0) partitioned = 1;
    if (critical && !known_crl_extension(oid)) CHECK(bst_set_str(env, result, "unsupportedCritical", oid));
  }
  CHECK(bst_set_bool(env, result, "delta", delta));
  CHECK(bst_set_bool(env, result, "partitioned", partitioned));

  /* Signature by the issuer: issuer DN match, CA with cRLSign, signature, algorithm strength.
   * Time is the caller's business (its own, injectable clock): gnutls_x509_crl_verify always
   * compares thisUpdate/nextUpdate with the system clock (no flag turns that off) and then adds
   * GNUTLS_CERT_INVALID to any non-zero status, so the time bits and the INVALID they alone
   * caused are taken out here. */
  unsigned vstatus = 0;
  rc = gnutls_x509_crl_verify(crl, &issuer, 1, 0, &vstatus);
  if (rc < 0) {
    vstatus |= GNUTLS_CERT_INVALID;
    CHECK(bst_set_str(env, result, "signatureError", gnutls_strerror(rc)));
  }
  const unsigned time_bits = GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED | GNUTLS_CERT_REVOCATION_DATA_ISSUED_IN_FUTURE;
  if (rc >= 0 && (vstatus & time_bits) && (vstatus & ~time_bits) == GNUTLS_CERT_INVALID) vstatus = 0;
  vstatus &= ~time_bits;
  CHECK(bst_set_bool(env, result, "signatureOk", rc >= 0 && vstatus == 0));
  CHECK(crl_reasons(env, vstatus, &arr));
  CHECK(napi_set_named_property(env, result, "signatureReasons", arr));

  /* The certificate's serial among the revoked entries. */
  unsigned char cserial[MAX_SERIAL], eserial[MAX_SERIAL];
  size_t cserial_size = sizeof(cserial);
  if ((rc = gnutls_x509_crt_get_serial(crt, cserial, &cserial_size)) < 0) {
    result = error_value(env, result, "certificate serial", rc);
    goto done;
  }
  for (int i = 0; i <= count; i++) {
    size_t esize = sizeof(eserial);
    time_t t = -1;
    rc = gnutls_x509_crl_iter_crt_serial(crl, &iter, eserial, &esize, &t);
    if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) break;
    if (rc < 0) {
      result = error_value(env, result, "CRL entry", rc);
      goto done;
    }
    if (same_serial(cserial, cserial_size, eserial, esize)) {
      CHECK(bst_set_bool(env, result, "revoked", 1));
      CHECK(set_time(env, result, "revocationTime", t));
      break;
    }
  }
  goto done;
napi_failed:
  result = NULL;
done:
  if (iter) gnutls_x509_crl_iter_deinit(iter);
  gnutls_free(crl_dn.data);
  gnutls_free(crt_dn.data);
  if (crl) gnutls_x509_crl_deinit(crl);
  if (crt) gnutls_x509_crt_deinit(crt);
  if (issuer) gnutls_x509_crt_deinit(issuer);
  return result;
}
