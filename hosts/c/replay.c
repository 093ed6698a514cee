/* toolwatch-replay: replays conformance vectors (test/vectors/NAME.json) through the C host and prints
 * a JSON report of every difference. Exit status 0 when every step matched.
 * The JSON reading (cJSON) is this tool's concern; the library itself takes plain C values. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolwatch.h"

static cJSON *diffs;
static const char *vname;

static void diff(int step, const char *what, const char *got, const char *want) {
  char buf[2048];
  snprintf(buf, sizeof buf, "%s step %d %s: got %.900s, want %.900s", vname, step, what, got ? got : "none",
           want ? want : "none");
  cJSON_AddItemToArray(diffs, cJSON_CreateString(buf));
}

static void same_str(int step, const char *what, const char *got, const char *want) {
  if ((got == NULL) != (want == NULL) || (got && strcmp(got, want) != 0))
    diff(step, what, got, want);
}

static void same_int(int step, const char *what, long long got, long long want) {
  char g[32], w[32];
  if (got == want)
    return;
  snprintf(g, sizeof g, "%lld", got);
  snprintf(w, sizeof w, "%lld", want);
  diff(step, what, g, w);
}

static char *fnv1a(const uint8_t *b, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 0x100000001b3ULL;
  char *s = malloc(17);
  snprintf(s, 17, "%016" PRIx64, h);
  return s;
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
    free(s);
    s = NULL;
  }
  if (s)
    s[n] = 0;
  fclose(f);
  return s;
}

static char *hex(const uint8_t *b, size_t n) {
  char *s = malloc(n * 2 + 1);
  for (size_t i = 0; i < n; i++)
    sprintf(s + i * 2, "%02x", b[i]);
  s[n * 2] = 0;
  return s;
}

static uint8_t *unhex(const char *s, size_t *n) {
  *n = strlen(s) / 2;
  uint8_t *b = malloc(*n ? *n : 1);
  for (size_t i = 0; i < *n; i++)
    sscanf(s + i * 2, "%2hhx", &b[i]);
  return b;
}

/* Field readers that tolerate a malformed vector: a missing string is "", a missing number NaN. */
static const char *str_of(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : "";
}
static double num_of(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *opt_string(const cJSON *o, const char *k, int *bad) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  if (!v || cJSON_IsNull(v))
    return NULL;
  if (!cJSON_IsString(v)) {
    *bad = 1;
    return NULL;
  }
  return v->valuestring;
}

/* The strings inside a nested value, as js/core/encode.ts walks them: members in order, at most
 * limit(WALK) per argument (*budget), limit(DEPTH) levels deep; object keys extend the path, arrays do not. */
static void walk(toolwatch *tw, const cJSON *c, const char *path, int depth, int *budget) {
  if (depth > toolwatch_limit(tw, TOOLWATCH_LIMIT_DEPTH)) {
    toolwatch_nested_cut(tw);
    return;
  }
  const cJSON *m;
  cJSON_ArrayForEach(m, c) {
    if (*budget == 0) {
      toolwatch_nested_cut(tw);
      return;
    }
    (*budget)--;
    char *p = NULL;
    if (cJSON_IsArray(c))
      p = strdup(path);
    else if ((p = malloc(strlen(path) + strlen(m->string) + 2)))
      sprintf(p, "%s.%s", path, m->string);
    if (!p)
      return;
    if (cJSON_IsString(m))
      toolwatch_nested_string(tw, p, m->valuestring, strlen(m->valuestring));
    else if (cJSON_IsObject(m) || cJSON_IsArray(m))
      walk(tw, m, p, depth + 1, budget);
    free(p);
  }
}

/* A key JS enumerates first: an array index ("0", "7", "4294967294"; not "01" or "-1"). */
static int array_index(const char *k, uint64_t *v) {
  size_t n = strlen(k);
  if (n == 0 || n > 10 || (n > 1 && k[0] == '0'))
    return 0;
  *v = 0;
  for (size_t i = 0; i < n; i++) {
    if (k[i] < '0' || k[i] > '9')
      return 0;
    *v = *v * 10 + (uint64_t)(k[i] - '0');
  }
  return *v < 4294967295u;
}

/* The members of an object in the order a JS object enumerates them (docs/HOSTS.md "Argument
 * entries"): array indices ascending, then the other keys as written. At most max; returns the count. */
static int js_order(const cJSON *object, const cJSON **out, int max) {
  int n = 0;
  const cJSON *m;
  cJSON_ArrayForEach(m, object) {
    uint64_t v, w;
    if (n == max || !array_index(m->string, &v))
      continue;
    int at = n++;
    while (at > 0 && array_index(out[at - 1]->string, &w) && w > v) {
      out[at] = out[at - 1];
      at--;
    }
    out[at] = m;
  }
  cJSON_ArrayForEach(m, object) {
    uint64_t v;
    if (n < max && !array_index(m->string, &v))
      out[n++] = m;
  }
  return n;
}

/* The same checks, in the same order, as the JS and Python hosts: tool, args, identity, time. */
static int build_call(toolwatch *tw, const cJSON *c, double *t, int *tz) {
  const cJSON *tool = cJSON_GetObjectItemCaseSensitive(c, "tool");
  if (!cJSON_IsString(tool) || !tool->valuestring[0])
    return TOOLWATCH_E_INVALID_TOOL;
  const cJSON *args = cJSON_GetObjectItemCaseSensitive(c, "args");
  if (args && !cJSON_IsNull(args) && !cJSON_IsObject(args))
    return -1000; /* INVALID_ARGS */
  int bad = 0;
  const char *principal = opt_string(c, "principal", &bad);
  const char *tenant = opt_string(c, "tenant", &bad);
  if (bad)
    return -1001; /* INVALID_IDENTITY */
  const cJSON *time = cJSON_GetObjectItemCaseSensitive(c, "time");
  *t = cJSON_IsNumber(time) ? time->valuedouble : NAN;
  const cJSON *z = cJSON_GetObjectItemCaseSensitive(c, "tz");
  *tz = cJSON_IsNumber(z) ? (int)z->valuedouble : 0;
  toolwatch_begin(tw, tenant, principal, tool->valuestring);
  const cJSON *object = cJSON_IsObject(args) ? args : NULL;
  const cJSON *order[TOOLWATCH_MAX_ARGS + 1];
  int n = js_order(object, order, TOOLWATCH_MAX_ARGS + 1);
  for (int o = 0; o < n; o++) {
    const cJSON *a = order[o];
    if (cJSON_IsNull(a))
      toolwatch_arg_null(tw, a->string);
    else if (cJSON_IsBool(a))
      toolwatch_arg_bool(tw, a->string, cJSON_IsTrue(a));
    else if (cJSON_IsNumber(a))
      toolwatch_arg_number(tw, a->string, a->valuedouble);
    else if (cJSON_IsString(a))
      toolwatch_arg_string(tw, a->string, a->valuestring, strlen(a->valuestring));
    else if (cJSON_IsArray(a)) {
      toolwatch_arg_array(tw, a->string);
      const cJSON *el;
      int scanned = 0, budget = toolwatch_limit(tw, TOOLWATCH_LIMIT_WALK);
      cJSON_ArrayForEach(el, a) {
        if (scanned++ >= toolwatch_limit(tw, TOOLWATCH_LIMIT_SCANNED)) {
          toolwatch_nested_cut(tw);
          break;
        } /* the elements every host looks at */
        if (cJSON_IsString(el))
          toolwatch_elem_string(tw, el->valuestring, strlen(el->valuestring));
        else if (cJSON_IsNumber(el))
          toolwatch_elem_number(tw, el->valuedouble);
        else if (cJSON_IsObject(el) || cJSON_IsArray(el))
          walk(tw, el, a->string, 1, &budget);
      }
    } else {
      int budget = toolwatch_limit(tw, TOOLWATCH_LIMIT_WALK);
      toolwatch_arg_object(tw, a->string);
      walk(tw, a, a->string, 0, &budget);
    }
  }
  return 0;
}

static const char *code_name(int rc) {
  if (rc == -1000)
    return "INVALID_ARGS";
  if (rc == -1001)
    return "INVALID_IDENTITY";
  return toolwatch_error_code(rc);
}

static void expect_error(int i, int rc, const cJSON *e) {
  const cJSON *want = cJSON_GetObjectItemCaseSensitive(e, "error");
  same_str(i, "error", rc < 0 ? code_name(rc) : NULL, cJSON_IsString(want) ? want->valuestring : NULL);
}

static int do_allow(toolwatch *tw, const cJSON *entry) {
  if (!cJSON_IsObject(entry))
    return TOOLWATCH_E_INVALID_ALLOWLIST;
  const cJSON *f;
  int n = 0;
  cJSON_ArrayForEach(f, entry) {
    if (strcmp(f->string, "tool") && strcmp(f->string, "principal") && strcmp(f->string, "tenant"))
      return TOOLWATCH_E_INVALID_ALLOWLIST;
    if (!cJSON_IsString(f))
      return TOOLWATCH_E_INVALID_ALLOWLIST;
    n++;
  }
  const cJSON *tool = cJSON_GetObjectItemCaseSensitive(entry, "tool");
  const cJSON *tenant = cJSON_GetObjectItemCaseSensitive(entry, "tenant");
  const cJSON *principal = cJSON_GetObjectItemCaseSensitive(entry, "principal");
  if (tool && n > 1)
    return TOOLWATCH_E_INVALID_ALLOWLIST;
  int kind = tool                  ? TOOLWATCH_ALLOW_TOOL
             : tenant && principal ? TOOLWATCH_ALLOW_ENTITY
             : tenant              ? TOOLWATCH_ALLOW_TENANT
                                   : TOOLWATCH_ALLOW_PRINCIPAL;
  return toolwatch_allow(tw, kind, tenant ? tenant->valuestring : "", principal ? principal->valuestring : "",
                         tool ? tool->valuestring : "");
}

static int config_from_json(double *block, const cJSON *config) {
  toolwatch_config_defaults(block);
  const cJSON *s;
  cJSON_ArrayForEach(s, config) {
    int r = 0;
    if (strcmp(s->string, "signals") == 0) {
      const cJSON *sig, *f;
      cJSON_ArrayForEach(sig, s) cJSON_ArrayForEach(f, sig) {
        char name[128];
        snprintf(name, sizeof name, "signals.%s.%s", sig->string, f->string);
        r |= cJSON_IsString(f) ? toolwatch_config_set_label(block, name, f->valuestring)
                               : toolwatch_config_set(block, name, f->valuedouble);
      }
    } else if (cJSON_IsString(s))
      r = toolwatch_config_set_label(block, s->string, s->valuestring);
    else if (cJSON_IsBool(s))
      r = toolwatch_config_set(block, s->string, cJSON_IsTrue(s) ? 1 : 0);
    else
      r = toolwatch_config_set(block, s->string, s->valuedouble);
    if (r)
      return r;
  }
  return 0;
}

/* The damage a vector asks for, applied to this host's own snapshot (len may shrink). */
static void damage(uint8_t *b, size_t *len, const cJSON *s) {
  const char *how = str_of(s, "damage");
  size_t at = (size_t)num_of(s, "at");
  if (strcmp(how, "flip") == 0 && at < *len)
    b[at] ^= 0xff;
  else if (strcmp(how, "truncate") == 0 && at < *len)
    *len = at;
  else if (strcmp(how, "foreign") == 0 && *len >= 8)
    memcpy(b, "notasnap", 8);
}

static toolwatch *fresh(const cJSON *v) {
  double block[TOOLWATCH_CONFIG_BLOCK];
  int rc, slot = -1;
  if (config_from_json(block, cJSON_GetObjectItemCaseSensitive(v, "config"))) {
    diff(-1, "config", "unmapped setting", "ok");
    return NULL;
  }
  toolwatch *tw = toolwatch_new(block, &rc, &slot);
  if (!tw)
    diff(-1, "new", toolwatch_error_code(rc), "ok");
  return tw;
}

/* JSON text may hold a lone UTF-16 surrogate (\ud800), which has no UTF-8 and which cJSON refuses.
 * The JS and Python hosts pass it in a value as U+FFFD; a C caller has bytes, so the replay writes the
 * same character in its place (the escape keeps its length). A name holding one is refused by those
 * hosts (INVALID_STRING): no C call can carry it, so those steps are skipped (they change no state). */
static void lone_surrogates_to_fffd(char *t) {
  for (char *p = t; *p; p++) {
    if (p[0] != '\\')
      continue;
    if (p[1] != 'u') {
      if (p[1])
        p++;
      continue;
    }
    unsigned u = 0, w = 0;
    if (sscanf(p + 2, "%4x", &u) != 1 || u < 0xD800 || u > 0xDFFF)
      continue;
    int paired =
        u <= 0xDBFF && p[6] == '\\' && p[7] == 'u' && sscanf(p + 8, "%4x", &w) == 1 && w >= 0xDC00 && w <= 0xDFFF;
    if (paired) {
      p += 11;
      continue;
    }
    memcpy(p + 2, "fffd", 4);
    p += 5;
  }
}
static int skipped;

static int replay(const cJSON *v) {
  toolwatch *tw = fresh(v);
  if (!tw)
    return 0;
  const cJSON *steps = cJSON_GetObjectItemCaseSensitive(v, "steps"), *s;
  int i = 0;
  cJSON_ArrayForEach(s, steps) {
    const char *op = str_of(s, "op");
    if (!cJSON_IsObject(s)) {
      diff(i++, "step", "not an object", "an object");
      continue;
    }
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(s, "expect");
    const cJSON *call = cJSON_GetObjectItemCaseSensitive(s, "call");
    const char *want_error = str_of(e, "error");
    if (want_error && strcmp(want_error, "INVALID_STRING") == 0) {
      skipped++;
      i++;
      continue;
    }
    double t;
    int tz;
    if (strcmp(op, "check") == 0 || strcmp(op, "learn") == 0) {
      int check = op[0] == 'c';
      toolwatch_decision d;
      int r = build_call(tw, call, &t, &tz);
      if (r >= 0)
        r = check ? toolwatch_check(tw, t, tz, &d) : toolwatch_learn(tw, t, tz);
      if (r < 0 || !check || cJSON_GetObjectItemCaseSensitive(e, "error")) {
        expect_error(i, r, e);
        i++;
        continue;
      }
      same_str(i, "action", toolwatch_action_name(d.action), str_of(e, "action"));
      char bits[17];
      uint64_t u;
      memcpy(&u, &d.risk, 8);
      snprintf(bits, sizeof bits, "%016" PRIx64, u);
      same_str(i, "riskBits", bits, str_of(e, "riskBits"));
      same_str(i, "baseline", toolwatch_mode_name(d.mode), str_of(e, "baseline"));
      same_int(i, "flags", d.flags, (long long)num_of(e, "flags"));
      const cJSON *reasons = cJSON_GetObjectItemCaseSensitive(e, "reasons");
      same_int(i, "reason count", d.n_reasons, cJSON_GetArraySize(reasons));
      for (int k = 0; k < d.n_reasons && k < cJSON_GetArraySize(reasons); k++)
        same_str(i, "reason", toolwatch_reason_name(d.reasons[k].code), cJSON_GetArrayItem(reasons, k)->valuestring);
      size_t n;
      const uint8_t *res = toolwatch_result(tw, &n);
      char *h = hex(res, n);
      same_str(i, "result", h, str_of(e, "result"));
      free(h);
    } else if (strcmp(op, "after") == 0) {
      int bad = 0;
      const char *principal = opt_string(call, "principal", &bad);
      const char *tenant = opt_string(call, "tenant", &bad);
      const cJSON *tool = cJSON_GetObjectItemCaseSensitive(call, "tool");
      const cJSON *time = cJSON_GetObjectItemCaseSensitive(call, "time");
      int r = bad ? -1001
                  : toolwatch_after(tw, tenant, principal, cJSON_IsString(tool) ? tool->valuestring : "",
                                    cJSON_IsNumber(time) ? time->valuedouble : NAN,
                                    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "isError")));
      const cJSON *tracked = cJSON_GetObjectItemCaseSensitive(e, "tracked");
      if (r < 0 || !tracked)
        expect_error(i, r, e);
      else
        same_int(i, "tracked", r == 1, cJSON_IsTrue(tracked));
    } else if (strcmp(op, "allow") == 0) {
      int r = do_allow(tw, cJSON_GetObjectItemCaseSensitive(s, "entry"));
      expect_error(i, r, e);
    } else if (strcmp(op, "raw") == 0) {
      size_t n;
      uint8_t *io = unhex(str_of(s, "io"), &n);
      const char *fn = str_of(s, "fn");
      int r = toolwatch_raw(tw, io, n, strcmp(fn, "check") == 0 ? 0 : 1, num_of(s, "time"), (int)num_of(s, "tz"));
      free(io);
      same_int(i, "rc", r, (long long)num_of(e, "rc"));
    } else if (strcmp(op, "hash") == 0) {
      char h[17];
      snprintf(h, sizeof h, "%016" PRIx64, toolwatch_state_hash(tw));
      same_str(i, "stateHash", h, str_of(e, "stateHash"));
    } else if (strcmp(op, "snapshot") == 0 || strcmp(op, "reload") == 0 || strcmp(op, "restoreDamaged") == 0) {
      uint8_t *b;
      size_t n;
      int r = toolwatch_snapshot(tw, &b, &n);
      if (r < 0) {
        diff(i, "snapshot", toolwatch_error_code(r), "bytes");
        i++;
        continue;
      }
      if (op[0] == 's') {
        char *h = fnv1a(b, n);
        same_int(i, "snapshot bytes", (long long)n, (long long)num_of(e, "bytes"));
        same_str(i, "snapshot fnv1a", h, str_of(e, "fnv1a"));
        free(h);
      } else if (op[1] == 'e' && op[2] == 'l') { /* reload: a fresh detector restores the snapshot */
        toolwatch *next = fresh(v);
        if (next) {
          toolwatch_free(tw);
          tw = next;
          char h[17];
          same_int(i, "records", toolwatch_restore(tw, b, n), (long long)num_of(e, "records"));
          snprintf(h, sizeof h, "%016" PRIx64, toolwatch_state_hash(tw));
          same_str(i, "stateHash", h, str_of(e, "stateHash"));
        }
      } else {
        damage(b, &n, s);
        r = toolwatch_restore(tw, b, n);
        if (r < 0 || cJSON_GetObjectItemCaseSensitive(e, "error"))
          expect_error(i, r, e);
        else
          same_int(i, "records", r, (long long)num_of(e, "records"));
      }
      free(b);
    } else
      diff(i, "op", op, "a known op");
    i++;
  }
  const cJSON *final = cJSON_GetObjectItemCaseSensitive(v, "final");
  char h[17];
  snprintf(h, sizeof h, "%016" PRIx64, toolwatch_state_hash(tw));
  same_str(i, "final stateHash", h, str_of(final, "stateHash"));
  const cJSON *stats = cJSON_GetObjectItemCaseSensitive(final, "stats"), *st;
  int k = 0;
  cJSON_ArrayForEach(st, stats) {
    double got = toolwatch_stat(tw, k);
    if (got != st->valuedouble) {
      char g[64], w[64], what[32];
      snprintf(g, sizeof g, "%.17g", got);
      snprintf(w, sizeof w, "%.17g", st->valuedouble);
      snprintf(what, sizeof what, "final stat %d", k);
      diff(i, what, g, w);
    }
    k++;
  }
  toolwatch_free(tw);
  return i;
}

int main(int argc, char **argv) {
  diffs = cJSON_CreateArray();
  int vectors = 0, steps = 0;
  for (int a = 1; a < argc; a++) {
    char *text = read_file(argv[a]);
    if (text)
      lone_surrogates_to_fffd(text);
    cJSON *v = text ? cJSON_Parse(text) : NULL;
    vname = argv[a];
    if (!v || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(v, "name")) ||
        !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(v, "steps")) ||
        !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(v, "config")) ||
        !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(v, "final"))) {
      diff(-1, "parse", "not a vector (name, config, steps, final)", "a vector file");
      cJSON_Delete(v);
      free(text);
      continue;
    }
    vname = str_of(v, "name");
    steps += replay(v);
    vectors++;
    cJSON_Delete(v);
    free(text);
  }
  cJSON *report = cJSON_CreateObject();
  cJSON_AddStringToObject(report, "host", "c");
  cJSON_AddNumberToObject(report, "vectors", vectors);
  cJSON_AddNumberToObject(report, "steps", steps);
  cJSON_AddNumberToObject(report, "skipped", skipped);
  int failed = cJSON_GetArraySize(diffs) > 0 || vectors == 0;
  cJSON_AddItemToObject(report, "diffs", diffs);
  char *out = cJSON_Print(report);
  puts(out);
  free(out);
  cJSON_Delete(report);
  return failed;
}
