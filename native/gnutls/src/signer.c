/*
 * Client identity with an external signer (gnutls_privkey_import_ext4): the private key lives
 * elsewhere (a smart card driven by pkcs11js, or a software key in tests) and GnuTLS asks the
 * JS `sign(algo, data, id)` callback for each signature, from inside gnutls_handshake:
 *   - threaded handshake (startHandshake, handshake.c): the handshake thread posts the request
 *     to the JS thread and blocks until JS answers (a Buffer, a Promise of one, or
 *     deliverSignature(id, ...)); the JS event loop keeps running meanwhile;
 *   - synchronous handshake(): the callback is called right here on the JS thread and must
 *     return the Buffer.
 *
 * What JS receives as `data` (and must sign without hashing again):
 *   RSA-PSS-RSAE-SHA256/384/512   the hash (32/48/64 bytes): PSS, MGF1 with the same hash,
 *                                 salt length = hash length (CKM_RSA_PKCS_PSS)
 *   RSA-PKCS1-SHA256/384/512      the DER DigestInfo of the hash (CKM_RSA_PKCS)
 *   ECDSA-SECP256R1-SHA256,
 *   ECDSA-SECP384R1-SHA384        the hash (CKM_ECDSA)
 * What JS returns: the signature. For ECDSA this addon wants the DER Ecdsa-Sig-Value; the
 * TypeScript wrapper (electron/main/tls/der.ts) converts a raw r||s (CKM_ECDSA output) to DER.
 */
#include <stdlib.h>
#include <string.h>

#include "bastion.h"

/* Names the JS signer uses in `signAlgos` and receives in `sign(algo, ...)`. */
const char *const bst_sign_names[] = {
    "RSA-PSS-RSAE-SHA256", "RSA-PSS-RSAE-SHA384", "RSA-PSS-RSAE-SHA512",     "RSA-PKCS1-SHA256",
    "RSA-PKCS1-SHA384",    "RSA-PKCS1-SHA512",    "ECDSA-SECP256R1-SHA256", "ECDSA-SECP384R1-SHA384",
};
const size_t bst_sign_name_count = sizeof(bst_sign_names) / sizeof(bst_sign_names[0]);

typedef struct {
  gnutls_sign_algorithm_t algo;
  int name; /* index into bst_sign_names */
  gnutls_pk_algorithm_t pk;
  unsigned curve_bits; /* ECDSA: the key's curve size this entry is valid for */
  gnutls_digest_algorithm_t hash;
  int digest_info; /* PKCS#1 v1.5: JS gets DigestInfo(hash) */
} bst_sign_entry;

static const bst_sign_entry entries[] = {
    {GNUTLS_SIGN_RSA_PSS_RSAE_SHA256, 0, GNUTLS_PK_RSA, 0, GNUTLS_DIG_SHA256, 0},
    {GNUTLS_SIGN_RSA_PSS_RSAE_SHA384, 1, GNUTLS_PK_RSA, 0, GNUTLS_DIG_SHA384, 0},
    {GNUTLS_SIGN_RSA_PSS_RSAE_SHA512, 2, GNUTLS_PK_RSA, 0, GNUTLS_DIG_SHA512, 0},
    {GNUTLS_SIGN_RSA_SHA256, 3, GNUTLS_PK_RSA, 0, GNUTLS_DIG_SHA256, 1},
    {GNUTLS_SIGN_RSA_SHA384, 4, GNUTLS_PK_RSA, 0, GNUTLS_DIG_SHA384, 1},
    {GNUTLS_SIGN_RSA_SHA512, 5, GNUTLS_PK_RSA, 0, GNUTLS_DIG_SHA512, 1},
    /* TLS 1.3 code points bind the curve; the TLS 1.2 ones (ECDSA-SHAxxx) do not, so they are
     * offered only with the matching curve, which makes both the same scheme. */
    {GNUTLS_SIGN_ECDSA_SECP256R1_SHA256, 6, GNUTLS_PK_ECDSA, 256, GNUTLS_DIG_SHA256, 0},
    {GNUTLS_SIGN_ECDSA_SHA256, 6, GNUTLS_PK_ECDSA, 256, GNUTLS_DIG_SHA256, 0},
    {GNUTLS_SIGN_ECDSA_SECP384R1_SHA384, 7, GNUTLS_PK_ECDSA, 384, GNUTLS_DIG_SHA384, 0},
    {GNUTLS_SIGN_ECDSA_SHA384, 7, GNUTLS_PK_ECDSA, 384, GNUTLS_DIG_SHA384, 0},
};

const char *bst_sign_name_of(gnutls_sign_algorithm_t algo) {
  for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
    if (entries[i].algo == algo) return bst_sign_names[entries[i].name];
  return NULL;
}

int bst_sign_name_index(const char *name) {
  for (size_t i = 0; i < bst_sign_name_count; i++)
    if (strcmp(bst_sign_names[i], name) == 0) return (int)i;
  return -1;
}

/* The entry for algo that this key can make and the JS signer offers, or NULL. */
static const bst_sign_entry *usable_entry(const bst_session *s, gnutls_sign_algorithm_t algo) {
  for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
    const bst_sign_entry *e = &entries[i];
    if (e->algo != algo || e->pk != s->key_pk) continue;
    if (e->curve_bits && e->curve_bits != s->key_bits) continue;
    if (!(s->sign_mask & (1u << e->name))) continue;
    return e;
  }
  return NULL;
}

static const uint8_t di_sha256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
static const uint8_t di_sha384[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
static const uint8_t di_sha512[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};

static int bst_info(gnutls_privkey_t key, unsigned int flags, void *userdata) {
  (void)key;
  bst_session *s = userdata;
  if (flags & GNUTLS_PRIVKEY_INFO_HAVE_SIGN_ALGO)
    return usable_entry(s, (gnutls_sign_algorithm_t)GNUTLS_FLAGS_TO_SIGN_ALGO(flags)) ? 1 : 0;
  if (flags & GNUTLS_PRIVKEY_INFO_PK_ALGO) return (int)s->key_pk;
  if (flags & GNUTLS_PRIVKEY_INFO_PK_ALGO_BITS) return (int)s->key_bits;
  return -1;
}

static int bst_sign_hash(gnutls_privkey_t key, gnutls_sign_algorithm_t algo, void *userdata, unsigned int flags,
                         const gnutls_datum_t *hash, gnutls_datum_t *signature) {
  (void)key;
  (void)flags;
  bst_session *s = userdata;
  napi_env env = s->env;
  /* Neither on the handshake thread nor inside handshake(): GnuTLS's own key/cert probe when
   * the certificate is attached. Refused, so a card is never asked to sign at session creation. */
  if (!s->threaded && !s->self) return GNUTLS_E_PK_SIGN_FAILED;
  /* For RSA PKCS#1 v1.5, GnuTLS hands over the DigestInfo under GNUTLS_SIGN_RSA_RAW: recover
   * the scheme from the DigestInfo prefix (only SHA-2 is ever accepted). */
  if (algo == GNUTLS_SIGN_RSA_RAW) {
    if (hash->size == 19 + 32 && memcmp(hash->data, di_sha256, 19) == 0) algo = GNUTLS_SIGN_RSA_SHA256;
    else if (hash->size == 19 + 48 && memcmp(hash->data, di_sha384, 19) == 0) algo = GNUTLS_SIGN_RSA_SHA384;
    else if (hash->size == 19 + 64 && memcmp(hash->data, di_sha512, 19) == 0) algo = GNUTLS_SIGN_RSA_SHA512;
    else return GNUTLS_E_PK_SIGN_FAILED;
  }
  const bst_sign_entry *e = usable_entry(s, algo);
  if (!e) return GNUTLS_E_PK_SIGN_FAILED;

  /* PKCS#1 v1.5 signers (CKM_RSA_PKCS) get DigestInfo(hash); should a GnuTLS version pass the
   * bare hash instead, wrap it here. Every other scheme gets exactly the hash. */
  uint8_t di[19 + 64];
  const uint8_t *data = hash->data;
  size_t len = hash->size;
  size_t hlen = gnutls_hash_get_len(e->hash);
  if (e->digest_info && len == hlen) {
    const uint8_t *prefix = e->hash == GNUTLS_DIG_SHA256 ? di_sha256 : e->hash == GNUTLS_DIG_SHA384 ? di_sha384 : di_sha512;
    memcpy(di, prefix, 19);
    memcpy(di + 19, hash->data, hlen);
    data = di;
    len = 19 + hlen;
  } else if (e->digest_info ? len != 19 + hlen : len != hlen) {
    return GNUTLS_E_PK_SIGN_FAILED;
  }

  s->last_sign_algo = bst_sign_names[e->name];
  if (s->threaded) {
    /* On the handshake thread: no N-API here. Ask the JS thread and wait for the answer. */
    int rc = bst_thread_sign(s, e->name, data, len, signature);
    if (rc == 0) s->sign_calls++;
    return rc;
  }

  napi_value fn, argv[3], result;
  if (napi_get_named_property(env, s->self, BST_SIGN_KEY, &fn) != napi_ok) goto js_failed;
  if (napi_create_string_utf8(env, bst_sign_names[e->name], NAPI_AUTO_LENGTH, &argv[0]) != napi_ok) goto js_failed;
  argv[1] = bst_buffer_from(env, data, len);
  if (!argv[1]) goto js_failed;
  if (napi_create_uint32(env, 0, &argv[2]) != napi_ok) goto js_failed;
  if (napi_call_function(env, s->self, fn, 3, argv, &result) != napi_ok) goto js_failed;
  const uint8_t *sig;
  size_t sig_len;
  if (bst_get_bytes(env, result, &sig, &sig_len) != 0) {
    napi_throw_type_error(env, "ERR_BASTION_SIGNER", "sign() must return a Buffer in the synchronous handshake()");
    goto js_failed;
  }
  if (sig_len == 0 || sig_len > 2048) {
    napi_throw_range_error(env, "ERR_BASTION_SIGNER", "sign() returned an empty or oversized signature");
    goto js_failed;
  }
  signature->data = gnutls_malloc(sig_len);
  if (!signature->data) return GNUTLS_E_MEMORY_ERROR;
  memcpy(signature->data, sig, sig_len);
  signature->size = (unsigned)sig_len;
  s->sign_calls++;
  return 0;

js_failed:
  bst_capture_js_error(s);
  return GNUTLS_E_PK_SIGN_FAILED;
}

int bst_signer_attach(bst_session *s, const gnutls_datum_t *chain, size_t n, int key_is_ec, unsigned bits,
                      const char **why) {
  int rc;
  size_t imported = 0;
  gnutls_privkey_t pkey = NULL;
  gnutls_pcert_st *pcerts = calloc(n, sizeof(*pcerts));
  if (!pcerts) return GNUTLS_E_MEMORY_ERROR;
  for (; imported < n; imported++) {
    rc = gnutls_pcert_import_x509_raw(&pcerts[imported], &chain[imported], GNUTLS_X509_FMT_DER, 0);
    if (rc < 0) {
      *why = "clientCert.chainDer: a certificate could not be parsed";
      goto fail;
    }
  }
  /* The leaf decides the key type and size; the caller's keyType/bits must agree. */
  unsigned leaf_bits = 0;
  int leaf_pk = gnutls_pubkey_get_pk_algorithm(pcerts[0].pubkey, &leaf_bits);
  if ((key_is_ec && leaf_pk != GNUTLS_PK_ECDSA) || (!key_is_ec && leaf_pk != GNUTLS_PK_RSA)) {
    *why = "clientCert.keyType does not match the leaf certificate's key";
    rc = GNUTLS_E_INVALID_REQUEST;
    goto fail;
  }
  if (bits && bits != leaf_bits) {
    *why = "clientCert.bits does not match the leaf certificate's key";
    rc = GNUTLS_E_INVALID_REQUEST;
    goto fail;
  }
  s->key_pk = (gnutls_pk_algorithm_t)leaf_pk;
  s->key_bits = leaf_bits;

  if ((rc = gnutls_privkey_init(&pkey)) < 0) goto fail;
  rc = gnutls_privkey_import_ext4(pkey, s, NULL, bst_sign_hash, NULL, NULL, bst_info, 0);
  if (rc < 0) goto fail;
  /* The credentials take ownership of the certificates' contents and of the key. */
  rc = gnutls_certificate_set_key(s->cred, NULL, 0, pcerts, (int)n, pkey);
  if (rc < 0) goto fail;
  free(pcerts);
  s->has_identity = 1;
  return 0;

fail:
  if (pkey) gnutls_privkey_deinit(pkey);
  for (size_t i = 0; i < imported; i++) gnutls_pcert_deinit(&pcerts[i]);
  free(pcerts);
  return rc;
}
