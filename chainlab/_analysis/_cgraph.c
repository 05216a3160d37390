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

/* Equal equations, equal values: classes of the states of x_i = (b_i + sum_j m_ij x_j) / d_i.
 *
 * States are visited in `order`, a solve order: every successor of a state outside its own
 * strong component comes before it. kind[i] says what state i is: 1 a singleton component,
 * 2 a member of one of several identical components ("copies": the same matrix entry for
 * entry, states listed contiguously in `order`, rank by rank, gid[i] the group, gsize[g] its
 * component size), 0 anything else (a class of its own).
 *
 * A singleton gets the class of an earlier singleton with the same key -- its right-hand-side
 * row id bid[i], its diagonal id did[i] (ids: equal id => equal value) and, for every class c
 * among its successors j != i, c and the exact sum of m_ij over those j -- else a new class.
 * A copy gets the classes of an earlier copy of its group whose states have, rank by rank,
 * the same bid and the same sums towards the classes outside the copy. Equal keys mean equal
 * equations over equal values, hence equal values, by induction over the order: the states of
 * a class form a lumping of the chain (as in probabilistic bisimulation), found in one pass.
 * Sums are exact: entry values are num[e] / den[e] (int64, den > 0) for entry id e, added in
 * 128-bit and reduced; a sum that leaves int64, or num = None, keeps the entries apart (each
 * (class, entry id) pair in the key): fewer states share, none wrongly. Keys are compared in
 * full (the hash only finds candidates). A state with a successor not yet classed is alone.
 * Returns (num_classes, class per state, first state of every class), int64 bytes; the class
 * is -1 where a state is not in order. */
static uint64_t mix64(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 29);
}

static uint64_t gcd64(uint64_t a, uint64_t b) {
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
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
    const int64_t *ptr, *idx, *eid, *num, *den, *cls;
    int64_t *buf; /* triples (class, a, b) */
} keyer;

/* The successor triples of state i (entries to states with stamp[j] == mark are skipped:
 * the state's own copy), sorted and merged per class, appended at out; returns their count,
 * or -1 if a successor has no class yet. */
static int64_t row_key(const keyer *K, int64_t i, const int64_t *stamp, int64_t mark,
                       int64_t *out) {
    int64_t len = 0;
    for (int64_t k = K->ptr[i]; k < K->ptr[i + 1]; k++) {
        int64_t j = K->idx[k];
        if (j == i || (stamp && stamp[j] == mark)) continue;
        if (K->cls[j] < 0) return -1;
        int64_t *t = out + 3 * len;
        t[0] = K->cls[j];
        t[1] = K->num ? K->num[K->eid[k]] : K->eid[k];
        t[2] = K->num ? K->den[K->eid[k]] : -1;
        for (int64_t q = len; q > 0 && (t[0] < t[-3] || (t[0] == t[-3] && (t[1] < t[-2] ||
                                        (t[1] == t[-2] && t[2] < t[-1])))); q--, t -= 3) {
            int64_t a = t[0], b = t[1], c = t[2];
            t[0] = t[-3]; t[1] = t[-2]; t[2] = t[-1];
            t[-3] = a; t[-2] = b; t[-1] = c;
        }
        len++;
    }
    if (!K->num) return len;
    /* merge the triples of one class: their exact sum (apart if it leaves int64) */
    int64_t w = 0;
    for (int64_t r = 0; r < len; r++) {
        int64_t *t = out + 3 * r;
        if (w) {
            int64_t *u = out + 3 * (w - 1), p, q;
            if (u[0] == t[0] && u[2] > 0 && add_frac(u[1], u[2], t[1], t[2], &p, &q)) {
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

static PyObject *classes(PyObject *self, PyObject *args) {
    PyObject *ip, *ix, *ord_o, *kind_o, *gid_o, *gsz_o, *eid_o, *bid_o, *did_o, *num_o, *den_o;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOO", &ip, &ix, &ord_o, &kind_o, &gid_o, &gsz_o,
                          &eid_o, &bid_o, &did_o, &num_o, &den_o))
        return NULL;
    Py_buffer bp, bx, bo, bk, bg, bz, be, bb, bd, bn, bq;
    int64_t n, nnz;
    if (get_csr(ip, ix, &bp, &bx, &n, &nnz) < 0) return NULL;
    int have_num = num_o != Py_None;
    Py_buffer *bufs[9] = {&bo, &bk, &bg, &bz, &be, &bb, &bd, &bn, &bq};
    PyObject *objs[9] = {ord_o, kind_o, gid_o, gsz_o, eid_o, bid_o, did_o, num_o, den_o};
    int nbuf = have_num ? 9 : 7, got = 0;
    for (; got < nbuf; got++)
        if (PyObject_GetBuffer(objs[got], bufs[got], PyBUF_C_CONTIGUOUS) < 0) break;
    PyObject *result = NULL, *cls_obj = NULL, *rep_obj = NULL;
    int64_t *slot = NULL, *kstart = NULL, *pool = NULL, *buf = NULL, *rep = NULL, *stamp = NULL;
    uint64_t *khash = NULL;
    if (got < nbuf) goto done;
    const int64_t *order = (const int64_t *)bo.buf, *gid = (const int64_t *)bg.buf;
    const int64_t *gsize = (const int64_t *)bz.buf, *eid = (const int64_t *)be.buf;
    const int64_t *bid = (const int64_t *)bb.buf, *did = (const int64_t *)bd.buf;
    const char *kind = (const char *)bk.buf;
    int64_t no = bo.len / 8, ng = bz.len / 8, ne = have_num ? bn.len / 8 : 0;
    if (bo.len % 8 || bk.len != n || bg.len != 8 * n || bz.len % 8 || be.len != 8 * nnz ||
        bb.len != 8 * n || bd.len != 8 * n || (have_num && bq.len != bn.len)) {
        PyErr_SetString(PyExc_ValueError, "classes: order int64, kind one byte per node, gid "
                        "int64 per node, gsize int64 per group, eid int64 per entry, bid and "
                        "did int64 per node, num and den int64 per entry id");
        goto done;
    }
    for (int64_t k = 0; k < nnz; k++)
        if (have_num && (eid[k] < 0 || eid[k] >= ne ||
                         ((const int64_t *)bq.buf)[eid[k]] <= 0)) {
            PyErr_SetString(PyExc_ValueError, "classes: entry id without a positive den");
            goto done;
        }
    int64_t cap = 16;
    while (cap < 2 * no) cap <<= 1;
    cls_obj = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(8 * n));
    slot = malloc(sizeof(int64_t) * cap);          /* hash slot -> class (or -1) */
    kstart = malloc(sizeof(int64_t) * (no + 1));    /* class -> start of its key in pool */
    khash = malloc(sizeof(uint64_t) * (no ? no : 1));
    rep = malloc(sizeof(int64_t) * (no ? no : 1));  /* class -> its first state */
    pool = malloc(sizeof(int64_t) * (3 * nnz + 4 * no + 4));
    buf = malloc(sizeof(int64_t) * (3 * nnz + 4 * no + 4));
    stamp = malloc(sizeof(int64_t) * (n ? n : 1));
    if (!cls_obj || !slot || !kstart || !khash || !rep || !pool || !buf || !stamp) {
        PyErr_NoMemory();
        goto done;
    }
    int64_t *cls = (int64_t *)PyBytes_AS_STRING(cls_obj);
    for (int64_t i = 0; i < n; i++) {
        cls[i] = -1;
        stamp[i] = -1;
    }
    for (int64_t h = 0; h < cap; h++) slot[h] = -1;
    keyer K = {(const int64_t *)bp.buf, (const int64_t *)bx.buf, eid,
               have_num ? (const int64_t *)bn.buf : NULL,
               have_num ? (const int64_t *)bq.buf : NULL, cls, NULL};
    int64_t ncls = 0, used = 0;
    kstart[0] = 0;
    for (int64_t t = 0; t < no;) {
        int64_t i = order[t], size = 1, klen = -1;
        if (i < 0 || i >= n || cls[i] >= 0) {
            PyErr_SetString(PyExc_ValueError, "classes: order must list distinct nodes");
            goto done;
        }
        if (kind[i] == 1) {  /* key: bid, did, count, triples */
            int64_t len = row_key(&K, i, NULL, 0, buf + 4);
            if (len >= 0) {
                buf[0] = 1; buf[1] = bid[i]; buf[2] = did[i]; buf[3] = len;
                klen = 4 + 3 * len;
            }
        } else if (kind[i] == 2) {  /* key: group, then per rank bid, count, triples */
            int64_t g = gid[i];
            if (g < 0 || g >= ng || gsize[g] < 1 || t + gsize[g] > no) {
                PyErr_SetString(PyExc_ValueError, "classes: bad copy group");
                goto done;
            }
            size = gsize[g];
            for (int64_t q = 0; q < size; q++) stamp[order[t + q]] = t;
            buf[0] = 2; buf[1] = g;
            klen = 2;
            for (int64_t q = 0; q < size && klen >= 0; q++) {
                int64_t s_ = order[t + q];
                if (s_ < 0 || s_ >= n || cls[s_] >= 0 || gid[s_] != g) {
                    PyErr_SetString(PyExc_ValueError, "classes: bad copy group");
                    goto done;
                }
                int64_t len = row_key(&K, s_, stamp, t, buf + klen + 2);
                if (len < 0) {
                    klen = -1;
                    break;
                }
                buf[klen] = bid[s_];
                buf[klen + 1] = len;
                klen += 2 + 3 * len;
            }
        }
        int64_t found = -1, s = 0;
        uint64_t h = 0x12345678ULL;
        if (klen >= 0) {
            for (int64_t q = 0; q < klen; q++) h = mix64(h, (uint64_t)buf[q]);
            s = (int64_t)(h & (uint64_t)(cap - 1));
            while (slot[s] >= 0) {
                int64_t c = slot[s];
                if (khash[c] == h && kstart[c + 1] - kstart[c] == klen &&
                    !memcmp(pool + kstart[c], buf, sizeof(int64_t) * klen)) {
                    found = c;
                    break;
                }
                s = (s + 1) & (cap - 1);
            }
        }
        if (found >= 0) {
            for (int64_t q = 0; q < size; q++) cls[order[t + q]] = found + q;
            t += size;
            continue;
        }
        /* new classes (consecutive for a copy); the key is stored with the first one */
        for (int64_t q = 0; q < size; q++) {
            int64_t c = ncls + q;
            cls[order[t + q]] = c;
            rep[c] = order[t + q];
            khash[c] = 0;
            kstart[c + 1] = used;
        }
        if (klen >= 0) {
            memcpy(pool + used, buf, sizeof(int64_t) * klen);
            khash[ncls] = h;
            kstart[ncls] = used;  /* (kstart[ncls] == used already) */
            used += klen;
            kstart[ncls + 1] = used;
            for (int64_t q = 1; q < size; q++) kstart[ncls + q + 1] = used;
            slot[s] = ncls;
        }
        ncls += size;
        t += size;
    }
    rep_obj = PyBytes_FromStringAndSize((const char *)rep, (Py_ssize_t)(8 * ncls));
    if (rep_obj) result = Py_BuildValue("LOO", (long long)ncls, cls_obj, rep_obj);
done:
    Py_XDECREF(cls_obj);
    Py_XDECREF(rep_obj);
    free(slot); free(kstart); free(khash); free(rep); free(pool); free(buf); free(stamp);
    for (int q = 0; q < got; q++) PyBuffer_Release(bufs[q]);
    PyBuffer_Release(&bp);
    PyBuffer_Release(&bx);
    return result;
}

static PyMethodDef methods[] = {
    {"scc", scc, METH_VARARGS,
     "scc(indptr, indices) -> (num, labels as int64 bytes); labels in reverse topological "
     "order of the condensation"},
    {"bfs", bfs, METH_VARARGS,
     "bfs(indptr, indices, sources, skip) -> levels as int64 bytes (-1: unreached); skip is "
     "None or one byte per node (nonzero: never entered)"},
    {"classes", classes, METH_VARARGS,
     "classes(indptr, indices, order, kind, gid, gsize, eid, bid, did, num, den) -> (num, "
     "class per node, first node of every class), int64 bytes: states of x = (b + M x) / d with equal equations share a class (see the source)"},
    {"levels", levels, METH_VARARGS,
     "levels(indptr, indices, labels, num) -> int64 bytes: the longest path from every "
     "component to a sink of the condensation; labels in reverse topological order (scc's)"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cgraph",
                                    "Graph searches of chainlab.structure (see the C source).",
                                    -1, methods};

PyMODINIT_FUNC PyInit__cgraph(void) { return PyModule_Create(&module); }
