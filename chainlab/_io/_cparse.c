/*
 * chainlab._cparse -- tokenizers of the explicit chain files (Storm .drn model section, PRISM
 * .tra and .lab bodies), in C.
 *
 * Why hand-written C: a chain file holds one line per transition, and splitting 10^6 lines in
 * Python costs seconds before any arithmetic starts (NumPy's text readers need one format for
 * every line, which .drn files do not have, and still create an object per token for exact
 * values).  This module only *tokenizes*: it returns CSR arrays of integers and the ids of the
 * distinct value strings (a file repeats a few distinct probabilities), so Python parses every
 * distinct value once, exactly or as a float.  It never interprets a value and never decides
 * what is an error worth reporting: on anything unexpected it raises ValueError("line N"), and
 * chainlab.io then runs its pure-Python reader on the same file, which produces the full error
 * message (file:line, the construct, the fix).  The pure-Python reader is also the fallback
 * when this extension is not built; tests read every sample file both ways.
 *
 * Arrays are returned as bytes (native int64 / int32) for numpy.frombuffer.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <stdio.h>

/* ------------------------------------------------------------------ growable arrays */
typedef struct {
    char *data;
    size_t len, cap, item;
} Vec;

static int vec_init(Vec *v, size_t item, size_t cap) {
    v->item = item;
    v->len = 0;
    v->cap = cap ? cap : 16;
    v->data = (char *)malloc(v->cap * item);
    return v->data ? 0 : -1;
}

static int vec_push(Vec *v, const void *x) {
    if (v->len == v->cap) {
        size_t cap = v->cap * 2;
        char *d = (char *)realloc(v->data, cap * v->item);
        if (!d) return -1;
        v->data = d;
        v->cap = cap;
    }
    memcpy(v->data + v->len * v->item, x, v->item);
    v->len++;
    return 0;
}

static PyObject *vec_bytes(Vec *v) {
    return PyBytes_FromStringAndSize(v->data, (Py_ssize_t)(v->len * v->item));
}

static void vec_free(Vec *v) {
    free(v->data);
    v->data = NULL;
}

/* ------------------------------------------------------------------ string interning */
typedef struct {
    const char **ptr;   /* spans into the parsed buffer (kept alive by the caller) */
    Py_ssize_t *len;
    Py_ssize_t n, cap;
    Py_ssize_t *slots;  /* index + 1, 0 = empty */
    size_t mask;
} Intern;

static int intern_init(Intern *t) {
    t->n = 0;
    t->cap = 64;
    t->ptr = (const char **)malloc(t->cap * sizeof(char *));
    t->len = (Py_ssize_t *)malloc(t->cap * sizeof(Py_ssize_t));
    t->mask = 255;
    t->slots = (Py_ssize_t *)calloc(t->mask + 1, sizeof(Py_ssize_t));
    return (t->ptr && t->len && t->slots) ? 0 : -1;
}

static void intern_free(Intern *t) {
    free(t->ptr);
    free(t->len);
    free(t->slots);
}

static uint64_t hash_span(const char *s, Py_ssize_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int intern_grow(Intern *t) {
    size_t mask = t->mask * 2 + 1;
    Py_ssize_t *slots = (Py_ssize_t *)calloc(mask + 1, sizeof(Py_ssize_t));
    if (!slots) return -1;
    for (Py_ssize_t i = 0; i < t->n; i++) {
        size_t h = (size_t)hash_span(t->ptr[i], t->len[i]) & mask;
        while (slots[h]) h = (h + 1) & mask;
        slots[h] = i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->mask = mask;
    return 0;
}

/* id of the span, adding it when new; -1 on memory error */
static Py_ssize_t intern_id(Intern *t, const char *s, Py_ssize_t n) {
    size_t h = (size_t)hash_span(s, n) & t->mask;
    for (;;) {
        Py_ssize_t k = t->slots[h];
        if (!k) break;
        k--;
        if (t->len[k] == n && memcmp(t->ptr[k], s, (size_t)n) == 0) return k;
        h = (h + 1) & t->mask;
    }
    if (t->n == t->cap) {
        Py_ssize_t cap = t->cap * 2;
        const char **p = (const char **)realloc((void *)t->ptr, cap * sizeof(char *));
        if (!p) return -1;
        t->ptr = p;
        Py_ssize_t *l = (Py_ssize_t *)realloc(t->len, cap * sizeof(Py_ssize_t));
        if (!l) return -1;
        t->len = l;
        t->cap = cap;
    }
    t->ptr[t->n] = s;
    t->len[t->n] = n;
    t->slots[h] = t->n + 1;
    t->n++;
    if ((size_t)t->n * 2 > t->mask) {
        if (intern_grow(t) < 0) return -1;
    }
    return t->n - 1;
}

static PyObject *intern_list(Intern *t) {
    PyObject *out = PyList_New(t->n);
    if (!out) return NULL;
    for (Py_ssize_t i = 0; i < t->n; i++) {
        PyObject *s = PyUnicode_DecodeUTF8(t->ptr[i], t->len[i], "strict");
        if (!s) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, s);
    }
    return out;
}

/* ------------------------------------------------------------------ scanning helpers */
static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

static const char *skip_space(const char *p, const char *end) {
    while (p < end && is_space(*p)) p++;
    return p;
}

/* parse a non-negative decimal integer; returns the end or NULL */
static const char *parse_int(const char *p, const char *end, int64_t *out) {
    if (p >= end || *p < '0' || *p > '9') return NULL;
    int64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (v > (INT64_MAX - 9) / 10) return NULL;
        v = v * 10 + (*p - '0');
        p++;
    }
    *out = v;
    return p;
}

static int fail(Py_ssize_t lineno, const char *what) {
    PyErr_Format(PyExc_ValueError, "line %zd: %s", lineno, what);
    return -1;
}

/* split the comma-separated numbers of "[a, b, c]" (between p and q, brackets excluded) into
 * interned ids */
static int push_list(const char *p, const char *q, Intern *values, Vec *ids, Py_ssize_t lineno) {
    while (p < q) {
        p = skip_space(p, q);
        const char *s = p;
        while (p < q && *p != ',') p++;
        const char *e = p;
        while (e > s && is_space(e[-1])) e--;
        if (e == s) return fail(lineno, "empty reward value");
        Py_ssize_t id = intern_id(values, s, e - s);
        if (id < 0) return -1;
        int32_t v = (int32_t)id;
        if (vec_push(ids, &v) < 0) return -1;
        if (p < q) p++; /* the comma */
    }
    return 0;
}

/* ------------------------------------------------------------------ .drn model section */
static PyObject *parse_drn(PyObject *self, PyObject *args) {
    Py_buffer buf;
    Py_ssize_t start, lineno, n;
    if (!PyArg_ParseTuple(args, "y*nnn", &buf, &start, &lineno, &n)) return NULL;
    const char *base = (const char *)buf.buf;
    const char *end = base + buf.len;
    const char *p = base + (start < buf.len ? start : buf.len);
    PyObject *result = NULL;
    Vec indptr, cols, vids, labptr, labids, srptr, srids, arptr, arids, sline;
    Intern values, labels;
    int ok = vec_init(&indptr, 8, (size_t)n + 1) == 0 && vec_init(&cols, 8, 1024) == 0 &&
             vec_init(&vids, 4, 1024) == 0 && vec_init(&labptr, 8, (size_t)n + 1) == 0 &&
             vec_init(&labids, 4, 64) == 0 && vec_init(&srptr, 8, (size_t)n + 1) == 0 &&
             vec_init(&srids, 4, 64) == 0 && vec_init(&arptr, 8, (size_t)n + 1) == 0 &&
             vec_init(&arids, 4, 64) == 0 && vec_init(&sline, 8, (size_t)n + 1) == 0 &&
             intern_init(&values) == 0 && intern_init(&labels) == 0;
    if (!ok) {
        PyErr_NoMemory();
        goto done;
    }
    int64_t zero = 0;
    vec_push(&labptr, &zero);
    vec_push(&srptr, &zero);
    vec_push(&arptr, &zero);
    int64_t state = -1;
    int actions = 0;
    lineno -= 1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        lineno++;
        const char *q = skip_space(p, le);
        const char *qe = le;
        while (qe > q && is_space(qe[-1])) qe--;
        p = nl ? nl + 1 : end;
        if (q == qe || (qe - q >= 2 && q[0] == '/' && q[1] == '/')) continue;
        if (qe - q >= 6 && memcmp(q, "state", 5) == 0 && is_space(q[5])) {
            if (state >= 0 && actions == 0) { fail(lineno, "state without action"); goto done; }
            int64_t id;
            const char *r = parse_int(skip_space(q + 5, qe), qe, &id);
            if (!r || (r < qe && !is_space(*r))) { fail(lineno, "bad state id"); goto done; }
            if (id != state + 1 || id >= n) { fail(lineno, "state out of order"); goto done; }
            state = id;
            actions = 0;
            int64_t ln = lineno, row_start = (int64_t)cols.len;
            if (vec_push(&sline, &ln) < 0 || vec_push(&indptr, &row_start) < 0) {
                PyErr_NoMemory();
                goto done;
            }
            int have_rewards = 0;
            while (r < qe) {
                r = skip_space(r, qe);
                if (r >= qe) break;
                if (*r == '[' || *r == '{') {
                    char close = *r == '[' ? ']' : '}';
                    const char *c = memchr(r, close, (size_t)(qe - r));
                    if (!c) { fail(lineno, "unclosed bracket"); goto done; }
                    if (*r == '[' && !have_rewards) {
                        have_rewards = 1;
                        if (push_list(r + 1, c, &values, &srids, lineno) < 0) goto done;
                    }
                    r = c + 1;
                } else if (*r == '"') {
                    const char *c = memchr(r + 1, '"', (size_t)(qe - r - 1));
                    if (!c) { fail(lineno, "unclosed quote"); goto done; }
                    Py_ssize_t lid = intern_id(&labels, r + 1, c - r - 1);
                    int32_t v = (int32_t)lid;
                    if (lid < 0 || vec_push(&labids, &v) < 0) { PyErr_NoMemory(); goto done; }
                    r = c + 1;
                } else {
                    const char *c = r;
                    while (c < qe && !is_space(*c)) c++;
                    Py_ssize_t lid = intern_id(&labels, r, c - r);
                    int32_t v = (int32_t)lid;
                    if (lid < 0 || vec_push(&labids, &v) < 0) { PyErr_NoMemory(); goto done; }
                    r = c;
                }
            }
            int64_t cnt = (int64_t)labids.len, scnt = (int64_t)srids.len;
            if (vec_push(&labptr, &cnt) < 0 || vec_push(&srptr, &scnt) < 0) {
                PyErr_NoMemory();
                goto done;
            }
            continue;
        }
        if (qe - q >= 6 && memcmp(q, "action", 6) == 0 && (qe - q == 6 || is_space(q[6]))) {
            if (state < 0) { fail(lineno, "action before state"); goto done; }
            if (++actions > 1) { fail(lineno, "second action"); goto done; }
            const char *b = memchr(q, '[', (size_t)(qe - q));
            if (b) {
                const char *c = memchr(b, ']', (size_t)(qe - b));
                if (!c) { fail(lineno, "unclosed bracket"); goto done; }
                if (push_list(b + 1, c, &values, &arids, lineno) < 0) goto done;
            }
            int64_t acnt = (int64_t)arids.len;
            if (vec_push(&arptr, &acnt) < 0) { PyErr_NoMemory(); goto done; }
            continue;
        }
        /* target : value */
        if (actions == 0) { fail(lineno, "transition before action"); goto done; }
        int64_t j;
        const char *r = parse_int(q, qe, &j);
        if (!r) { fail(lineno, "bad target"); goto done; }
        r = skip_space(r, qe);
        if (r >= qe || *r != ':') { fail(lineno, "missing colon"); goto done; }
        r = skip_space(r + 1, qe);
        if (r >= qe) { fail(lineno, "missing value"); goto done; }
        if (j >= n) { fail(lineno, "target out of range"); goto done; }
        Py_ssize_t vid = intern_id(&values, r, qe - r);
        int32_t v = (int32_t)vid;
        if (vid < 0 || vec_push(&cols, &j) < 0 || vec_push(&vids, &v) < 0) {
            PyErr_NoMemory();
            goto done;
        }
    }
    if (state >= 0 && actions == 0) { fail(lineno, "state without action"); goto done; }
    if (state + 1 != n) { fail(lineno, "too few states"); goto done; }
    int64_t total = (int64_t)cols.len;
    if (vec_push(&indptr, &total) < 0) { PyErr_NoMemory(); goto done; }
    PyObject *vl = intern_list(&values), *ll = intern_list(&labels);
    if (!vl || !ll) {
        Py_XDECREF(vl);
        Py_XDECREF(ll);
        goto done;
    }
    result = Py_BuildValue("NNNNNNNNNNNN", vec_bytes(&indptr), vec_bytes(&cols), vec_bytes(&vids),
                           vl, ll, vec_bytes(&labptr), vec_bytes(&labids), vec_bytes(&srptr),
                           vec_bytes(&srids), vec_bytes(&arptr), vec_bytes(&arids),
                           vec_bytes(&sline));
done:
    vec_free(&indptr); vec_free(&cols); vec_free(&vids); vec_free(&labptr); vec_free(&labids);
    vec_free(&srptr); vec_free(&srids); vec_free(&arptr); vec_free(&arids); vec_free(&sline);
    intern_free(&values);
    intern_free(&labels);
    PyBuffer_Release(&buf);
    return result;
}

/* ------------------------------------------------------------------ .tra body */
static PyObject *parse_tra(PyObject *self, PyObject *args) {
    Py_buffer buf;
    Py_ssize_t start, lineno, n;
    if (!PyArg_ParseTuple(args, "y*nnn", &buf, &start, &lineno, &n)) return NULL;
    const char *base = (const char *)buf.buf;
    const char *end = base + buf.len;
    const char *p = base + (start < buf.len ? start : buf.len);
    PyObject *result = NULL;
    Vec rows, cols, vids, lines;
    Intern values;
    if (vec_init(&rows, 8, 1024) < 0 || vec_init(&cols, 8, 1024) < 0 ||
        vec_init(&vids, 4, 1024) < 0 || vec_init(&lines, 8, 1024) < 0 || intern_init(&values) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    lineno -= 1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        lineno++;
        const char *q = skip_space(p, le);
        const char *qe = le;
        while (qe > q && is_space(qe[-1])) qe--;
        p = nl ? nl + 1 : end;
        if (q == qe) continue;
        int64_t i, j;
        const char *r = parse_int(q, qe, &i);
        if (!r || r >= qe || !is_space(*r)) { fail(lineno, "bad source"); goto done; }
        r = parse_int(skip_space(r, qe), qe, &j);
        if (!r || r >= qe || !is_space(*r)) { fail(lineno, "bad target"); goto done; }
        r = skip_space(r, qe);
        const char *e = r;
        while (e < qe && !is_space(*e)) e++;
        if (e != qe || r == qe) { fail(lineno, "not three columns"); goto done; }
        if (i >= n || j >= n) { fail(lineno, "state out of range"); goto done; }
        Py_ssize_t vid = intern_id(&values, r, qe - r);
        int32_t v = (int32_t)vid;
        int64_t ln = lineno;
        if (vid < 0 || vec_push(&rows, &i) < 0 || vec_push(&cols, &j) < 0 ||
            vec_push(&vids, &v) < 0 || vec_push(&lines, &ln) < 0) {
            PyErr_NoMemory();
            goto done;
        }
    }
    PyObject *vl = intern_list(&values);
    if (!vl) goto done;
    result = Py_BuildValue("NNNNN", vec_bytes(&rows), vec_bytes(&cols), vec_bytes(&vids), vl,
                           vec_bytes(&lines));
done:
    vec_free(&rows); vec_free(&cols); vec_free(&vids); vec_free(&lines);
    intern_free(&values);
    PyBuffer_Release(&buf);
    return result;
}

/* ------------------------------------------------------------------ .lab body */
static PyObject *parse_lab(PyObject *self, PyObject *args) {
    Py_buffer buf;
    Py_ssize_t start, lineno, n;
    if (!PyArg_ParseTuple(args, "y*nnn", &buf, &start, &lineno, &n)) return NULL;
    const char *base = (const char *)buf.buf;
    const char *end = base + buf.len;
    const char *p = base + (start < buf.len ? start : buf.len);
    PyObject *result = NULL;
    Vec states, ids;
    if (vec_init(&states, 8, 1024) < 0 || vec_init(&ids, 8, 1024) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    lineno -= 1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        lineno++;
        const char *q = skip_space(p, le);
        const char *qe = le;
        while (qe > q && is_space(qe[-1])) qe--;
        p = nl ? nl + 1 : end;
        if (q == qe) continue;
        int64_t s;
        const char *r = parse_int(q, qe, &s);
        if (!r) { fail(lineno, "bad state"); goto done; }
        r = skip_space(r, qe);
        if (r >= qe || *r != ':') { fail(lineno, "missing colon"); goto done; }
        if (s >= n) { fail(lineno, "state out of range"); goto done; }
        r++;
        while (r < qe) {
            r = skip_space(r, qe);
            if (r >= qe) break;
            int64_t k;
            r = parse_int(r, qe, &k);
            if (!r || (r < qe && !is_space(*r))) { fail(lineno, "bad label id"); goto done; }
            if (vec_push(&states, &s) < 0 || vec_push(&ids, &k) < 0) {
                PyErr_NoMemory();
                goto done;
            }
        }
    }
    result = Py_BuildValue("NN", vec_bytes(&states), vec_bytes(&ids));
done:
    vec_free(&states); vec_free(&ids);
    PyBuffer_Release(&buf);
    return result;
}

/* ------------------------------------------------------------------ float JSON tables */
/* The JSON text '"k0": v0, "k1": v1, ...' of float values keyed by state numbers: each value
   as Python's repr writes it (PyOS_double_to_string, mode 'r': the shortest text that reads
   back to the same double), infinities and NaN as null. One C loop instead of a Python string
   per key and per value (about 3x faster for a table of 250,000 states). */
static PyObject *float_table(PyObject *self, PyObject *args) {
    Py_buffer kb, vb;
    if (!PyArg_ParseTuple(args, "y*y*", &kb, &vb)) return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = kb.len / 8;
    if (vb.len / 8 != n) {
        PyErr_SetString(PyExc_ValueError, "float_table: keys and values differ in length");
        goto done;
    }
    const int64_t *keys = (const int64_t *)kb.buf;
    const double *vals = (const double *)vb.buf;
    size_t cap = (size_t)n * 32 + 16, len = 0;
    char *out = malloc(cap);
    if (!out) { PyErr_NoMemory(); goto done; }
    for (Py_ssize_t i = 0; i < n; i++) {
        char key[32];
        int kl = snprintf(key, sizeof key, "%lld", (long long)keys[i]);
        char *txt = NULL;
        const char *v = "null";
        if (isfinite(vals[i])) {
            txt = PyOS_double_to_string(vals[i], 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
            if (!txt) { free(out); goto done; }
            v = txt;
        }
        size_t vl = strlen(v);
        size_t need = len + (size_t)kl + vl + 8;
        if (need > cap) {
            while (cap < need) cap *= 2;
            char *grown = realloc(out, cap);
            if (!grown) { PyMem_Free(txt); free(out); PyErr_NoMemory(); goto done; }
            out = grown;
        }
        if (i) { out[len++] = ','; out[len++] = ' '; }
        out[len++] = '"';
        memcpy(out + len, key, (size_t)kl); len += (size_t)kl;
        out[len++] = '"'; out[len++] = ':'; out[len++] = ' ';
        memcpy(out + len, v, vl); len += vl;
        PyMem_Free(txt);
    }
    result = PyUnicode_DecodeASCII(out, (Py_ssize_t)len, NULL);
    free(out);
done:
    PyBuffer_Release(&kb);
    PyBuffer_Release(&vb);
    return result;
}

static PyMethodDef methods[] = {
    {"parse_drn", parse_drn, METH_VARARGS,
     "parse_drn(buffer, start, first_lineno, num_states) -> (indptr, cols, vids, values, "
     "labels, label_ptr, label_ids, state_reward_ptr, state_reward_ids, action_reward_ptr, "
     "action_reward_ids, state_lines); arrays as bytes (int64, value/label ids int32)"},
    {"parse_tra", parse_tra, METH_VARARGS,
     "parse_tra(buffer, start, first_lineno, num_states) -> (rows, cols, vids, values, lines)"},
    {"parse_lab", parse_lab, METH_VARARGS,
     "parse_lab(buffer, start, first_lineno, num_states) -> (states, label_ids) as int64 bytes"},
    {"float_table", float_table, METH_VARARGS,
     "float_table(keys, values) -> str: '\"k\": repr(v), ...' (int64 keys, float64 values as "
     "bytes; inf and nan as null)"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cparse",
                                    "Tokenizers of explicit chain files (see the C source).", -1,
                                    methods};

PyMODINIT_FUNC PyInit__cparse(void) { return PyModule_Create(&module); }
