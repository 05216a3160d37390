/*
 * chainlab._analysis._cgraph -- the graph searches of chainlab.structure (and the condensation
 * levels of chainlab._linalg.topo), in C.
 *
 * Why hand-written C: SciPy's csgraph has both searches (connected_components with
 * connection="strong", breadth_first_order), but importing scipy.sparse and csgraph costs 0.2 s
 * of every `chainlab analyze` process -- as much as the exact solve of a 30,000-state protocol
 * model. With this module the exact path needs only numpy and python-flint; chainlab.structure
 * falls back to SciPy when it is not built (tests compare both on random graphs).
 *
 * Graphs are CSR arrays (int64 indptr of length n + 1, int64 indices), passed as buffers.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int get_csr(PyObject *ip, PyObject *ix, Py_buffer *bp, Py_buffer *bx, int64_t *n,
                   int64_t *nnz) {
    if (PyObject_GetBuffer(ip, bp, PyBUF_C_CONTIGUOUS) < 0) return -1;
    if (PyObject_GetBuffer(ix, bx, PyBUF_C_CONTIGUOUS) < 0) {
        PyBuffer_Release(bp);
        return -1;
    }
    if (bp->len % 8 || bx->len % 8 || bp->len < 8) {
        PyBuffer_Release(bp);
        PyBuffer_Release(bx);
        PyErr_SetString(PyExc_ValueError, "indptr and indices must be int64 arrays");
        return -1;
    }
    *n = bp->len / 8 - 1;
    *nnz = bx->len / 8;
    const int64_t *ptr = (const int64_t *)bp->buf;
    const int64_t *idx = (const int64_t *)bx->buf;
    if (ptr[0] != 0 || ptr[*n] != *nnz) goto bad;
    for (int64_t i = 0; i < *n; i++)
        if (ptr[i + 1] < ptr[i]) goto bad;
    for (int64_t k = 0; k < *nnz; k++)
        if (idx[k] < 0 || idx[k] >= *n) goto bad;
    return 0;
bad:
    PyBuffer_Release(bp);
    PyBuffer_Release(bx);
    PyErr_SetString(PyExc_ValueError, "malformed CSR graph");
    return -1;
}

/* Tarjan's algorithm, iterative. Components are numbered in the order they are completed,
 * which is a reverse topological order of the condensation (sinks first). */
static PyObject *scc(PyObject *self, PyObject *args) {
    PyObject *ip, *ix;
    if (!PyArg_ParseTuple(args, "OO", &ip, &ix)) return NULL;
    Py_buffer bp, bx;
    int64_t n, nnz;
    if (get_csr(ip, ix, &bp, &bx, &n, &nnz) < 0) return NULL;
    const int64_t *ptr = (const int64_t *)bp.buf, *idx = (const int64_t *)bx.buf;
    int64_t *index = malloc(sizeof(int64_t) * (n ? n : 1));
    int64_t *low = malloc(sizeof(int64_t) * (n ? n : 1));
    int64_t *next = malloc(sizeof(int64_t) * (n ? n : 1));  /* next edge to scan per node */
    int64_t *stack = malloc(sizeof(int64_t) * (n ? n : 1));  /* Tarjan's stack */
    int64_t *call = malloc(sizeof(int64_t) * (n ? n : 1));   /* DFS call stack */
    char *onstack = calloc(n ? n : 1, 1);
    PyObject *labels_obj = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(8 * n));
    PyObject *result = NULL;
    if (!index || !low || !next || !stack || !call || !onstack || !labels_obj) {
        PyErr_NoMemory();
        goto done;
    }
    int64_t *label = (int64_t *)PyBytes_AS_STRING(labels_obj);
    for (int64_t i = 0; i < n; i++) index[i] = -1;
    int64_t counter = 0, sp = 0, cp = 0, ncomp = 0;
    for (int64_t root = 0; root < n; root++) {
        if (index[root] >= 0) continue;
        call[cp++] = root;
        index[root] = low[root] = counter++;
        next[root] = ptr[root];
        stack[sp++] = root;
        onstack[root] = 1;
        while (cp) {
            int64_t v = call[cp - 1];
            if (next[v] < ptr[v + 1]) {
                int64_t w = idx[next[v]++];
                if (index[w] < 0) {
                    index[w] = low[w] = counter++;
                    next[w] = ptr[w];
                    stack[sp++] = w;
                    onstack[w] = 1;
                    call[cp++] = w;
                } else if (onstack[w] && index[w] < low[v]) {
                    low[v] = index[w];
                }
                continue;
            }
            cp--;
            if (cp && low[v] < low[call[cp - 1]]) low[call[cp - 1]] = low[v];
            if (low[v] == index[v]) {
                int64_t w;
                do {
                    w = stack[--sp];
                    onstack[w] = 0;
                    label[w] = ncomp;
                } while (w != v);
                ncomp++;
            }
        }
    }
    result = Py_BuildValue("LO", (long long)ncomp, labels_obj);
done:
    Py_XDECREF(labels_obj);
    free(index); free(low); free(next); free(stack); free(call); free(onstack);
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bx);
    return result;
}

/* Breadth-first search from several sources; returns int64 levels (-1: not reached). Nodes
 * with skip[v] != 0 are not entered unless they are sources. */
static PyObject *bfs(PyObject *self, PyObject *args) {
    PyObject *ip, *ix, *src, *skip_obj;
    if (!PyArg_ParseTuple(args, "OOOO", &ip, &ix, &src, &skip_obj)) return NULL;
    Py_buffer bp, bx, bs, bk;
    int64_t n, nnz;
    if (get_csr(ip, ix, &bp, &bx, &n, &nnz) < 0) return NULL;
    if (PyObject_GetBuffer(src, &bs, PyBUF_C_CONTIGUOUS) < 0) {
        PyBuffer_Release(&bp);
        PyBuffer_Release(&bx);
        return NULL;
    }
    int have_skip = skip_obj != Py_None;
    if (have_skip && PyObject_GetBuffer(skip_obj, &bk, PyBUF_C_CONTIGUOUS) < 0) {
        PyBuffer_Release(&bp);
        PyBuffer_Release(&bx);
        PyBuffer_Release(&bs);
        return NULL;
    }
    PyObject *out = NULL;
    int64_t ns = bs.len / 8;
    const int64_t *sources = (const int64_t *)bs.buf;
    const int64_t *ptr = (const int64_t *)bp.buf, *idx = (const int64_t *)bx.buf;
    const char *skip = have_skip ? (const char *)bk.buf : NULL;
    if (bs.len % 8 || (have_skip && bk.len != n)) {
        PyErr_SetString(PyExc_ValueError, "sources must be int64, skip one byte per node");
        goto done;
    }
    PyObject *lev_obj = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(8 * n));
    int64_t *queue = malloc(sizeof(int64_t) * (n ? n : 1));
    if (!lev_obj || !queue) {
        Py_XDECREF(lev_obj);
        free(queue);
        PyErr_NoMemory();
        goto done;
    }
    int64_t *level = (int64_t *)PyBytes_AS_STRING(lev_obj);
    for (int64_t i = 0; i < n; i++) level[i] = -1;
    int64_t head = 0, tail = 0;
    for (int64_t k = 0; k < ns; k++) {
        int64_t s = sources[k];
        if (s < 0 || s >= n) {
            Py_DECREF(lev_obj);
            free(queue);
            PyErr_SetString(PyExc_ValueError, "source out of range");
            goto done;
        }
        if (level[s] < 0) {
            level[s] = 0;
            queue[tail++] = s;
        }
    }
    while (head < tail) {
        int64_t v = queue[head++];
        for (int64_t k = ptr[v]; k < ptr[v + 1]; k++) {
            int64_t w = idx[k];
            if (level[w] < 0 && !(skip && skip[w])) {
                level[w] = level[v] + 1;
                queue[tail++] = w;
            }
        }
    }
    free(queue);
    out = lev_obj;
done:
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bx);
    PyBuffer_Release(&bs);
    if (have_skip) PyBuffer_Release(&bk);
    return out;
}

/* Longest path from every strong component to a sink of the condensation ("level"), given
 * labels in reverse topological order (an edge u -> v between components has
 * labels[u] > labels[v], as scc() numbers them): one pass over the components in label order,
 * level[c] = 1 + max level of the components c points to (0 for a sink). Returns int64 bytes. */
static PyObject *levels(PyObject *self, PyObject *args) {
    PyObject *ip, *ix, *lab;
    long long num_ll;
    if (!PyArg_ParseTuple(args, "OOOL", &ip, &ix, &lab, &num_ll)) return NULL;
    Py_buffer bp, bx, bl;
    int64_t n, nnz, num = (int64_t)num_ll;
    if (get_csr(ip, ix, &bp, &bx, &n, &nnz) < 0) return NULL;
    if (PyObject_GetBuffer(lab, &bl, PyBUF_C_CONTIGUOUS) < 0) {
        PyBuffer_Release(&bp);
        PyBuffer_Release(&bx);
        return NULL;
    }
    PyObject *out = NULL;
    const int64_t *ptr = (const int64_t *)bp.buf, *idx = (const int64_t *)bx.buf;
    const int64_t *label = (const int64_t *)bl.buf;
    int64_t *start = NULL, *member = NULL;
    if (bl.len != 8 * n || num < 0) {
        PyErr_SetString(PyExc_ValueError, "labels must be int64, one per node");
        goto done;
    }
    for (int64_t i = 0; i < n; i++)
        if (label[i] < 0 || label[i] >= num) {
            PyErr_SetString(PyExc_ValueError, "label out of range");
            goto done;
        }
    PyObject *lev_obj = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(8 * num));
    start = calloc((size_t)num + 1, sizeof(int64_t));
    member = malloc(sizeof(int64_t) * (n ? n : 1));
    if (!lev_obj || !start || !member) {
        Py_XDECREF(lev_obj);
        PyErr_NoMemory();
        goto done;
    }
    int64_t *level = (int64_t *)PyBytes_AS_STRING(lev_obj);
    /* nodes grouped by component (counting sort) */
    for (int64_t i = 0; i < n; i++) start[label[i] + 1]++;
    for (int64_t c = 0; c < num; c++) start[c + 1] += start[c];
    for (int64_t i = 0; i < n; i++) member[start[label[i]]++] = i;
    for (int64_t c = num; c > 0; c--) start[c] = start[c - 1];
    start[0] = 0;
    for (int64_t c = 0; c < num; c++) {
        int64_t best = 0;
        for (int64_t m = start[c]; m < start[c + 1]; m++) {
            int64_t u = member[m];
            for (int64_t k = ptr[u]; k < ptr[u + 1]; k++) {
                int64_t d = label[idx[k]];
                if (d == c) continue;
                if (d > c) {
                    Py_DECREF(lev_obj);
                    PyErr_SetString(PyExc_ValueError,
                                    "labels are not in reverse topological order");
                    goto done;
                }
                if (level[d] + 1 > best) best = level[d] + 1;
            }
        }
        level[c] = best;
    }
    out = lev_obj;
done:
    free(start);
    free(member);
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bx);
    PyBuffer_Release(&bl);
    return out;
}

/* Equal equations, equal values: classes of the states of x_i = (b_i + sum_j m_ij x_j) / d_i
 * (claim LIN-3 of proofs/linear_algebra.md).
 *
 * A Classifier is fed the states in a solve order (every successor of a state outside its own
 * strong component comes before it), step by step (classify). kind[i] says what state i is:
 * 1 a singleton component, 2 a member of one of several identical components ("copies": the
 * same matrix entry for entry, their states passed contiguously, rank by rank, gid[i] the
 * group, gsize[g] its component size), 0 anything else (a class of its own).
 *
 * A singleton gets the class of an earlier singleton with the same key -- its right-hand-side
 * row id bid[i], its diagonal id did[i] (ids: equal id => equal value) and, for every class c
 * among its successors j != i, c and the exact sum of m_ij over those j -- else a new class.
 * A copy gets the classes of an earlier copy of its group whose states have, rank by rank,
 * the same bid and the same sums towards the classes outside the copy. Equal keys mean equal
 * equations over equal values, hence equal values, by induction over the order. Classes whose
 * values the caller found equal are merged (merge: union-find, the older class stays); later
 * keys name classes by their root, so merged classes share further. To find equal values
 * cheaply, every solved state also gets its value modulo the prime P = 2^61 - 1 (computed
 * here from the equation for singletons, given by the caller for blocks): candidates pairs
 * states with equal residues, which the caller compares exactly before merging.
 * Sums are exact: entry values are num[e] / den[e] (int64, den > 0) for entry id e, added in
 * 128-bit and reduced; a sum that leaves int64, or num = None, keeps the entries apart (each
 * (class, entry id) pair in the key): fewer states share, none wrongly. Keys are compared in
 * full (the hash only finds candidates). A state with a successor not yet classed is alone. */
static uint64_t mix64(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 29);
}

/* a/b + c/d into *p / *q (reduced); 0 if it leaves int64 */
static int add_frac(int64_t a, int64_t b, int64_t c, int64_t d, int64_t *p, int64_t *q) {
    __int128 num = (__int128)a * d + (__int128)c * b, den = (__int128)b * d;
    __int128 x = num < 0 ? -num : num, y = den;
    while (y) {
        __int128 t = x % y;
        x = y;
        y = t;
    }
    if (x > 1) {
        num /= x;
        den /= x;
    }
    if (num > INT64_MAX || num < -INT64_MAX || den > INT64_MAX) return 0;
    *p = (int64_t)num;
    *q = (int64_t)den;
    return 1;
}

typedef struct {
    PyObject_HEAD
    int64_t n, nnz, ng;
    int64_t *ptr, *idx, *eid, *num, *den, *gid, *gsize, *bid, *did;
    char *kind;
    int64_t *cls, *parent, *rep, *stamp, *slot, *kstart, *pool, *buf;
    uint64_t *khash;
    int64_t cap, ncls, used, nmark;
    /* residues modulo P = 2^61 - 1 (RES_UNKNOWN: none): of the entries (per entry id), of b
     * (k per state), of the solved values (k per state, read at the class's first state),
     * the inverse diagonal per state; a table residue -> state finds equal-value candidates */
    int64_t k, ne;
    uint64_t *eres, *bres, *res, *dinv, *rslot;
} Classifier;

#define RES_P 0x1fffffffffffffffULL
#define RES_UNKNOWN UINT64_MAX

static uint64_t mulmod(uint64_t a, uint64_t b) {
    unsigned __int128 z = (unsigned __int128)a * b;
    uint64_t lo = (uint64_t)(z & RES_P), hi = (uint64_t)(z >> 61);
    uint64_t r = lo + hi;
    return r >= RES_P ? r - RES_P : r;
}

static uint64_t powmod(uint64_t a, uint64_t e) {
    uint64_t r = 1;
    while (e) {
        if (e & 1) r = mulmod(r, a);
        a = mulmod(a, a);
        e >>= 1;
    }
    return r;
}

static int64_t cl_find(Classifier *C, int64_t c) {
    while (C->parent[c] != c) {
        C->parent[c] = C->parent[C->parent[c]];
        c = C->parent[c];
    }
    return c;
}

/* The successor triples of state i (entries to states with stamp[j] == mark are skipped:
 * the state's own copy), sorted and merged per class, written at out; returns their count,
 * or -1 if a successor has no class yet. */
static int64_t row_key(Classifier *C, int64_t i, int64_t mark, int64_t *out) {
    int64_t len = 0;
    for (int64_t k = C->ptr[i]; k < C->ptr[i + 1]; k++) {
        int64_t j = C->idx[k];
        if (j == i || C->stamp[j] == mark) continue;
        if (C->cls[j] < 0) return -1;
        int64_t *t = out + 3 * len;
        t[0] = cl_find(C, C->cls[j]);
        t[1] = C->num ? C->num[C->eid[k]] : C->eid[k];
        t[2] = C->num ? C->den[C->eid[k]] : -1;
        for (int64_t q = len; q > 0 && (t[0] < t[-3] || (t[0] == t[-3] && (t[1] < t[-2] ||
                                        (t[1] == t[-2] && t[2] < t[-1])))); q--, t -= 3) {
            int64_t a = t[0], b = t[1], c = t[2];
            t[0] = t[-3]; t[1] = t[-2]; t[2] = t[-1];
            t[-3] = a; t[-2] = b; t[-1] = c;
        }
        len++;
    }
    if (!C->num) return len;
    /* merge the triples of one class: their exact sum (apart if it leaves int64) */
    int64_t w = 0;
    for (int64_t r = 0; r < len; r++) {
        int64_t *t = out + 3 * r;
        if (w) {
            int64_t *u = out + 3 * (w - 1), p, q;
            if (u[0] == t[0] && add_frac(u[1], u[2], t[1], t[2], &p, &q)) {
                u[1] = p;
                u[2] = q;
                continue;
            }
        }
        int64_t *u = out + 3 * w++;
        u[0] = t[0]; u[1] = t[1]; u[2] = t[2];
    }
    return w;
}

static void cl_dealloc(Classifier *C) {
    free(C->ptr); free(C->idx); free(C->eid); free(C->num); free(C->den); free(C->gid);
    free(C->gsize); free(C->bid); free(C->did); free(C->kind); free(C->cls); free(C->parent);
    free(C->rep); free(C->stamp); free(C->slot); free(C->kstart); free(C->pool); free(C->buf);
    free(C->khash); free(C->eres); free(C->bres); free(C->res); free(C->dinv); free(C->rslot);
    Py_TYPE(C)->tp_free((PyObject *)C);
}

/* a malloc'd copy of a buffer of `len` bytes exactly (NULL with an exception otherwise) */
static void *copy_buffer(PyObject *o, Py_ssize_t len, const char *what) {
    Py_buffer b;
    if (PyObject_GetBuffer(o, &b, PyBUF_C_CONTIGUOUS) < 0) return NULL;
    void *out = NULL;
    if (b.len != len) {
        PyErr_Format(PyExc_ValueError, "Classifier: %s has %zd bytes, expected %zd", what,
                     b.len, len);
    } else if (!(out = malloc(len ? (size_t)len : 1))) {
        PyErr_NoMemory();
    } else {
        memcpy(out, b.buf, (size_t)len);
    }
    PyBuffer_Release(&b);
    return out;
}

static PyObject *cl_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    PyObject *ip, *ix, *kind_o, *gid_o, *gsz_o, *eid_o, *bid_o, *did_o, *num_o, *den_o;
    PyObject *eres_o, *bres_o;
    long long kcols;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOOL", &ip, &ix, &kind_o, &gid_o, &gsz_o, &eid_o,
                          &bid_o, &did_o, &num_o, &den_o, &eres_o, &bres_o, &kcols))
        return NULL;
    Py_buffer bp, bx, bz, bn;
    int64_t n, nnz;
    if (get_csr(ip, ix, &bp, &bx, &n, &nnz) < 0) return NULL;
    Classifier *C = (Classifier *)type->tp_alloc(type, 0);
    if (!C) goto fail;
    C->n = n;
    C->nnz = nnz;
    C->ptr = malloc(sizeof(int64_t) * (n + 1));
    C->idx = malloc(sizeof(int64_t) * (nnz ? nnz : 1));
    if (!C->ptr || !C->idx) {
        PyErr_NoMemory();
        goto fail;
    }
    memcpy(C->ptr, bp.buf, sizeof(int64_t) * (n + 1));
    memcpy(C->idx, bx.buf, sizeof(int64_t) * nnz);
    if (PyObject_GetBuffer(gsz_o, &bz, PyBUF_C_CONTIGUOUS) < 0) goto fail;
    C->ng = bz.len / 8;
    PyBuffer_Release(&bz);
    int64_t ne = 0;
    if (num_o != Py_None) {
        if (PyObject_GetBuffer(num_o, &bn, PyBUF_C_CONTIGUOUS) < 0) goto fail;
        ne = bn.len / 8;
        PyBuffer_Release(&bn);
        if (!(C->num = copy_buffer(num_o, 8 * ne, "num")) ||
            !(C->den = copy_buffer(den_o, 8 * ne, "den")))
            goto fail;
    }
    if (!(C->kind = copy_buffer(kind_o, n, "kind")) ||
        !(C->gid = copy_buffer(gid_o, 8 * n, "gid")) ||
        !(C->gsize = copy_buffer(gsz_o, 8 * C->ng, "gsize")) ||
        !(C->eid = copy_buffer(eid_o, 8 * nnz, "eid")) ||
        !(C->bid = copy_buffer(bid_o, 8 * n, "bid")) ||
        !(C->did = copy_buffer(did_o, 8 * n, "did")))
        goto fail;
    for (int64_t k = 0; k < nnz; k++)
        if (C->num && (C->eid[k] < 0 || C->eid[k] >= ne || C->den[C->eid[k]] <= 0)) {
            PyErr_SetString(PyExc_ValueError, "Classifier: entry id without a positive den");
            goto fail;
        }
    /* residues: of the entries (one per entry id) and of b (kcols per state) */
    if (kcols < 1) {
        PyErr_SetString(PyExc_ValueError, "Classifier: k must be at least 1");
        goto fail;
    }
    C->k = kcols;
    if (PyObject_GetBuffer(eres_o, &bn, PyBUF_C_CONTIGUOUS) < 0) goto fail;
    C->ne = bn.len / 8;
    PyBuffer_Release(&bn);
    if (!(C->eres = copy_buffer(eres_o, 8 * C->ne, "eres")) ||
        !(C->bres = copy_buffer(bres_o, 8 * n * C->k, "bres")))
        goto fail;
    for (int64_t k = 0; k < nnz; k++)
        if (C->eid[k] < 0 || C->eid[k] >= C->ne) {
            PyErr_SetString(PyExc_ValueError, "Classifier: entry id without a residue");
            goto fail;
        }
    for (int64_t i = 0; i < n; i++)
        if (C->did[i] >= C->ne) {
            PyErr_SetString(PyExc_ValueError, "Classifier: diagonal id without a residue");
            goto fail;
        }
    for (int64_t i = 0; i < n; i++)
        if (C->kind[i] == 2 && (C->gid[i] < 0 || C->gid[i] >= C->ng ||
                                C->gsize[C->gid[i]] < 1)) {
            PyErr_SetString(PyExc_ValueError, "Classifier: bad copy group");
            goto fail;
        }
    C->cap = 16;
    while (C->cap < 2 * n) C->cap <<= 1;
    size_t m1 = (size_t)n + 1, pool = 3 * (size_t)nnz + 4 * (size_t)n + 4;
    C->cls = malloc(sizeof(int64_t) * m1);
    C->stamp = malloc(sizeof(int64_t) * m1);
    C->parent = malloc(sizeof(int64_t) * m1);
    C->rep = malloc(sizeof(int64_t) * m1);
    C->khash = malloc(sizeof(uint64_t) * m1);
    C->kstart = malloc(sizeof(int64_t) * (m1 + 1));
    C->slot = malloc(sizeof(int64_t) * (size_t)C->cap);
    C->pool = malloc(sizeof(int64_t) * pool);
    C->buf = malloc(sizeof(int64_t) * pool);
    C->res = malloc(sizeof(uint64_t) * m1 * (size_t)C->k);
    C->dinv = malloc(sizeof(uint64_t) * m1);
    C->rslot = malloc(sizeof(uint64_t) * (size_t)C->cap);
    if (!C->cls || !C->stamp || !C->parent || !C->rep || !C->khash || !C->kstart || !C->slot ||
        !C->pool || !C->buf || !C->res || !C->dinv || !C->rslot) {
        PyErr_NoMemory();
        goto fail;
    }
    for (int64_t i = 0; i < n; i++) C->cls[i] = C->stamp[i] = -1;
    for (int64_t h = 0; h < C->cap; h++) C->slot[h] = -1;
    for (int64_t h = 0; h < C->cap; h++) C->rslot[h] = RES_UNKNOWN;
    for (int64_t q = 0; q < n * C->k; q++) C->res[q] = RES_UNKNOWN;
    /* 1 / (1 - M_ii) modulo P, one inverse per distinct diagonal entry */
    uint64_t *inv = malloc(sizeof(uint64_t) * (size_t)(C->ne ? C->ne : 1));
    if (!inv) {
        PyErr_NoMemory();
        goto fail;
    }
    for (int64_t e = 0; e < C->ne; e++) inv[e] = 0;  /* 0: not computed yet */
    for (int64_t i = 0; i < n; i++) {
        int64_t e = C->did[i];
        if (e < 0) {
            C->dinv[i] = 1;
            continue;
        }
        if (!inv[e]) {
            uint64_t m = C->eres[e];
            uint64_t d = m == RES_UNKNOWN ? 0 : (m == 0 ? 1 : RES_P + 1 - m);
            if (d == RES_P) d = 0;
            inv[e] = d ? powmod(d, RES_P - 2) : RES_UNKNOWN;
        }
        C->dinv[i] = inv[e];
    }
    free(inv);
    C->kstart[0] = 0;
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bx);
    return (PyObject *)C;
fail:
    Py_XDECREF(C);
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bx);
    return NULL;
}

/* int64 states of a buffer (borrowed view), checked against n */
static int get_states(PyObject *o, Py_buffer *b, int64_t n, const int64_t **out, int64_t *len) {
    if (PyObject_GetBuffer(o, b, PyBUF_C_CONTIGUOUS) < 0) return -1;
    *out = (const int64_t *)b->buf;
    *len = b->len / 8;
    for (int64_t t = 0; t < *len; t++)
        if (b->len % 8 || (*out)[t] < 0 || (*out)[t] >= n) {
            PyBuffer_Release(b);
            PyErr_SetString(PyExc_ValueError, "Classifier: states must be int64 node indices");
            return -1;
        }
    return 0;
}

/* The residues of singleton i from its equation: (b_i + sum_j M_ij x_j) / (1 - M_ii) mod P,
 * x_j read at the first state of j's class; unknown if anything it needs is. */
static void cl_residue(Classifier *C, int64_t i) {
    uint64_t *r = C->res + i * C->k;
    for (int64_t c = 0; c < C->k; c++) {
        uint64_t acc = C->bres[i * C->k + c];
        if (acc == RES_UNKNOWN || C->dinv[i] == RES_UNKNOWN) goto unknown;
        for (int64_t k = C->ptr[i]; k < C->ptr[i + 1]; k++) {
            int64_t j = C->idx[k];
            if (j == i) continue;
            if (C->cls[j] < 0) goto unknown;
            uint64_t e = C->eres[C->eid[k]];
            uint64_t xj = C->res[C->rep[cl_find(C, C->cls[j])] * C->k + c];
            if (e == RES_UNKNOWN || xj == RES_UNKNOWN) goto unknown;
            acc += mulmod(e, xj);
            if (acc >= RES_P) acc -= RES_P;
        }
        r[c] = mulmod(acc, C->dinv[i]);
    }
    return;
unknown:
    for (int64_t c = 0; c < C->k; c++) r[c] = RES_UNKNOWN;
}

/* classify(states): class the states (a solve-order step), returns the first state of each
 * one's class as int64 bytes (the state itself: a new class, to be solved). */
static PyObject *cl_classify(Classifier *C, PyObject *arg) {
    Py_buffer b;
    const int64_t *order;
    int64_t no;
    if (get_states(arg, &b, C->n, &order, &no) < 0) return NULL;
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(8 * no));
    if (!out) goto done;
    int64_t *res = (int64_t *)PyBytes_AS_STRING(out), *buf = C->buf;
    for (int64_t t = 0; t < no;) {
        int64_t i = order[t], size = 1, klen = -1;
        if (C->cls[i] >= 0) {
            PyErr_SetString(PyExc_ValueError, "Classifier: a state was classed twice");
            goto fail;
        }
        if (C->kind[i] == 1) {  /* key: 1, bid, did, count, triples */
            int64_t len = row_key(C, i, -2, buf + 4);
            if (len >= 0) {
                buf[0] = 1; buf[1] = C->bid[i]; buf[2] = C->did[i]; buf[3] = len;
                klen = 4 + 3 * len;
            }
        } else if (C->kind[i] == 2) {  /* key: 2, group, then per rank bid, count, triples */
            int64_t g = C->gid[i];
            size = C->gsize[g];
            if (t + size > no) {
                PyErr_SetString(PyExc_ValueError, "Classifier: a copy is cut short");
                goto fail;
            }
            for (int64_t q = 0; q < size; q++) {
                int64_t s_ = order[t + q];
                if (C->cls[s_] >= 0 || C->kind[s_] != 2 || C->gid[s_] != g) {
                    PyErr_SetString(PyExc_ValueError, "Classifier: bad copy");
                    goto fail;
                }
                C->stamp[s_] = C->nmark;  /* this copy's own states */
            }
            int64_t mark = C->nmark++;
            buf[0] = 2; buf[1] = g;
            klen = 2;
            for (int64_t q = 0; q < size; q++) {
                int64_t s_ = order[t + q];
                int64_t len = row_key(C, s_, mark, buf + klen + 2);
                if (len < 0) {
                    klen = -1;
                    break;
                }
                buf[klen] = C->bid[s_];
                buf[klen + 1] = len;
                klen += 2 + 3 * len;
            }
        }
        int64_t found = -1, sl = 0;
        uint64_t h = 0x12345678ULL;
        if (klen >= 0) {
            for (int64_t q = 0; q < klen; q++) h = mix64(h, (uint64_t)buf[q]);
            sl = (int64_t)(h & (uint64_t)(C->cap - 1));
            while (C->slot[sl] >= 0) {
                int64_t c = C->slot[sl];
                if (C->khash[c] == h && C->kstart[c + 1] - C->kstart[c] == klen &&
                    !memcmp(C->pool + C->kstart[c], buf, sizeof(int64_t) * klen)) {
                    found = c;
                    break;
                }
                sl = (sl + 1) & (C->cap - 1);
            }
        }
        if (found >= 0) {
            for (int64_t q = 0; q < size; q++) {
                int64_t s_ = order[t + q];
                C->cls[s_] = found + q;
                res[t + q] = C->rep[cl_find(C, found + q)];
            }
            t += size;
            continue;
        }
        /* new classes (consecutive for a copy); the key is stored with the first one */
        for (int64_t q = 0; q < size; q++) {
            int64_t c = C->ncls + q, s_ = order[t + q];
            C->cls[s_] = c;
            C->parent[c] = c;
            C->rep[c] = s_;
            C->khash[c] = 0;
            C->kstart[c + 1] = C->used;
            res[t + q] = s_;
        }
        if (C->kind[i] == 1) cl_residue(C, i);  /* (blocks: set_residues once solved) */
        if (klen >= 0) {
            memcpy(C->pool + C->used, buf, sizeof(int64_t) * klen);
            C->khash[C->ncls] = h;
            C->used += klen;
            for (int64_t q = 0; q < size; q++) C->kstart[C->ncls + q + 1] = C->used;
            C->slot[sl] = C->ncls;
        }
        C->ncls += size;
        t += size;
    }
    PyBuffer_Release(&b);
    return out;
fail:
    Py_DECREF(out);
done:
    PyBuffer_Release(&b);
    return NULL;
}

/* merge(a, b): the values of states a[k] and b[k] are equal: one class (the older stays) */
static PyObject *cl_merge(Classifier *C, PyObject *args) {
    PyObject *ao, *bo;
    if (!PyArg_ParseTuple(args, "OO", &ao, &bo)) return NULL;
    Py_buffer ba, bb;
    const int64_t *a, *b;
    int64_t na, nb;
    if (get_states(ao, &ba, C->n, &a, &na) < 0) return NULL;
    if (get_states(bo, &bb, C->n, &b, &nb) < 0) {
        PyBuffer_Release(&ba);
        return NULL;
    }
    PyObject *out = Py_None;
    for (int64_t k = 0; k < na && k < nb; k++) {
        if (C->cls[a[k]] < 0 || C->cls[b[k]] < 0) {
            PyErr_SetString(PyExc_ValueError, "Classifier: merging a state without a class");
            out = NULL;
            break;
        }
        int64_t ra = cl_find(C, C->cls[a[k]]), rb = cl_find(C, C->cls[b[k]]);
        if (ra < rb) C->parent[rb] = ra;
        else if (rb < ra) C->parent[ra] = rb;
    }
    if (out && na != nb) {
        PyErr_SetString(PyExc_ValueError, "Classifier: merge needs two arrays of one length");
        out = NULL;
    }
    PyBuffer_Release(&ba);
    PyBuffer_Release(&bb);
    Py_XINCREF(out);
    return out;
}

/* set_residues(states, residues): the residues (k per state, uint64) of solved states */
static PyObject *cl_set_residues(Classifier *C, PyObject *args) {
    PyObject *so, *ro;
    if (!PyArg_ParseTuple(args, "OO", &so, &ro)) return NULL;
    Py_buffer bs, br;
    const int64_t *st;
    int64_t ns;
    if (get_states(so, &bs, C->n, &st, &ns) < 0) return NULL;
    if (PyObject_GetBuffer(ro, &br, PyBUF_C_CONTIGUOUS) < 0) {
        PyBuffer_Release(&bs);
        return NULL;
    }
    PyObject *out = Py_None;
    if (br.len != 8 * ns * C->k) {
        PyErr_SetString(PyExc_ValueError, "Classifier: k uint64 residues per state");
        out = NULL;
    } else {
        const uint64_t *r = (const uint64_t *)br.buf;
        for (int64_t t = 0; t < ns; t++)
            for (int64_t c = 0; c < C->k; c++) C->res[st[t] * C->k + c] = r[t * C->k + c];
    }
    PyBuffer_Release(&bs);
    PyBuffer_Release(&br);
    Py_XINCREF(out);
    return out;
}

/* candidates(states): pairs (a, b) of states whose values are probably equal (equal
 * residues), b solved earlier; each state with known residues and no match is recorded.
 * The caller compares the values exactly before merging. Returns (a, b) as int64 bytes. */
static PyObject *cl_candidates(Classifier *C, PyObject *arg) {
    Py_buffer bs;
    const int64_t *st;
    int64_t ns;
    if (get_states(arg, &bs, C->n, &st, &ns) < 0) return NULL;
    PyObject *ao = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(8 * ns));
    PyObject *bo = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(8 * ns));
    PyObject *out = NULL;
    if (!ao || !bo) goto done;
    int64_t *a = (int64_t *)PyBytes_AS_STRING(ao), *b = (int64_t *)PyBytes_AS_STRING(bo);
    int64_t np_ = 0;
    for (int64_t t = 0; t < ns; t++) {
        int64_t s_ = st[t];
        const uint64_t *r = C->res + s_ * C->k;
        uint64_t h = 0x2545f4914f6cdd1dULL;
        int known = 1;
        for (int64_t c = 0; c < C->k; c++) {
            if (r[c] == RES_UNKNOWN) known = 0;
            h = mix64(h, r[c]);
        }
        if (!known) continue;
        int64_t sl = (int64_t)(h & (uint64_t)(C->cap - 1));
        while (C->rslot[sl] != RES_UNKNOWN) {
            int64_t o = (int64_t)C->rslot[sl];
            if (!memcmp(C->res + o * C->k, r, sizeof(uint64_t) * C->k)) break;
            sl = (sl + 1) & (C->cap - 1);
        }
        if (C->rslot[sl] == RES_UNKNOWN) {
            C->rslot[sl] = (uint64_t)s_;  /* (at most n states: the table is half empty) */
        } else if ((int64_t)C->rslot[sl] != s_) {
            a[np_] = s_;
            b[np_] = (int64_t)C->rslot[sl];
            np_++;
        }
    }
    if (_PyBytes_Resize(&ao, (Py_ssize_t)(8 * np_)) == 0 &&
        _PyBytes_Resize(&bo, (Py_ssize_t)(8 * np_)) == 0)
        out = Py_BuildValue("OO", ao, bo);
done:
    Py_XDECREF(ao);
    Py_XDECREF(bo);
    PyBuffer_Release(&bs);
    return out;
}

/* reps(states): the first state of each one's class now (-1: not classed), int64 bytes */
static PyObject *cl_reps(Classifier *C, PyObject *arg) {
    Py_buffer b;
    const int64_t *st;
    int64_t ns;
    if (get_states(arg, &b, C->n, &st, &ns) < 0) return NULL;
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(8 * ns));
    if (out) {
        int64_t *res = (int64_t *)PyBytes_AS_STRING(out);
        for (int64_t k = 0; k < ns; k++)
            res[k] = C->cls[st[k]] < 0 ? -1 : C->rep[cl_find(C, C->cls[st[k]])];
    }
    PyBuffer_Release(&b);
    return out;
}

static PyObject *cl_count(Classifier *C, void *closure) {
    int64_t roots = 0;
    for (int64_t c = 0; c < C->ncls; c++) roots += C->parent[c] == c;
    return PyLong_FromLongLong((long long)roots);
}

static PyMethodDef cl_methods[] = {
    {"classify", (PyCFunction)cl_classify, METH_O,
     "classify(states) -> int64 bytes: the first state of each one's class (itself: new)"},
    {"merge", (PyCFunction)cl_merge, METH_VARARGS,
     "merge(a, b): states a[k] and b[k] have equal values; their classes become one"},
    {"set_residues", (PyCFunction)cl_set_residues, METH_VARARGS,
     "set_residues(states, residues): k uint64 residues (mod 2^61 - 1) per solved state"},
    {"candidates", (PyCFunction)cl_candidates, METH_O,
     "candidates(states) -> (a, b) int64 bytes: states with the residues of an earlier one"},
    {"reps", (PyCFunction)cl_reps, METH_O,
     "reps(states) -> int64 bytes: the first state of each one's class (-1: not classed)"},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef cl_getset[] = {
    {"num_classes", (getter)cl_count, NULL, "the number of classes (merged ones once)", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject ClassifierType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "chainlab._analysis._cgraph.Classifier",
    .tp_basicsize = sizeof(Classifier),
    .tp_dealloc = (destructor)cl_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Classifier(indptr, indices, kind, gid, gsize, eid, bid, did, num, den, eres, "
              "bres, k): classes of states with equal equations or values (see the C source)",
    .tp_methods = cl_methods,
    .tp_getset = cl_getset,
    .tp_new = cl_new,
};

/* first_of(list) -> (firsts, inverse) as int64 bytes: the positions of the first occurrence
 * of every distinct object (by identity) in order, and for every item the index of its
 * object among them -- np.unique of the ids without a sort (the exact solver gives equal
 * values one object, so tables of values are formatted once per object). */
static PyObject *first_of(PyObject *self, PyObject *arg) {
    if (!PyList_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "first_of needs a list");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(arg);
    size_t cap = 16;
    while (cap < 2 * (size_t)n) cap <<= 1;
    PyObject **key = calloc(cap, sizeof(PyObject *));
    int64_t *val = malloc(sizeof(int64_t) * cap);
    PyObject *fo = PyBytes_FromStringAndSize(NULL, 8 * n);
    PyObject *io = PyBytes_FromStringAndSize(NULL, 8 * n);
    PyObject *out = NULL;
    if (!key || !val || !fo || !io) {
        PyErr_NoMemory();
        goto done;
    }
    int64_t *firsts = (int64_t *)PyBytes_AS_STRING(fo), *inv = (int64_t *)PyBytes_AS_STRING(io);
    int64_t nf = 0;
    for (Py_ssize_t t = 0; t < n; t++) {
        PyObject *o = PyList_GET_ITEM(arg, t);
        size_t h = (size_t)mix64(0, (uint64_t)(uintptr_t)o) & (cap - 1);
        while (key[h] && key[h] != o) h = (h + 1) & (cap - 1);
        if (!key[h]) {
            key[h] = o;
            val[h] = nf;
            firsts[nf++] = t;
        }
        inv[t] = val[h];
    }
    if (_PyBytes_Resize(&fo, 8 * nf) == 0) out = Py_BuildValue("OO", fo, io);
    else fo = NULL;
done:
    free(key);
    free(val);
    Py_XDECREF(fo);
    Py_XDECREF(io);
    return out;
}

static PyMethodDef methods[] = {
    {"scc", scc, METH_VARARGS,
     "scc(indptr, indices) -> (num, labels as int64 bytes); labels in reverse topological "
     "order of the condensation"},
    {"bfs", bfs, METH_VARARGS,
     "bfs(indptr, indices, sources, skip) -> levels as int64 bytes (-1: unreached); skip is "
     "None or one byte per node (nonzero: never entered)"},
    {"first_of", first_of, METH_O,
     "first_of(list) -> (firsts, inverse) int64 bytes: distinct objects by identity"},
    {"levels", levels, METH_VARARGS,
     "levels(indptr, indices, labels, num) -> int64 bytes: the longest path from every "
     "component to a sink of the condensation; labels in reverse topological order (scc's)"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cgraph",
                                    "Graph searches of chainlab.structure (see the C source).",
                                    -1, methods};

PyMODINIT_FUNC PyInit__cgraph(void) {
    if (PyType_Ready(&ClassifierType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    Py_INCREF(&ClassifierType);
    if (PyModule_AddObject(m, "Classifier", (PyObject *)&ClassifierType) < 0) {
        Py_DECREF(&ClassifierType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
