/* Small N-API helpers shared by the addon's files. */
#include <stdlib.h>
#include <string.h>

#include "bastion.h"

napi_value bst_throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_BASTION_TLS_ARG", msg);
  return NULL;
}

napi_value bst_throw(napi_env env, const char *code, const char *msg) {
  napi_throw_error(env, code, msg);
  return NULL;
}

int bst_get_prop(napi_env env, napi_value obj, const char *key, napi_value *out, napi_valuetype *type) {
  bool has = false;
  if (napi_has_named_property(env, obj, key, &has) != napi_ok) return -1;
  if (!has) {
    *type = napi_undefined;
    return 0;
  }
  if (napi_get_named_property(env, obj, key, out) != napi_ok) return -1;
  return napi_typeof(env, *out, type) == napi_ok ? 0 : -1;
}

char *bst_get_string(napi_env env, napi_value obj, const char *key, napi_valuetype *type) {
  napi_value v;
  if (bst_get_prop(env, obj, key, &v, type) != 0 || *type != napi_string) return NULL;
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (!s) return NULL;
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

int bst_get_bytes(napi_env env, napi_value v, const uint8_t **data, size_t *len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return -1;
  napi_typedarray_type t;
  void *p;
  if (napi_get_typedarray_info(env, v, &t, len, &p, NULL, NULL) != napi_ok || t != napi_uint8_array) return -1;
  *data = p;
  return 0;
}

napi_value bst_buffer_from(napi_env env, const void *data, size_t len) {
  napi_value buf;
  void *copy;
  if (napi_create_buffer_copy(env, len, len ? data : "", &copy, &buf) != napi_ok) return NULL;
  return buf;
}

void bst_capture_js_error(bst_session *s) {
  napi_env env = s->env;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) return;
  napi_value err;
  if (napi_get_and_clear_last_exception(env, &err) != napi_ok) return;
  if (!s->js_error) napi_create_reference(env, err, 1, &s->js_error);
}

napi_status bst_set_str(napi_env env, napi_value obj, const char *key, const char *value) {
  napi_value v;
  napi_status st = value ? napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v) : napi_get_null(env, &v);
  if (st != napi_ok) return st;
  return napi_set_named_property(env, obj, key, v);
}

napi_status bst_set_num(napi_env env, napi_value obj, const char *key, double value) {
  napi_value v;
  napi_status st = napi_create_double(env, value, &v);
  if (st != napi_ok) return st;
  return napi_set_named_property(env, obj, key, v);
}

napi_status bst_set_bool(napi_env env, napi_value obj, const char *key, int value) {
  napi_value v;
  napi_status st = napi_get_boolean(env, value != 0, &v);
  if (st != napi_ok) return st;
  return napi_set_named_property(env, obj, key, v);
}

napi_status bst_flag_names(napi_env env, unsigned bits, const bst_flag_name *table, size_t n, napi_value arr, uint32_t *idx) {
  for (size_t i = 0; i < n; i++) {
    if (!(bits & table[i].bit)) continue;
    napi_value s;
    napi_status st = napi_create_string_utf8(env, table[i].name, NAPI_AUTO_LENGTH, &s);
    if (st == napi_ok) st = napi_set_element(env, arr, (*idx)++, s);
    if (st != napi_ok) return st;
  }
  return napi_ok;
}
