/*
 * PKCS#12 software identity [UCR-T6]: a DoD PKI software certificate (.p12 / .pfx) used for TLS
 * client authentication without a CAC. The private key is decrypted by GnuTLS into native
 * memory and never becomes a JS value: JS gets an opaque key handle (class GnuTlsKey), the
 * certificate chain (DER) and the key's type and size.
 *
 *   loadPkcs12(der, password) -> { key, chainDer, keyType, bits, signAlgos }
 *                              | { error: 'pkcs12-bad-password' | 'pkcs12-malformed' | 'pkcs12-no-key'
 *                                  | 'pkcs12-no-certificate' | 'pkcs12-key-mismatch'
 *                                  | 'pkcs12-unsupported-key' | 'pkcs12-unsupported', message }
 *   key.dispose()   frees the key now (gnutls_x509_privkey_deinit: GnuTLS clears the key's
 *                   numbers before freeing them); idempotent. The GC finalizer does the same
 *                   for a handle that was never disposed.
 *   key.disposed    boolean
 *   createSession({ ..., clientKey: key })   the session gets its OWN copy of the key inside
 *                   its GnuTLS credentials (GNUTLS_PRIVKEY_IMPORT_COPY), freed with the session
 *                   (destroy() or GC), so disposing the handle never pulls the key from under a
 *                   session, and GnuTLS signs the CertificateVerify itself (no JS signer).
 *
 * Bad bytes or a wrong password give an error value, never a throw; arguments of the wrong type
 * throw a TypeError (programming error). The password's C copy is wiped after use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/pkcs12.h>

#include "bastion.h"

#define MAX_P12_BYTES (1u << 20)
#define MAX_PASSWORD_BYTES 4096u
#define MAX_CHAIN 16u

typedef struct {
  gnutls_x509_privkey_t key; /* NULL once disposed */
  gnutls_datum_t chain[MAX_CHAIN]; /* DER, leaf first (gnutls_malloc'ed) */
  unsigned n;
  gnutls_pk_algorithm_t pk;
  unsigned bits;
} bst_key;

/* Marks objects made by loadPkcs12 (napi_type_tag_object, N-API 8). */
static const napi_type_tag key_tag = {0x62617374696f6e4bULL, 0x657950726976ab12ULL};

static void key_release(bst_key *k) {
  if (k->key) gnutls_x509_privkey_deinit(k->key);
  k->key = NULL;
  for (unsigned i = 0; i < k->n; i++) gnutls_free(k->chain[i].data);
  memset(k->chain, 0, sizeof(k->chain));
  k->n = 0;
}

static void key_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  key_release(data);
  free(data);
}

static bst_key *unwrap_key(napi_env env, napi_value obj) {
  bool tagged = false;
  bst_key *k = NULL;
  if (napi_check_object_type_tag(env, obj, &key_tag, &tagged) != napi_ok || !tagged) return NULL;
  if (napi_unwrap(env, obj, (void **)&k) != napi_ok) return NULL;
  return k;
}

static napi_value key_ctor(napi_env env, napi_callback_info info) {
  napi_value self;
  napi_get_cb_info(env, info, NULL, NULL, &self, NULL);
  return self;
}

static napi_value key_dispose(napi_env env, napi_callback_info info) {
  napi_value self;
  if (napi_get_cb_info(env, info, NULL, NULL, &self, NULL) != napi_ok) return NULL;
  bst_key *k = unwrap_key(env, self);
  if (!k) return bst_throw_type(env, "not a Bastion key handle");
  key_release(k);
  return NULL;
}

static napi_value key_disposed(napi_env env, napi_callback_info info) {
  napi_value self, v;
  if (napi_get_cb_info(env, info, NULL, NULL, &self, NULL) != napi_ok) return NULL;
  bst_key *k = unwrap_key(env, self);
  napi_get_boolean(env, !k || !k->key, &v);
  return v;
}

napi_status bst_define_key_class(napi_env env, napi_value *ctor) {
  napi_property_descriptor props[] = {
      {"dispose", NULL, key_dispose, NULL, NULL, NULL, napi_default_method, NULL},
      {"disposed", NULL, NULL, key_disposed, NULL, NULL, napi_default, NULL},
  };
  return napi_define_class(env, "GnuTlsKey", NAPI_AUTO_LENGTH, key_ctor, NULL, 2, props, ctor);
}

/* ------------------------------------------------------------------ loadPkcs12 */

static napi_value error_result(napi_env env, const char *code, const char *what, int rc) {
  napi_value o, v;
  char text[256];
  if (rc) snprintf(text, sizeof(text), "%s (%s)", what, gnutls_strerror(rc));
  else snprintf(text, sizeof(text), "%s", what);
  if (napi_create_object(env, &o) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &v) != napi_ok || napi_set_named_property(env, o, "error", v) != napi_ok)
    return NULL;
  if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &v) != napi_ok || napi_set_named_property(env, o, "message", v) != napi_ok)
    return NULL;
  return o;
}

/* What the bags hold (decrypting encrypted bags with the password), to say what is missing. */
static void scan_bags(gnutls_pkcs12_t p12, const char *pass, int *has_key, int *has_cert) {
  *has_key = *has_cert = 0;
  for (unsigned i = 0; i < 64; i++) {
    gnutls_pkcs12_bag_t bag;
    if (gnutls_pkcs12_bag_init(&bag) < 0) return;
    if (gnutls_pkcs12_get_bag(p12, (int)i, bag) < 0) {
      gnutls_pkcs12_bag_deinit(bag);
      return;
    }
    int ok = 1;
    if (gnutls_pkcs12_bag_get_type(bag, 0) == GNUTLS_BAG_ENCRYPTED) ok = gnutls_pkcs12_bag_decrypt(bag, pass) >= 0;
    int count = ok ? gnutls_pkcs12_bag_get_count(bag) : 0;
    for (int j = 0; j < count; j++) {
      int type = gnutls_pkcs12_bag_get_type(bag, (unsigned)j);
      if (type == GNUTLS_BAG_PKCS8_KEY || type == GNUTLS_BAG_PKCS8_ENCRYPTED_KEY) *has_key = 1;
      if (type == GNUTLS_BAG_CERTIFICATE) *has_cert = 1;
    }
    gnutls_pkcs12_bag_deinit(bag);
  }
}

static int unsupported_algorithm(int rc) {
  return rc == GNUTLS_E_UNKNOWN_CIPHER_TYPE || rc == GNUTLS_E_UNKNOWN_HASH_ALGORITHM ||
         rc == GNUTLS_E_UNKNOWN_ALGORITHM || rc == GNUTLS_E_UNIMPLEMENTED_FEATURE ||
         rc == GNUTLS_E_UNKNOWN_CIPHER_SUITE || rc == GNUTLS_E_INSUFFICIENT_SECURITY;
}

static int asn1_error(int rc) {
  return rc == GNUTLS_E_ASN1_DER_ERROR || rc == GNUTLS_E_ASN1_TAG_ERROR || rc == GNUTLS_E_ASN1_DER_OVERFLOW ||
         rc == GNUTLS_E_ASN1_ELEMENT_NOT_FOUND || rc == GNUTLS_E_ASN1_VALUE_NOT_FOUND ||
         rc == GNUTLS_E_ASN1_GENERIC_ERROR || rc == GNUTLS_E_ASN1_VALUE_NOT_VALID || rc == GNUTLS_E_ASN1_TYPE_ANY_ERROR ||
         rc == GNUTLS_E_ASN1_SYNTAX_ERROR || rc == GNUTLS_E_BASE64_DECODING_ERROR || rc == GNUTLS_E_PARSING_ERROR;
}

napi_value bst_load_pkcs12(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result = NULL, v, arr;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  const uint8_t *der;
  size_t der_len;
  napi_valuetype t;
  if (argc < 2 || bst_get_bytes(env, argv[0], &der, &der_len) != 0 || napi_typeof(env, argv[1], &t) != napi_ok ||
      t != napi_string)
    return bst_throw_type(env, "loadPkcs12(der: Uint8Array, password: string)");
  if (der_len == 0 || der_len > MAX_P12_BYTES) return error_result(env, "pkcs12-malformed", "not a PKCS#12 file (size)", 0);
  size_t pass_len = 0;
  if (napi_get_value_string_utf8(env, argv[1], NULL, 0, &pass_len) != napi_ok) return NULL;
  if (pass_len > MAX_PASSWORD_BYTES) return bst_throw_type(env, "password too long");
  char *pass = calloc(1, pass_len + 1);
  if (!pass) return bst_throw(env, "ERR_BASTION_TLS", "out of memory");
  napi_get_value_string_utf8(env, argv[1], pass, pass_len + 1, &pass_len);

  gnutls_pkcs12_t p12 = NULL;
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t *chain = NULL;
  unsigned chain_len = 0;
  bst_key *k = NULL;
  int rc;
  if ((rc = gnutls_pkcs12_init(&p12)) < 0) {
    p12 = NULL;
    result = bst_throw(env, "ERR_BASTION_TLS", gnutls_strerror(rc));
    goto done;
  }
  gnutls_datum_t d = {(unsigned char *)der, (unsigned)der_len};
  if ((rc = gnutls_pkcs12_import(p12, &d, GNUTLS_X509_FMT_DER, 0)) < 0) {
    result = error_result(env, "pkcs12-malformed", "not a DER PKCS#12 file", rc);
    goto done;
  }
  /* The integrity MAC (HMAC keyed with the password): a mismatch is a wrong password. Files
   * without a MAC exist; then a wrong password shows as a decryption failure below. */
  int mac_rc = gnutls_pkcs12_verify_mac(p12, pass);
  int has_mac = mac_rc >= 0;
  if (mac_rc == GNUTLS_E_MAC_VERIFY_FAILED) {
    result = error_result(env, "pkcs12-bad-password", "wrong password for the PKCS#12 file", 0);
    goto done;
  }
  if (mac_rc < 0 && mac_rc != GNUTLS_E_ASN1_ELEMENT_NOT_FOUND && mac_rc != GNUTLS_E_ASN1_VALUE_NOT_FOUND) {
    result = unsupported_algorithm(mac_rc) ? error_result(env, "pkcs12-unsupported", "unsupported PKCS#12 MAC", mac_rc)
                                           : error_result(env, "pkcs12-malformed", "PKCS#12 MAC", mac_rc);
    goto done;
  }
  rc = gnutls_pkcs12_simple_parse(p12, pass, &key, &chain, &chain_len, NULL, NULL, NULL, 0);
  if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE || (rc >= 0 && (!key || chain_len == 0))) {
    int has_key = 0, has_cert = 0;
    scan_bags(p12, pass, &has_key, &has_cert);
    if (!has_key && !key) result = error_result(env, "pkcs12-no-key", "the PKCS#12 file holds no private key", 0);
    else if (!has_cert) result = error_result(env, "pkcs12-no-certificate", "the PKCS#12 file holds no certificate", 0);
    else
      result = error_result(env, "pkcs12-key-mismatch", "no certificate in the PKCS#12 file matches its private key", 0);
    goto done;
  }
  if (rc < 0) {
    if (unsupported_algorithm(rc))
      result = error_result(env, "pkcs12-unsupported", "the PKCS#12 file uses an unsupported algorithm", rc);
    else if (!has_mac && (rc == GNUTLS_E_DECRYPTION_FAILED || asn1_error(rc)))
      result = error_result(env, "pkcs12-bad-password", "wrong password for the PKCS#12 file", 0);
    else
      result = error_result(env, "pkcs12-malformed", "the PKCS#12 file could not be read", rc);
    goto done;
  }

  unsigned bits = 0;
  int pk = gnutls_x509_privkey_get_pk_algorithm2(key, &bits);
  const char *key_type = NULL;
  if (pk == GNUTLS_PK_RSA) key_type = "rsa";
  else if (pk == GNUTLS_PK_ECDSA && (bits == 256 || bits == 384)) key_type = "ec";
  if (!key_type) {
    char what[128];
    const char *pk_name = pk >= 0 ? gnutls_pk_get_name((gnutls_pk_algorithm_t)pk) : NULL;
    snprintf(what, sizeof(what), "unsupported key (%s, %u bits): RSA or EC P-256/P-384 only", pk_name ? pk_name : "?", bits);
    result = error_result(env, "pkcs12-unsupported-key", what, 0);
    goto done;
  }

  k = calloc(1, sizeof(*k));
  if (!k) {
    result = bst_throw(env, "ERR_BASTION_TLS", "out of memory");
    goto done;
  }
  k->pk = (gnutls_pk_algorithm_t)pk;
  k->bits = bits;
  for (unsigned i = 0; i < chain_len && i < MAX_CHAIN; i++) {
    if ((rc = gnutls_x509_crt_export2(chain[i], GNUTLS_X509_FMT_DER, &k->chain[i])) < 0) {
      result = error_result(env, "pkcs12-malformed", "certificate in the PKCS#12 file", rc);
      goto done;
    }
    k->n = i + 1;
  }
  k->key = key;
  key = NULL; /* owned by the handle now */

  napi_value handle, ctor;
  bst_instance *inst = NULL;
  napi_get_instance_data(env, (void **)&inst);
  if (!inst || napi_get_reference_value(env, inst->key_ctor, &ctor) != napi_ok ||
      napi_new_instance(env, ctor, 0, NULL, &handle) != napi_ok) {
    result = bst_throw(env, "ERR_BASTION_TLS", "could not create the key handle");
    goto done;
  }
  if (napi_wrap(env, handle, k, key_finalize, NULL, NULL) != napi_ok) {
    result = bst_throw(env, "ERR_BASTION_TLS", "could not create the key handle");
    goto done;
  }
  bst_key *wrapped = k;
  k = NULL; /* owned by the JS object (finalizer) now */
  if (napi_type_tag_object(env, handle, &key_tag) != napi_ok) goto napi_failed;

  if (napi_create_object(env, &result) != napi_ok) goto napi_failed;
  if (napi_set_named_property(env, result, "key", handle) != napi_ok) goto napi_failed;
  if (napi_create_array_with_length(env, wrapped->n, &arr) != napi_ok) goto napi_failed;
  for (unsigned i = 0; i < wrapped->n; i++) {
    napi_value b = bst_buffer_from(env, wrapped->chain[i].data, wrapped->chain[i].size);
    if (!b || napi_set_element(env, arr, i, b) != napi_ok) goto napi_failed;
  }
  if (napi_set_named_property(env, result, "chainDer", arr) != napi_ok) goto napi_failed;
  if (napi_create_string_utf8(env, key_type, NAPI_AUTO_LENGTH, &v) != napi_ok ||
      napi_set_named_property(env, result, "keyType", v) != napi_ok)
    goto napi_failed;
  if (napi_create_uint32(env, bits, &v) != napi_ok || napi_set_named_property(env, result, "bits", v) != napi_ok)
    goto napi_failed;
  /* What GnuTLS can sign with this key under our policy (names as in signAlgorithms). */
  static const char *const rsa_algos[] = {"RSA-PSS-RSAE-SHA256", "RSA-PSS-RSAE-SHA384", "RSA-PSS-RSAE-SHA512",
                                          "RSA-PKCS1-SHA256",    "RSA-PKCS1-SHA384",    "RSA-PKCS1-SHA512"};
  static const char *const p256_algos[] = {"ECDSA-SECP256R1-SHA256"};
  static const char *const p384_algos[] = {"ECDSA-SECP384R1-SHA384"};
  const char *const *algos = pk == GNUTLS_PK_RSA ? rsa_algos : bits == 256 ? p256_algos : p384_algos;
  uint32_t na = pk == GNUTLS_PK_RSA ? 6 : 1;
  if (napi_create_array_with_length(env, na, &arr) != napi_ok) goto napi_failed;
  for (uint32_t i = 0; i < na; i++) {
    if (napi_create_string_utf8(env, algos[i], NAPI_AUTO_LENGTH, &v) != napi_ok || napi_set_element(env, arr, i, v) != napi_ok)
      goto napi_failed;
  }
  if (napi_set_named_property(env, result, "signAlgos", arr) != napi_ok) goto napi_failed;
  goto done;
napi_failed:
  result = NULL;
done:
  if (k) {
    key_release(k);
    free(k);
  }
  if (key) gnutls_x509_privkey_deinit(key);
  for (unsigned i = 0; i < chain_len; i++) gnutls_x509_crt_deinit(chain[i]);
  gnutls_free(chain);
  if (p12) gnutls_pkcs12_deinit(p12);
  gnutls_memset(pass, 0, pass_len + 1);
  free(pass);
  return result;
}

/* ------------------------------------------------------------------ session identity */

napi_value bst_attach_key_handle(napi_env env, bst_session *s, napi_value handle) {
  bst_key *k = unwrap_key(env, handle);
  if (!k) return bst_throw_type(env, "clientKey must be a key from loadPkcs12()");
  if (!k->key) return bst_throw(env, "ERR_BASTION_TLS_KEY_DISPOSED", "the PKCS#12 key was disposed");
  int rc;
  unsigned imported = 0;
  gnutls_privkey_t pkey = NULL;
  gnutls_pcert_st *pcerts = calloc(k->n, sizeof(*pcerts));
  if (!pcerts) return bst_throw(env, "ERR_BASTION_TLS", "out of memory");
  for (; imported < k->n; imported++) {
    if ((rc = gnutls_pcert_import_x509_raw(&pcerts[imported], &k->chain[imported], GNUTLS_X509_FMT_DER, 0)) < 0) goto fail;
  }
  if ((rc = gnutls_privkey_init(&pkey)) < 0) {
    pkey = NULL;
    goto fail;
  }
  /* A copy for this session: freed (and cleared) with the session's credentials. */
  if ((rc = gnutls_privkey_import_x509(pkey, k->key, GNUTLS_PRIVKEY_IMPORT_COPY)) < 0) goto fail;
  /* The credentials take ownership of the certificates' contents and of the key; GnuTLS checks
   * here that the key matches the leaf. */
  if ((rc = gnutls_certificate_set_key(s->cred, NULL, 0, pcerts, (int)k->n, pkey)) < 0) goto fail;
  free(pcerts);
  s->has_identity = 1;
  s->key_pk = k->pk;
  s->key_bits = k->bits;
  napi_value ok;
  napi_get_boolean(env, true, &ok);
  return ok;
fail:
  if (pkey) gnutls_privkey_deinit(pkey);
  for (unsigned i = 0; i < imported; i++) gnutls_pcert_deinit(&pcerts[i]);
  free(pcerts);
  char text[256];
  snprintf(text, sizeof(text), "client key: %s", gnutls_strerror(rc));
  return bst_throw(env, "ERR_BASTION_TLS_CLIENT_CERT", text);
}
