/* describePriority(priority): what GnuTLS makes of a priority string (for policy tests). */
#include <stdio.h>

#include "bastion.h"

#define NAPI_OK(call)                                                                                                  \
  do {                                                                                                                 \
    if ((call) != napi_ok) return NULL;                                                                                \
  } while (0)

static napi_value name_list(napi_env env, const unsigned *list, int n, const char *(*name)(unsigned)) {
  napi_value arr, v;
  NAPI_OK(napi_create_array(env, &arr));
  uint32_t idx = 0;
  for (int i = 0; i < n; i++) {
    const char *s = name(list[i]);
    if (!s) continue;
    NAPI_OK(napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v));
    NAPI_OK(napi_set_element(env, arr, idx++, v));
  }
  return arr;
}
static const char *proto_name(unsigned x) { return gnutls_protocol_get_name((gnutls_protocol_t)x); }
static const char *sign_name(unsigned x) { return gnutls_sign_get_name((gnutls_sign_algorithm_t)x); }
static const char *group_name(unsigned x) { return gnutls_group_get_name((gnutls_group_t)x); }
static const char *kx_name(unsigned x) { return gnutls_kx_get_name((gnutls_kx_algorithm_t)x); }
static const char *cipher_name(unsigned x) { return gnutls_cipher_get_name((gnutls_cipher_algorithm_t)x); }
static const char *mac_name(unsigned x) { return gnutls_mac_get_name((gnutls_mac_algorithm_t)x); }

napi_value bst_describe_priority(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg, obj, arr, v;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  char prio[4096];
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, arg, prio, sizeof(prio), &len) != napi_ok)
    return bst_throw_type(env, "describePriority(priority: string)");
  gnutls_priority_t p;
  const char *err_pos = NULL;
  int rc = gnutls_priority_init(&p, prio, &err_pos);
  if (rc < 0) {
    char text[512];
    snprintf(text, sizeof(text), "invalid priority string at: %.200s", err_pos ? err_pos : "?");
    return bst_throw_type(env, text);
  }
  NAPI_OK(napi_create_object(env, &obj));
  NAPI_OK(napi_create_array(env, &arr));
  uint32_t idx = 0;
  for (unsigned i = 0;; i++) {
    unsigned sidx;
    rc = gnutls_priority_get_cipher_suite_index(p, i, &sidx);
    if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) break;
    if (rc < 0) continue;
    unsigned char id[2];
    gnutls_kx_algorithm_t kx;
    gnutls_cipher_algorithm_t cipher;
    gnutls_mac_algorithm_t mac;
    gnutls_protocol_t min;
    const char *name = gnutls_cipher_suite_info(sidx, id, &kx, &cipher, &mac, &min);
    if (!name) continue;
    napi_value suite;
    char hex[8];
    snprintf(hex, sizeof(hex), "%02x%02x", id[0], id[1]);
    NAPI_OK(napi_create_object(env, &suite));
    NAPI_OK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &v));
    NAPI_OK(napi_set_named_property(env, suite, "name", v));
    NAPI_OK(napi_create_string_utf8(env, hex, NAPI_AUTO_LENGTH, &v));
    NAPI_OK(napi_set_named_property(env, suite, "id", v));
    NAPI_OK(napi_create_string_utf8(env, gnutls_kx_get_name(kx) ? gnutls_kx_get_name(kx) : "", NAPI_AUTO_LENGTH, &v));
    NAPI_OK(napi_set_named_property(env, suite, "kx", v));
    NAPI_OK(napi_create_string_utf8(env, gnutls_cipher_get_name(cipher), NAPI_AUTO_LENGTH, &v));
    NAPI_OK(napi_set_named_property(env, suite, "cipher", v));
    NAPI_OK(napi_create_string_utf8(env, gnutls_mac_get_name(mac), NAPI_AUTO_LENGTH, &v));
    NAPI_OK(napi_set_named_property(env, suite, "mac", v));
    NAPI_OK(napi_create_string_utf8(env, gnutls_protocol_get_name(min), NAPI_AUTO_LENGTH, &v));
    NAPI_OK(napi_set_named_property(env, suite, "minVersion", v));
    NAPI_OK(napi_set_element(env, arr, idx++, suite));
  }
  NAPI_OK(napi_set_named_property(env, obj, "suites", arr));
  const unsigned *list;
  int n;
  n = gnutls_priority_protocol_list(p, &list);
  NAPI_OK(napi_set_named_property(env, obj, "protocols", name_list(env, list, n < 0 ? 0 : n, proto_name)));
  n = gnutls_priority_sign_list(p, &list);
  NAPI_OK(napi_set_named_property(env, obj, "signatures", name_list(env, list, n < 0 ? 0 : n, sign_name)));
  n = gnutls_priority_group_list(p, &list);
  NAPI_OK(napi_set_named_property(env, obj, "groups", name_list(env, list, n < 0 ? 0 : n, group_name)));
  n = gnutls_priority_kx_list(p, &list);
  NAPI_OK(napi_set_named_property(env, obj, "kx", name_list(env, list, n < 0 ? 0 : n, kx_name)));
  n = gnutls_priority_cipher_list(p, &list);
  NAPI_OK(napi_set_named_property(env, obj, "ciphers", name_list(env, list, n < 0 ? 0 : n, cipher_name)));
  n = gnutls_priority_mac_list(p, &list);
  NAPI_OK(napi_set_named_property(env, obj, "macs", name_list(env, list, n < 0 ? 0 : n, mac_name)));
  gnutls_priority_deinit(p);
  return obj;
}
