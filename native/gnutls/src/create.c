/* createSession(options): builds the GnuTLS credentials and session from the JS options and
 * wraps them in a JS object whose methods live in addon.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bastion.h"

/* GC (or env teardown): stops a handshake thread that still runs (abort + join, never waiting
 * for JS), then frees everything. */
static void session_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  bst_session *s = data;
  bst_session_free_tls(s);
  if (s->js_error) napi_delete_reference(env, s->js_error);
  if (s->weak_self) napi_delete_reference(env, s->weak_self);
  bst_session_sync_destroy(s);
  free(s);
}

/* The session class constructor: objects are made by createSession, which wraps them; an object
 * made with `new` from JS carries no session and every method refuses it. */
napi_value bst_session_ctor(napi_env env, napi_callback_info info) {
  napi_value self;
  napi_get_cb_info(env, info, NULL, NULL, &self, NULL);
  return self;
}

static napi_value attach_identity(napi_env env, bst_session *s, napi_value cc, napi_value sign) {
  napi_value chain, v;
  napi_valuetype t;
  bool is_array = false;
  uint32_t n = 0;
  if (bst_get_prop(env, cc, "chainDer", &chain, &t) != 0 || napi_is_array(env, chain, &is_array) != napi_ok || !is_array)
    return bst_throw_type(env, "clientCert.chainDer must be an array of Buffers");
  napi_get_array_length(env, chain, &n);
  if (n == 0 || n > 16) return bst_throw_type(env, "clientCert.chainDer must hold 1 to 16 certificates");
  gnutls_datum_t certs[16];
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *d;
    size_t len;
    if (napi_get_element(env, chain, i, &v) != napi_ok || bst_get_bytes(env, v, &d, &len) != 0)
      return bst_throw_type(env, "clientCert.chainDer must be an array of Buffers");
    certs[i].data = (unsigned char *)d;
    certs[i].size = (unsigned)len;
  }
  char *key_type = bst_get_string(env, cc, "keyType", &t);
  int is_ec = key_type && strcmp(key_type, "ec") == 0;
  int is_rsa = key_type && strcmp(key_type, "rsa") == 0;
  free(key_type);
  if (!is_ec && !is_rsa) return bst_throw_type(env, "clientCert.keyType must be 'rsa' or 'ec'");
  uint32_t bits = 0;
  if (bst_get_prop(env, cc, "bits", &v, &t) != 0) return NULL;
  if (t == napi_number) napi_get_value_uint32(env, v, &bits);
  napi_value algos;
  if (bst_get_prop(env, cc, "signAlgos", &algos, &t) != 0 || napi_is_array(env, algos, &is_array) != napi_ok || !is_array)
    return bst_throw_type(env, "clientCert.signAlgos must be an array of strings");
  uint32_t na = 0;
  napi_get_array_length(env, algos, &na);
  for (uint32_t i = 0; i < na; i++) {
    char name[64];
    size_t len = 0;
    if (napi_get_element(env, algos, i, &v) != napi_ok ||
        napi_get_value_string_utf8(env, v, name, sizeof(name), &len) != napi_ok)
      return bst_throw_type(env, "clientCert.signAlgos must be an array of strings");
    int idx = bst_sign_name_index(name);
    if (idx < 0) return bst_throw_type(env, "clientCert.signAlgos: unknown signature algorithm");
    s->sign_mask |= 1u << idx;
  }
  if (s->sign_mask == 0) return bst_throw_type(env, "clientCert.signAlgos must not be empty");
  if (napi_typeof(env, sign, &t) != napi_ok || t != napi_function)
    return bst_throw_type(env, "sign must be a function when clientCert is given");
  const char *why = NULL;
  int rc = bst_signer_attach(s, certs, n, is_ec, bits, &why);
  if (rc < 0) {
    if (why) return bst_throw_type(env, why);
    char text[256];
    snprintf(text, sizeof(text), "client certificate: %s", gnutls_strerror(rc));
    return bst_throw(env, "ERR_BASTION_TLS_CLIENT_CERT", text);
  }
  napi_get_boolean(env, true, &v);
  return v;
}

/* Builds the GnuTLS side of a session from the options; returns non-NULL on success. */
static napi_value configure(napi_env env, bst_session *s, napi_value opts, napi_value *sign, napi_value *check) {
  napi_valuetype t;
  napi_value v, ok;
  napi_get_boolean(env, true, &ok);
  int rc = gnutls_certificate_allocate_credentials(&s->cred);
  if (rc < 0) return bst_throw(env, "ERR_BASTION_TLS", gnutls_strerror(rc));

  /* Trust anchors: only these, never the system store. */
  if (bst_get_prop(env, opts, "trustPem", &v, &t) != 0) return NULL;
  char *pem = NULL;
  size_t pem_len = 0;
  if (t == napi_string) {
    napi_get_value_string_utf8(env, v, NULL, 0, &pem_len);
    pem = malloc(pem_len + 1);
    if (!pem) return bst_throw(env, "ERR_BASTION_TLS", "out of memory");
    napi_get_value_string_utf8(env, v, pem, pem_len + 1, &pem_len);
  } else {
    return bst_throw_type(env, "trustPem must be a PEM string");
  }
  gnutls_datum_t d = {(unsigned char *)pem, (unsigned)pem_len};
  rc = gnutls_certificate_set_x509_trust_mem(s->cred, &d, GNUTLS_X509_FMT_PEM);
  free(pem);
  if (rc <= 0) return bst_throw_type(env, "trustPem holds no usable certificate");
  bst_verify_install(s);

  s->min_rsa_bits = 2048;
  s->min_ec_bits = 256;
  uint32_t bits;
  if (bst_get_prop(env, opts, "minRsaBits", &v, &t) == 0 && t == napi_number && napi_get_value_uint32(env, v, &bits) == napi_ok)
    s->min_rsa_bits = bits;
  if (bst_get_prop(env, opts, "minEcBits", &v, &t) == 0 && t == napi_number && napi_get_value_uint32(env, v, &bits) == napi_ok)
    s->min_ec_bits = bits;

  if (bst_get_prop(env, opts, "sign", sign, &t) != 0) return NULL;
  if (bst_get_prop(env, opts, "checkPeer", check, &t) != 0) return NULL;
  if (t != napi_undefined && t != napi_function) return bst_throw_type(env, "checkPeer must be a function");
  if (bst_get_prop(env, opts, "clientCert", &v, &t) != 0) return NULL;
  napi_valuetype kt;
  napi_value key;
  if (bst_get_prop(env, opts, "clientKey", &key, &kt) != 0) return NULL;
  if (t == napi_object && kt == napi_object) return bst_throw_type(env, "give either clientCert + sign or clientKey, not both");
  if (t == napi_object && !attach_identity(env, s, v, *sign)) return NULL;
  if (kt == napi_object && !bst_attach_key_handle(env, s, key)) return NULL;
  if (kt != napi_object && kt != napi_undefined && kt != napi_null) return bst_throw_type(env, "clientKey must be a key from loadPkcs12()");

  if ((rc = gnutls_init(&s->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK)) < 0)
    return bst_throw(env, "ERR_BASTION_TLS", gnutls_strerror(rc));
  gnutls_session_set_ptr(s->tls, s);
  bst_session_set_transport(s);

  napi_valuetype pt;
  char *priority = bst_get_string(env, opts, "priority", &pt);
  if (!priority) return bst_throw_type(env, "priority must be a string");
  const char *err_pos = NULL;
  rc = gnutls_priority_set_direct(s->tls, priority, &err_pos);
  if (rc < 0) {
    char text[512];
    snprintf(text, sizeof(text), "invalid priority string at: %.200s", err_pos ? err_pos : "?");
    free(priority);
    return bst_throw_type(env, text);
  }
  free(priority);
  if ((rc = gnutls_credentials_set(s->tls, GNUTLS_CRD_CERTIFICATE, s->cred)) < 0)
    return bst_throw(env, "ERR_BASTION_TLS", gnutls_strerror(rc));

  s->server_name = bst_get_string(env, opts, "serverName", &t);
  if (s->server_name && s->server_name[0]) {
    if ((rc = gnutls_server_name_set(s->tls, GNUTLS_NAME_DNS, s->server_name, strlen(s->server_name))) < 0)
      return bst_throw_type(env, "serverName is not a valid DNS name");
  }
  if (bst_get_prop(env, opts, "requestOcsp", &v, &t) != 0) return NULL;
  bool ocsp = false;
  if (t == napi_boolean) napi_get_value_bool(env, v, &ocsp);
  if (ocsp && (rc = gnutls_ocsp_status_request_enable_client(s->tls, NULL, 0, NULL)) < 0)
    return bst_throw(env, "ERR_BASTION_TLS", gnutls_strerror(rc));
  return ok;
}

napi_value bst_create_session(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value opts, obj, ctor, on_write, sign = NULL, check = NULL;
  napi_valuetype t;
  if (napi_get_cb_info(env, info, &argc, &opts, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || napi_typeof(env, opts, &t) != napi_ok || t != napi_object)
    return bst_throw_type(env, "createSession(options)");
  if (bst_get_prop(env, opts, "onWrite", &on_write, &t) != 0 || t != napi_function)
    return bst_throw_type(env, "options.onWrite must be a function");

  bst_session *s = calloc(1, sizeof(*s));
  if (!s) return bst_throw(env, "ERR_BASTION_TLS", "out of memory");
  s->env = env;
  s->state = BST_HANDSHAKING;
  bst_session_sync_init(s);
  if (!configure(env, s, opts, &sign, &check)) {
    bst_session_free_tls(s);
    bst_session_sync_destroy(s);
    free(s);
    return NULL;
  }

  bst_instance *inst = NULL;
  napi_get_instance_data(env, (void **)&inst);
  s->inst = inst;
  if (!inst || napi_get_reference_value(env, inst->ctor, &ctor) != napi_ok ||
      napi_new_instance(env, ctor, 0, NULL, &obj) != napi_ok || napi_wrap(env, obj, s, session_finalize, NULL, NULL) != napi_ok) {
    bst_session_free_tls(s);
    bst_session_sync_destroy(s);
    free(s);
    return bst_throw(env, "ERR_BASTION_TLS", "could not create the session object");
  }
  /* Weak: the handshake thread's callbacks must not keep the object alive. */
  if (napi_create_reference(env, obj, 0, &s->weak_self) != napi_ok) return NULL;
  napi_value undef;
  napi_get_undefined(env, &undef);
  napi_valuetype st = napi_undefined, ct = napi_undefined;
  if (sign) napi_typeof(env, sign, &st);
  if (check) napi_typeof(env, check, &ct);
  s->has_sign_fn = st == napi_function;
  s->has_check_peer = ct == napi_function;
  /* Hidden, read-only: the callbacks live on the object, so the GC sees any cycle through them. */
  napi_property_descriptor props[] = {
      {BST_ONWRITE_KEY, NULL, NULL, NULL, NULL, on_write, napi_default, NULL},
      {BST_SIGN_KEY, NULL, NULL, NULL, NULL, st == napi_function ? sign : undef, napi_default, NULL},
      {BST_CHECKPEER_KEY, NULL, NULL, NULL, NULL, ct == napi_function ? check : undef, napi_default, NULL},
  };
  if (napi_define_properties(env, obj, 3, props) != napi_ok) return NULL;
  return obj;
}
