/* The Node.js addon of pdqguard (N-API, plain C): a thin shell over the C API
 * (include/pdqguard/pdqguard.h). index.js wraps it; every rule (hex text,
 * distances, geometry, the quality gate, parameter names and bounds) is the C
 * library's. Asynchronous hashing runs on the libuv thread pool with a NULL
 * hasher (per-thread scratch in the library), so the event loop never waits. */
#define NAPI_VERSION 8
#include <node_api.h>
#include <pdqguard/pdqguard.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The PdqguardError class index.js hands over (setErrorClass). */
static napi_ref g_error_class = NULL;

#define CALL(env, expr)                                                    \
  do {                                                                     \
    if ((expr) != napi_ok) {                                               \
      const napi_extended_error_info* info_ = NULL;                        \
      napi_get_last_error_info((env), &info_);                             \
      bool pending_ = false;                                               \
      napi_is_exception_pending((env), &pending_);                         \
      if (!pending_)                                                       \
        napi_throw_error((env), "internal_error",                          \
                         info_ && info_->error_message ? info_->error_message \
                                                       : "N-API call failed"); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

/* Declares argc/argv and reads up to `n` arguments of the call. */
#define ARGS(n)          \
  size_t argc = (n);     \
  napi_value argv[(n)];  \
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))

/* An error object: PdqguardError(message) with .code (the status name, from
 * pdqg_status_name: every status the library has, also ones newer than this
 * addon) and .status (its number). A number the library cannot name either
 * has code "unknown_error" and the number in the message. */
static napi_value make_error(napi_env env, int status, const char* message) {
  napi_value msg, code, num, err = NULL, ctor;
  char text[1024];
  const char* name = pdqg_status_name(status);
  if (strcmp(name, pdqg_status_name(-1)) == 0)
    snprintf(text, sizeof text, "%s %d: %s", name, status, message ? message : "");
  else
    snprintf(text, sizeof text, "%s: %s", name, message ? message : "");
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_string_utf8(env, pdqg_status_name(status), NAPI_AUTO_LENGTH, &code);
  napi_create_int32(env, status, &num);
  if (g_error_class && napi_get_reference_value(env, g_error_class, &ctor) == napi_ok && ctor) {
    napi_new_instance(env, ctor, 1, &msg, &err);
  }
  if (!err) napi_create_error(env, NULL, msg, &err);
  napi_set_named_property(env, err, "code", code);
  napi_set_named_property(env, err, "status", num);
  return err;
}

/* Throws for a failed pdqg_ call made on this thread; returns NULL. */
static napi_value throw_status(napi_env env, int status) {
  napi_throw(env, make_error(env, status, pdqg_last_error()));
  return NULL;
}

static napi_value throw_arg(napi_env env, const char* message) {
  napi_throw(env, make_error(env, PDQG_INVALID_ARGUMENT, message));
  return NULL;
}

/* A JS string argument as a malloc'd C string (NULL and a thrown TypeError otherwise). */
static char* get_string(napi_env env, napi_value v, const char* what) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    char text[128];
    snprintf(text, sizeof text, "%s must be a string", what);
    napi_throw_type_error(env, "invalid_argument", text);
    return NULL;
  }
  char* s = malloc(len + 1);
  if (!s) {
    throw_status(env, PDQG_OUT_OF_MEMORY);
    return NULL;
  }
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  if (strlen(s) != len) { /* an embedded NUL would cut a path short */
    free(s);
    throw_arg(env, "string contains a NUL character");
    return NULL;
  }
  return s;
}

static napi_value hex_value(napi_env env, const pdqg_hash* h) {
  char hex[PDQG_HEX_LENGTH + 1];
  napi_value v;
  pdqg_hash_to_hex(h, hex);
  napi_create_string_utf8(env, hex, PDQG_HEX_LENGTH, &v);
  return v;
}

static void set_int(napi_env env, napi_value obj, const char* name, int64_t value) {
  napi_value v;
  napi_create_int64(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

static void set_bool(napi_env env, napi_value obj, const char* name, int value) {
  napi_value v;
  napi_get_boolean(env, value != 0, &v);
  napi_set_named_property(env, obj, name, v);
}

static void set_str(napi_env env, napi_value obj, const char* name, const char* value) {
  napi_value v;
  napi_create_string_utf8(env, value ? value : "", NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, name, v);
}

/* {hash, quality, tooSmall, width, height[, dihedral: [8 hex]]} */
static napi_value result_value(napi_env env, const pdqg_result* r) {
  napi_value obj;
  napi_create_object(env, &obj);
  napi_set_named_property(env, obj, "hash", hex_value(env, &r->hash));
  set_int(env, obj, "quality", r->quality);
  set_bool(env, obj, "tooSmall", r->too_small);
  set_int(env, obj, "width", r->width);
  set_int(env, obj, "height", r->height);
  if (r->has_dihedral) {
    napi_value arr;
    napi_create_array_with_length(env, 8, &arr);
    for (uint32_t i = 0; i < 8; ++i) napi_set_element(env, arr, i, hex_value(env, &r->dihedral[i]));
    napi_set_named_property(env, obj, "dihedral", arr);
  }
  return obj;
}

/* Optional {dihedral: bool} options -> flags. */
static int get_flags(napi_env env, size_t argc, napi_value* argv, size_t index, unsigned* flags) {
  *flags = 0;
  if (argc <= index) return 1;
  napi_valuetype t;
  napi_typeof(env, argv[index], &t);
  if (t == napi_undefined || t == napi_null) return 1;
  if (t != napi_object) {
    throw_arg(env, "options must be an object");
    return 0;
  }
  bool has = false;
  napi_has_named_property(env, argv[index], "dihedral", &has);
  if (has) {
    napi_value v;
    bool on = false;
    napi_get_named_property(env, argv[index], "dihedral", &v);
    napi_coerce_to_bool(env, v, &v);
    napi_get_value_bool(env, v, &on);
    if (on) *flags |= PDQG_FLAG_DIHEDRAL;
  }
  return 1;
}

/* ---- asynchronous hashing (libuv pool) ---- */

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref buffer_ref; /* keeps the Buffer alive for hashBytes */
  char* path;          /* hashFile */
  const void* data;    /* hashBytes */
  size_t size;
  unsigned flags;
  int status;
  char message[1024];
  pdqg_result result;
} hash_job;

static void hash_execute(napi_env env, void* p) {
  (void)env;
  hash_job* job = p;
  job->status = job->path ? pdqg_hash_file(NULL, job->path, job->flags, &job->result)
                          : pdqg_hash_buffer(NULL, job->data, job->size, job->flags, &job->result);
  if (job->status != PDQG_OK) /* pdqg_last_error is per thread: read it on this one */
    snprintf(job->message, sizeof job->message, "%s", pdqg_last_error());
}

static void hash_complete(napi_env env, napi_status st, void* p) {
  hash_job* job = p;
  if (st != napi_ok) {
    napi_reject_deferred(env, job->deferred, make_error(env, PDQG_INTERNAL_ERROR, "async work failed"));
  } else if (job->status != PDQG_OK) {
    napi_reject_deferred(env, job->deferred, make_error(env, job->status, job->message));
  } else {
    napi_resolve_deferred(env, job->deferred, result_value(env, &job->result));
  }
  if (job->buffer_ref) napi_delete_reference(env, job->buffer_ref);
  napi_delete_async_work(env, job->work);
  free(job->path);
  free(job);
}

static napi_value queue_job(napi_env env, hash_job* job) {
  napi_value promise, name;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "pdqguard.hash", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, hash_execute, hash_complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    if (job->buffer_ref) napi_delete_reference(env, job->buffer_ref);
    free(job->path);
    free(job);
    return throw_status(env, PDQG_INTERNAL_ERROR);
  }
  return promise;
}

/* Buffer / Uint8Array / ArrayBuffer view -> pointer and length. */
static int get_bytes(napi_env env, napi_value v, void** data, size_t* size) {
  bool is = false;
  napi_is_buffer(env, v, &is);
  if (is) return napi_get_buffer_info(env, v, data, size) == napi_ok;
  napi_is_typedarray(env, v, &is);
  if (is) {
    napi_typedarray_type type;
    size_t length, offset;
    napi_value ab;
    if (napi_get_typedarray_info(env, v, &type, &length, data, &ab, &offset) != napi_ok) return 0;
    if (type != napi_uint8_array && type != napi_uint8_clamped_array) return 0;
    *size = length;
    return 1;
  }
  return 0;
}

/* hashFile(path, options?, async) */
static napi_value hash_file(napi_env env, napi_callback_info info) {
  ARGS(3);
  if (argc < 1) return throw_arg(env, "hashFile(path) needs a path");
  unsigned flags;
  if (!get_flags(env, argc, argv, 1, &flags)) return NULL;
  bool async = false;
  if (argc > 2) napi_get_value_bool(env, argv[2], &async);
  char* path = get_string(env, argv[0], "path");
  if (!path) return NULL;
  if (!async) {
    pdqg_result r;
    int st = pdqg_hash_file(NULL, path, flags, &r);
    free(path);
    return st == PDQG_OK ? result_value(env, &r) : throw_status(env, st);
  }
  hash_job* job = calloc(1, sizeof *job);
  if (!job) {
    free(path);
    return throw_status(env, PDQG_OUT_OF_MEMORY);
  }
  job->path = path;
  job->flags = flags;
  return queue_job(env, job);
}

/* hashBytes(buffer, options?, async) */
static napi_value hash_bytes(napi_env env, napi_callback_info info) {
  ARGS(3);
  void* data = NULL;
  size_t size = 0;
  if (argc < 1 || !get_bytes(env, argv[0], &data, &size))
    return throw_arg(env, "hashBytes(data) needs a Buffer or Uint8Array");
  unsigned flags;
  if (!get_flags(env, argc, argv, 1, &flags)) return NULL;
  bool async = false;
  if (argc > 2) napi_get_value_bool(env, argv[2], &async);
  if (!async) {
    pdqg_result r;
    int st = pdqg_hash_buffer(NULL, data, size, flags, &r);
    return st == PDQG_OK ? result_value(env, &r) : throw_status(env, st);
  }
  hash_job* job = calloc(1, sizeof *job);
  if (!job) return throw_status(env, PDQG_OUT_OF_MEMORY);
  job->data = data;
  job->size = size;
  job->flags = flags;
  CALL(env, napi_create_reference(env, argv[0], 1, &job->buffer_ref));
  return queue_job(env, job);
}

static int get_int_prop(napi_env env, napi_value obj, const char* name, int64_t* out, int required) {
  bool has = false;
  napi_has_named_property(env, obj, name, &has);
  if (!has) {
    if (required) {
      char text[96];
      snprintf(text, sizeof text, "frame.%s is required", name);
      throw_arg(env, text);
    }
    return !required;
  }
  napi_value v;
  napi_get_named_property(env, obj, name, &v);
  if (napi_get_value_int64(env, v, out) != napi_ok) {
    char text[96];
    snprintf(text, sizeof text, "frame.%s must be a number", name);
    throw_arg(env, text);
    return 0;
  }
  return 1;
}

/* hashFrame({data, width, height, format, stride?}, options?) — single-plane
 * formats, or the Y plane of i420/nv12 (only luma is read). Synchronous. */
static napi_value hash_frame(napi_env env, napi_callback_info info) {
  ARGS(2);
  napi_valuetype t = napi_undefined;
  if (argc >= 1) napi_typeof(env, argv[0], &t);
  if (t != napi_object) return throw_arg(env, "hashFrame(frame) needs a frame object");
  unsigned flags;
  if (!get_flags(env, argc, argv, 1, &flags)) return NULL;
  int64_t width, height, stride = 0;
  if (!get_int_prop(env, argv[0], "width", &width, 1) || !get_int_prop(env, argv[0], "height", &height, 1) ||
      !get_int_prop(env, argv[0], "stride", &stride, 0))
    return NULL;
  napi_value v;
  void* data = NULL;
  size_t size = 0;
  napi_get_named_property(env, argv[0], "data", &v);
  if (!get_bytes(env, v, &data, &size)) return throw_arg(env, "frame.data must be a Buffer or Uint8Array");
  int format = PDQG_FORMAT_GRAY8;
  bool has = false;
  napi_has_named_property(env, argv[0], "format", &has);
  if (has) {
    napi_get_named_property(env, argv[0], "format", &v);
    char* name = get_string(env, v, "frame.format");
    if (!name) return NULL;
    format = pdqg_format_from_name(name);
    free(name);
    if (format < 0) return throw_arg(env, "frame.format is not a pixel format name (gray8, rgb8, ... or ffmpeg's rgb24, yuv420p, ...)");
  }
  if (width <= 0 || width > INT32_MAX || height <= 0 || height > INT32_MAX || stride < 0)
    return throw_arg(env, "frame width/height must be positive and stride not negative");
  pdqg_frame f = {0};
  f.format = format;
  f.width = (int)width;
  f.height = (int)height;
  f.planes[0] = data;
  f.strides[0] = (size_t)stride;
  f.sizes[0] = size;
  pdqg_result r;
  int st = pdqg_hash_frame(NULL, &f, flags, &r);
  return st == PDQG_OK ? result_value(env, &r) : throw_status(env, st);
}

/* Parses a hex string argument into *out (throws bad_hash). */
static int get_hash(napi_env env, napi_value v, pdqg_hash* out) {
  char* s = get_string(env, v, "hash");
  if (!s) return 0;
  int st = pdqg_hash_from_hex(s, out);
  free(s);
  if (st != PDQG_OK) {
    throw_status(env, st);
    return 0;
  }
  return 1;
}

/* distance(hexA, hexB) */
static napi_value distance(napi_env env, napi_callback_info info) {
  ARGS(2);
  if (argc < 2) return throw_arg(env, "distance(a, b) needs two hashes");
  pdqg_hash a, b;
  if (!get_hash(env, argv[0], &a) || !get_hash(env, argv[1], &b)) return NULL;
  napi_value v;
  napi_create_int32(env, pdqg_hash_distance(&a, &b), &v);
  return v;
}

/* parseHash(hex) -> the canonical lowercase text (validates). */
static napi_value parse_hash(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (argc < 1) return throw_arg(env, "parseHash(hex) needs a string");
  pdqg_hash h;
  if (!get_hash(env, argv[0], &h)) return NULL;
  return hex_value(env, &h);
}

/* ---- matcher: an External wrapping pdqg_matcher*, owned by index.js's Matcher ---- */

typedef struct {
  pdqg_matcher* m;
} matcher_box;

static void matcher_finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  matcher_box* box = data;
  pdqg_matcher_free(box->m);
  free(box);
}

static matcher_box* get_box(napi_env env, napi_value v) {
  void* p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
    throw_arg(env, "not a matcher handle");
    return NULL;
  }
  matcher_box* box = p;
  if (!box->m) {
    throw_arg(env, "the matcher is closed");
    return NULL;
  }
  return box;
}

/* matcherOpen(lists: string[], index: string|null) -> handle */
static napi_value matcher_open(napi_env env, napi_callback_info info) {
  ARGS(2);
  bool is_array = false;
  if (argc >= 1) napi_is_array(env, argv[0], &is_array);
  if (!is_array) return throw_arg(env, "lists must be an array of paths");
  uint32_t n = 0;
  napi_get_array_length(env, argv[0], &n);
  char** lists = calloc(n ? n : 1, sizeof *lists);
  char* index = NULL;
  napi_value result = NULL;
  if (!lists) return throw_status(env, PDQG_OUT_OF_MEMORY);
  for (uint32_t i = 0; i < n; ++i) {
    napi_value e;
    napi_get_element(env, argv[0], i, &e);
    if (!(lists[i] = get_string(env, e, "a list path"))) goto done;
  }
  napi_valuetype t = napi_undefined;
  if (argc >= 2) napi_typeof(env, argv[1], &t);
  if (t != napi_undefined && t != napi_null && !(index = get_string(env, argv[1], "index"))) goto done;
  pdqg_matcher* m = NULL;
  int st = pdqg_matcher_open((const char* const*)lists, n, index, &m);
  if (st != PDQG_OK) {
    throw_status(env, st);
    goto done;
  }
  matcher_box* box = malloc(sizeof *box);
  if (!box) {
    pdqg_matcher_free(m);
    throw_status(env, PDQG_OUT_OF_MEMORY);
    goto done;
  }
  box->m = m;
  if (napi_create_external(env, box, matcher_finalize, NULL, &result) != napi_ok) {
    matcher_finalize(env, box, NULL);
    result = NULL;
    throw_status(env, PDQG_INTERNAL_ERROR);
  }
done:
  for (uint32_t i = 0; i < n; ++i) free(lists[i]);
  free(lists);
  free(index);
  return result;
}

/* matcherClose(handle): frees now (the finalizer then does nothing). */
static napi_value matcher_close(napi_env env, napi_callback_info info) {
  ARGS(1);
  void* p = NULL;
  if (argc >= 1 && napi_get_value_external(env, argv[0], &p) == napi_ok && p) {
    matcher_box* box = p;
    pdqg_matcher_free(box->m); /* JS is single-threaded: no query runs now */
    box->m = NULL;
  }
  return NULL;
}

/* matcherReload(handle, ifChanged) -> bool (reloaded) */
static napi_value matcher_reload(napi_env env, napi_callback_info info) {
  ARGS(2);
  matcher_box* box = argc >= 1 ? get_box(env, argv[0]) : NULL;
  if (!box) return NULL;
  bool if_changed = false;
  if (argc >= 2) napi_get_value_bool(env, argv[1], &if_changed);
  int reloaded = 1;
  int st = if_changed ? pdqg_matcher_reload_if_changed(box->m, &reloaded) : pdqg_matcher_reload(box->m);
  if (st != PDQG_OK) return throw_status(env, st);
  napi_value v;
  napi_get_boolean(env, reloaded != 0, &v);
  return v;
}

/* A matcher parameter number from its C API name, or -1. */
static int matcher_param(napi_env env, napi_value v) {
  char* name = get_string(env, v, "parameter name");
  if (!name) return -2;
  int found = -1;
  for (int p = 0; p < 64 && found < 0; ++p) {
    const char* n = pdqg_matcher_param_name(p);
    if (n && strcmp(n, name) == 0) found = p;
  }
  free(name);
  if (found < 0) throw_arg(env, "unknown matcher parameter (threshold, min_quality, dihedral, ...)");
  return found;
}

/* matcherSet(handle, name, value) / matcherGet(handle, name) */
static napi_value matcher_set(napi_env env, napi_callback_info info) {
  ARGS(3);
  if (argc < 3) return throw_arg(env, "set(name, value)");
  matcher_box* box = get_box(env, argv[0]);
  if (!box) return NULL;
  int p = matcher_param(env, argv[1]);
  if (p < 0) return NULL;
  int64_t value;
  napi_value num;
  if (napi_coerce_to_number(env, argv[2], &num) != napi_ok || napi_get_value_int64(env, num, &value) != napi_ok)
    return throw_arg(env, "value must be a number");
  int st = pdqg_matcher_set(box->m, p, value);
  return st == PDQG_OK ? NULL : throw_status(env, st);
}

static napi_value matcher_get(napi_env env, napi_callback_info info) {
  ARGS(2);
  if (argc < 2) return throw_arg(env, "get(name)");
  matcher_box* box = get_box(env, argv[0]);
  if (!box) return NULL;
  int p = matcher_param(env, argv[1]);
  if (p < 0) return NULL;
  int64_t value = 0;
  int st = pdqg_matcher_get(box->m, p, &value);
  if (st != PDQG_OK) return throw_status(env, st);
  napi_value v;
  napi_create_int64(env, value, &v);
  return v;
}

/* matcherBounds(name) -> {lower, upper, default} */
static napi_value matcher_bounds(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (argc < 1) return throw_arg(env, "bounds(name)");
  int p = matcher_param(env, argv[0]);
  if (p < 0) return NULL;
  int64_t lo, hi, def;
  int st = pdqg_matcher_param_bounds(p, &lo, &hi, &def);
  if (st != PDQG_OK) return throw_status(env, st);
  napi_value obj;
  napi_create_object(env, &obj);
  set_int(env, obj, "lower", lo);
  set_int(env, obj, "upper", hi);
  set_int(env, obj, "default", def);
  return obj;
}

/* Reads a result object (or a hex string: quality unknown) into a query. */
static int get_query(napi_env env, napi_value v, pdqg_result* q) {
  memset(q, 0, sizeof *q);
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_string) {
    q->quality = -1;
    return get_hash(env, v, &q->hash);
  }
  if (t != napi_object) {
    throw_arg(env, "match() needs a hash result object or a hex hash string");
    return 0;
  }
  napi_value x;
  napi_get_named_property(env, v, "hash", &x);
  if (!get_hash(env, x, &q->hash)) return 0;
  int64_t quality = -1;
  bool has = false;
  napi_has_named_property(env, v, "quality", &has);
  if (has) {
    napi_get_named_property(env, v, "quality", &x);
    if (napi_get_value_int64(env, x, &quality) != napi_ok || quality < -1 || quality > 100) {
      throw_arg(env, "quality must be -1..100");
      return 0;
    }
  }
  q->quality = (int)quality;
  napi_has_named_property(env, v, "tooSmall", &has);
  if (has) {
    bool b = false;
    napi_get_named_property(env, v, "tooSmall", &x);
    napi_coerce_to_bool(env, x, &x);
    napi_get_value_bool(env, x, &b);
    q->too_small = b;
  }
  napi_has_named_property(env, v, "dihedral", &has);
  if (has) {
    bool is_array = false;
    uint32_t n = 0;
    napi_get_named_property(env, v, "dihedral", &x);
    napi_is_array(env, x, &is_array);
    if (is_array) napi_get_array_length(env, x, &n);
    if (is_array && n == 8) {
      for (uint32_t i = 0; i < 8; ++i) {
        napi_value e;
        napi_get_element(env, x, i, &e);
        if (!get_hash(env, e, &q->dihedral[i])) return 0;
      }
      q->has_dihedral = 1;
    }
  }
  return 1;
}

/* matcherMatch(handle, query) -> {gate, matches: [{list, id, label, hash, distance, dihedral}]} */
static napi_value matcher_match(napi_env env, napi_callback_info info) {
  ARGS(2);
  if (argc < 2) return throw_arg(env, "match(result)");
  matcher_box* box = get_box(env, argv[0]);
  if (!box) return NULL;
  pdqg_result q;
  if (!get_query(env, argv[1], &q)) return NULL;
  pdqg_match* ms = NULL;
  size_t n = 0;
  int gate = 0;
  int st = pdqg_matcher_query(box->m, &q, &ms, &n, &gate);
  if (st != PDQG_OK) return throw_status(env, st);
  napi_value obj, arr;
  napi_create_object(env, &obj);
  set_str(env, obj, "gate", pdqg_gate_name(gate));
  napi_create_array_with_length(env, n, &arr);
  for (size_t i = 0; i < n; ++i) {
    napi_value m;
    napi_create_object(env, &m);
    set_str(env, m, "list", ms[i].list);
    set_str(env, m, "id", ms[i].id);
    set_str(env, m, "label", ms[i].label);
    napi_set_named_property(env, m, "hash", hex_value(env, &ms[i].hash));
    set_int(env, m, "distance", ms[i].distance);
    set_str(env, m, "dihedral", pdqg_dihedral_name(ms[i].dihedral));
    napi_set_element(env, arr, (uint32_t)i, m);
  }
  pdqg_matches_free(ms);
  napi_set_named_property(env, obj, "matches", arr);
  return obj;
}

/* setErrorClass(ctor) */
static napi_value set_error_class(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (argc < 1) return throw_arg(env, "setErrorClass(ctor)");
  if (g_error_class) napi_delete_reference(env, g_error_class);
  CALL(env, napi_create_reference(env, argv[0], 1, &g_error_class));
  return NULL;
}

static napi_value version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  napi_create_string_utf8(env, pdqg_version_string(), NAPI_AUTO_LENGTH, &v);
  return v;
}

/* statusName(n): pdqg_status_name, the one table of status names. */
static napi_value status_name(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t n = -1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok) n = -1;
  napi_value v;
  napi_create_string_utf8(env, pdqg_status_name(n), NAPI_AUTO_LENGTH, &v);
  return v;
}

/* throwStatusForTest(n, message): throws the error a failed call with status n
 * would throw (tests check every status, also unknown ones, maps to a code). */
static napi_value throw_status_for_test(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t n = 0;
  char message[256] = "";
  size_t len = 0;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok) n = PDQG_INVALID_ARGUMENT;
  if (argc >= 2) napi_get_value_string_utf8(env, argv[1], message, sizeof message, &len);
  napi_throw(env, make_error(env, n, message));
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  static const struct {
    const char* name;
    napi_callback fn;
  } fns[] = {
      {"hashFile", hash_file},         {"hashBytes", hash_bytes},         {"hashFrame", hash_frame},
      {"distance", distance},          {"parseHash", parse_hash},         {"matcherOpen", matcher_open},
      {"matcherClose", matcher_close}, {"matcherReload", matcher_reload}, {"matcherSet", matcher_set},
      {"matcherGet", matcher_get},     {"matcherBounds", matcher_bounds}, {"matcherMatch", matcher_match},
      {"setErrorClass", set_error_class}, {"version", version},
      {"statusName", status_name},     {"throwStatusForTest", throw_status_for_test},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; ++i) {
    napi_value f;
    CALL(env, napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f));
    CALL(env, napi_set_named_property(env, exports, fns[i].name, f));
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
