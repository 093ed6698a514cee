/* The native backend's hot path as a CPython extension (_toolwatch_native): encodes the usual call
 * straight from the Python objects into the core's IO buffer and calls check or learn, in one call
 * from Python, with no bytes object, no ctypes conversions and no GIL release.
 *
 * It takes exactly the calls the Python host's one-pass encoder (hosts/python/toolwatch_wasm/encode.py,
 * Encoder.fast) takes, or fewer, and writes the same bytes: exact str/int/float/bool/None/dict/list/
 * tuple values, strings that are valid UTF-8 within their limits, no key starting with a digit (array
 * indices come first in JS order), a record that fits IO. For anything else it returns None and the
 * Python host encodes the call itself (and raises where it must). The module also carries the whole
 * core and the twc_* functions of pycore.c, which the host reaches through ctypes on this same file.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "pycore.c"

enum {
  T_NULL = TOOLWATCH_T_NULL,
  T_BOOL = TOOLWATCH_T_BOOL,
  T_NUMBER = TOOLWATCH_T_NUMBER,
  T_STRING = TOOLWATCH_T_STRING,
  T_ARRAY = TOOLWATCH_T_ARRAY,
  T_OBJECT = TOOLWATCH_T_OBJECT,
  T_ELEM_STRING = TOOLWATCH_T_ELEM_STRING,
  T_ELEM_NUMBER = TOOLWATCH_T_ELEM_NUMBER
};

typedef struct {
  uint8_t *p; /* IO */
  uint32_t at, size, count;
} rec;

/* UTF-8 of an exact str, or NULL (error cleared): a lone surrogate, which the reference encoder handles. */
static const char *utf8(PyObject *s, Py_ssize_t *n) {
  const char *b = PyUnicode_AsUTF8AndSize(s, n);
  if (!b)
    PyErr_Clear();
  return b;
}

static int put(rec *r, const void *b, size_t n) {
  if (n > r->size - r->at)
    return 0;
  memcpy(r->p + r->at, b, n);
  r->at += (uint32_t)n;
  return 1;
}

static int entry(rec *r, int type, const char *k, Py_ssize_t kl, const void *v, uint32_t vl, uint32_t max_args) {
  uint8_t h[TOOLWATCH_ENTRY_HEADER] = {0};
  uint16_t kl16 = (uint16_t)kl;
  h[TOOLWATCH_ENTRY_TYPE] = (uint8_t)type;
  memcpy(h + TOOLWATCH_ENTRY_KEY_LEN, &kl16, 2); /* the core is little-endian, like every target of this host */
  memcpy(h + TOOLWATCH_ENTRY_VALUE_LEN, &vl, 4);
  if (++r->count > max_args)
    return 0;
  return put(r, h, TOOLWATCH_ENTRY_HEADER) && put(r, k, (size_t)kl) && (vl == 0 || put(r, v, vl));
}

/* 1 written, 0 skipped (an element type arrays leave out), -1 not for this path */
static int number(PyObject *v, double *d) {
  if (PyFloat_CheckExact(v)) {
    *d = PyFloat_AS_DOUBLE(v);
    return 1;
  }
  if (PyLong_CheckExact(v)) {
    *d = PyLong_AsDouble(v);
    if (*d == -1.0 && PyErr_Occurred()) {
      PyErr_Clear();
      return -1;
    } /* beyond f64 */
    return 1;
  }
  return 0;
}

static int encode(twc *c, PyObject *tenant, PyObject *principal, PyObject *tool, PyObject *args) {
  rec r = {Z_toolwatchZ_memory(&c->inst)->data + c->io, TOOLWATCH_CALL_HEADER, c->io_size, 0};
  Py_ssize_t tl, pl, ol;
  const char *tb = utf8(tenant, &tl), *pb, *ob;
  if (!tb || !(pb = utf8(principal, &pl)) || !(ob = utf8(tool, &ol)))
    return 0;
  if ((size_t)tl > c->lim[TOOLWATCH_LIMIT_IDENT_BYTES] || (size_t)pl > c->lim[TOOLWATCH_LIMIT_IDENT_BYTES] ||
      (size_t)ol > c->lim[TOOLWATCH_LIMIT_TOOL_BYTES])
    return 0;
  put(&r, tb, (size_t)tl);
  put(&r, pb, (size_t)pl);
  put(&r, ob, (size_t)ol);
  Py_ssize_t pos = 0;
  PyObject *k, *v;
  while (PyDict_Next(args, &pos, &k, &v)) {
    Py_ssize_t kl, vl;
    const char *kb, *vb;
    double d;
    if (!PyUnicode_CheckExact(k) || !(kb = utf8(k, &kl)) || (size_t)kl > c->lim[TOOLWATCH_LIMIT_KEY_BYTES])
      return 0;
    if (kl > 0 && kb[0] >= '0' && kb[0] <= '9')
      return 0;
    if (PyUnicode_CheckExact(v)) {
      if (!(vb = utf8(v, &vl)) || (size_t)vl > c->lim[TOOLWATCH_LIMIT_VALUE_BYTES] ||
          !entry(&r, T_STRING, kb, kl, vb, (uint32_t)vl, c->lim[TOOLWATCH_LIMIT_ARGS]))
        return 0;
    } else if (v == Py_True || v == Py_False) {
      uint8_t b = v == Py_True;
      if (!entry(&r, T_BOOL, kb, kl, &b, 1, c->lim[TOOLWATCH_LIMIT_ARGS]))
        return 0;
    } else if (PyLong_CheckExact(v) || PyFloat_CheckExact(v)) {
      if (number(v, &d) < 0 || !entry(&r, T_NUMBER, kb, kl, &d, 8, c->lim[TOOLWATCH_LIMIT_ARGS]))
        return 0;
    } else if (v == Py_None ||
               (PyDict_CheckExact(v) && PyDict_GET_SIZE(v) == 0)) { /* nested values: Python's encoder */
      if (!entry(&r, v == Py_None ? T_NULL : T_OBJECT, kb, kl, NULL, 0, c->lim[TOOLWATCH_LIMIT_ARGS]))
        return 0;
    } else if (PyList_CheckExact(v) || PyTuple_CheckExact(v)) {
      if (!entry(&r, T_ARRAY, kb, kl, NULL, 0, c->lim[TOOLWATCH_LIMIT_ARGS]))
        return 0;
      Py_ssize_t n = PySequence_Fast_GET_SIZE(v), m = 0, i = 0;
      PyObject **items = PySequence_Fast_ITEMS(v);
      for (; i < n && i < c->lim[TOOLWATCH_LIMIT_SCANNED] && m < c->lim[TOOLWATCH_LIMIT_ELEMENTS]; i++) {
        PyObject *e = items[i];
        if (PyUnicode_CheckExact(e)) {
          if (!(vb = utf8(e, &vl)) || (size_t)vl > c->lim[TOOLWATCH_LIMIT_VALUE_BYTES] ||
              !entry(&r, T_ELEM_STRING, kb, kl, vb, (uint32_t)vl, c->lim[TOOLWATCH_LIMIT_ARGS]))
            return 0;
        } else if (PyLong_CheckExact(e) || PyFloat_CheckExact(e)) {
          if (number(e, &d) < 0 || !entry(&r, T_ELEM_NUMBER, kb, kl, &d, 8, c->lim[TOOLWATCH_LIMIT_ARGS]))
            return 0;
        } else if (e == Py_True || e == Py_False || e == Py_None || (PyDict_CheckExact(e) && PyDict_GET_SIZE(e) == 0) ||
                   ((PyList_CheckExact(e) || PyTuple_CheckExact(e)) && PySequence_Fast_GET_SIZE(e) == 0)) {
          continue;
        } else {
          return 0;
        }
        m++;
      }
      if (i < n)
        return 0; /* elements past the first 16 scalars, or past the scan: Python's encoder */
    } else {
      return 0;
    }
  }
  uint32_t head[4] = {(uint32_t)tl, (uint32_t)pl, (uint32_t)ol, r.count};
  memcpy(r.p, head, TOOLWATCH_CALL_HEADER);
  return 1;
}

/* run(core, export, tenant, principal, tool, args, time_ms, tz) -> the export's result, TWC_TRAPPED,
 * or None (encode this call in Python). core: twc_new()'s address; export: twc_export("check"|"learn"). */
static PyObject *run(PyObject *self, PyObject *const *a, Py_ssize_t n) {
  (void)self;
  if (n != 8) {
    PyErr_SetString(PyExc_TypeError, "run() takes 8 arguments");
    return NULL;
  }
  twc *c = (twc *)PyLong_AsVoidPtr(a[0]);
  int e = (int)PyLong_AsLong(a[1]);
  double t = PyFloat_AsDouble(a[6]);
  long tz = PyLong_AsLong(a[7]);
  if (PyErr_Occurred())
    return NULL;
  if (!c || (e != E_CHECK && e != E_LEARN)) {
    PyErr_SetString(PyExc_ValueError, "run(): bad core or export");
    return NULL;
  }
  if (!PyUnicode_CheckExact(a[2]) || !PyUnicode_CheckExact(a[3]) || !PyUnicode_CheckExact(a[4]) ||
      !PyDict_CheckExact(a[5]))
    Py_RETURN_NONE;
  if (!encode(c, a[2], a[3], a[4], a[5]))
    Py_RETURN_NONE;
  Z_toolwatch_instance_t *in = &c->inst;
  if (wasm_rt_impl_try() != 0)
    return PyLong_FromLong(TWC_TRAPPED);
  return PyLong_FromLong((int32_t)f64_i32(in, e, t, (uint32_t)tz));
}

static PyMethodDef methods[] = {
    {"run", (PyCFunction)(void (*)(void))run, METH_FASTCALL, "encode the call into IO and run check or learn"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_toolwatch_native", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__toolwatch_native(void) { return PyModule_Create(&module); }
