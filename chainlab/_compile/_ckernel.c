/*
 * chainlab._ckernel -- the per-transition inner loop of chainlab.compiler, in C.
 *
 * Why hand-written C: compiling an agent model spends most of its time in three loops that run
 * once per transition -- the convolution of the agents' (or agent types') laws into one row, the
 * look-up of every successor in the table of known joint states, and the interning of the
 * row's exact values.  In pure Python they cost about 1 microsecond per transition however the
 * code is arranged (Python-int multiply-adds into dicts); no library offers a keyed convolution
 * of small sparse laws with a growing state index (NumPy would have to sort every batch), so
 * this file does exactly those loops and nothing else.  Everything model-specific (agent laws,
 * memo keys, validation) stays in Python; chainlab.compiler uses this module when it is built
 * and falls back to its pure-Python loop otherwise, with the same result to the last entry
 * (tests/test_compiler.py compiles every test model both ways and compares).
 *
 * Data model (all exact, all unsigned 64-bit):
 *   - a *code* is a joint state packed into W little-endian 64-bit words, exactly the bits of
 *     the Python int that chainlab.compiler uses as the code (count digits of a multiset, or
 *     32-bit agent fields), so sums of codes are word-wise sums without carries;
 *   - a *table* is the law of the code increment of one agent type (or one agent): entries
 *     (delta code, numerator) over a denominator that only Python keeps;
 *   - a *row* is the convolution of some tables; the caller passes the product of their
 *     denominators, which must be below 2**64 (then every partial product and sum is too, since
 *     numerators never exceed their denominators); any overflow raises OverflowError anyway;
 *   - states are numbered in discovery order: rows are expanded in state order, and the new
 *     successors of a row get the next numbers in increasing code order;
 *   - a row's entries are stored sorted by column, with the id of their distinct
 *     (numerator, row denominator) pair.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define MUL_OVERFLOW(a, b, out) __builtin_mul_overflow((a), (b), (out))
#define ADD_OVERFLOW(a, b, out) __builtin_add_overflow((a), (b), (out))
#else
static int MUL_OVERFLOW(uint64_t a, uint64_t b, uint64_t *out) {
    *out = a * b;
    return a != 0 && *out / a != b;
}
static int ADD_OVERFLOW(uint64_t a, uint64_t b, uint64_t *out) {
    *out = a + b;
    return *out < a;
}
#endif

typedef struct {
    PyObject_HEAD
    Py_ssize_t W;               /* words per code */
    /* tables: entries [tab_start[t], tab_start[t + 1]) */
    Py_ssize_t ntab, tab_cap;   /* tab_cap: items allocated in tab_start (ntab + 1 used) */
    Py_ssize_t *tab_start;
    Py_ssize_t tab_len, tab_len_cap;
    uint64_t *tab_code;         /* tab_len_cap * W */
    uint64_t *tab_num;
    /* states and the hash index code -> state (slot holds index + 1, 0 = empty) */
    Py_ssize_t nstates, states_cap;
    uint64_t *codes;            /* states_cap * W */
    Py_ssize_t *slots;
    size_t slot_mask;
    /* rows (CSR) */
    Py_ssize_t nrows, rows_cap;
    int64_t *indptr;            /* rows_cap items allocated, nrows + 1 used */
    Py_ssize_t nnz, nnz_cap;
    int64_t *cols;
    int64_t *vids;
    /* distinct (numerator, denominator) pairs */
    Py_ssize_t nvals, vals_cap;
    uint64_t *val_num, *val_den;
    Py_ssize_t *vslots;
    size_t vslot_mask;
    /* scratch of one row */
    Py_ssize_t scap;            /* entries in a_* and b_* */
    uint64_t *a_code, *a_num, *b_code, *b_num;
    int64_t *ent_col;           /* scap */
    Py_ssize_t *ent_new;        /* scap: entries whose code is new */
    size_t lcap;                /* slots of the local merge hash (power of 2) */
    Py_ssize_t *lslots;
} Kernel;

/* ------------------------------------------------------------------ helpers */

static inline uint64_t mix64(uint64_t x) {
    /* splitmix64 finaliser */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static inline uint64_t hash_code(const uint64_t *c, Py_ssize_t W) {
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (Py_ssize_t w = 0; w < W; w++)
        h = mix64(h ^ c[w]) + (uint64_t)w;
    return h;
}

static inline int code_eq(const uint64_t *a, const uint64_t *b, Py_ssize_t W) {
    for (Py_ssize_t w = 0; w < W; w++)
        if (a[w] != b[w]) return 0;
    return 1;
}

/* -1, 0, 1 as the Python ints of the codes compare (most significant word first) */
static inline int code_cmp(const uint64_t *a, const uint64_t *b, Py_ssize_t W) {
    for (Py_ssize_t w = W - 1; w >= 0; w--) {
        if (a[w] != b[w]) return a[w] < b[w] ? -1 : 1;
    }
    return 0;
}

/* *ptr resized to bytes; on failure it is left as it was and MemoryError is set */
static int resize(void **ptr, size_t bytes) {
    void *p = PyMem_Realloc(*ptr, bytes);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    *ptr = p;
    return 0;
}

/* the smallest capacity >= need in the doubling sequence from cap (or from start) */
static Py_ssize_t next_cap(Py_ssize_t cap, Py_ssize_t need, Py_ssize_t start) {
    Py_ssize_t c = cap ? cap : start;
    while (c < need) c *= 2;
    return c;
}

static int grow(void **ptr, Py_ssize_t *cap, Py_ssize_t need, size_t item) {
    if (need <= *cap) return 0;
    Py_ssize_t c = next_cap(*cap, need, 16);
    if (resize(ptr, (size_t)c * item) < 0) return -1;
    *cap = c;
    return 0;
}

/* grow two parallel arrays sharing one capacity */
static int grow_pair(void **p1, size_t s1, void **p2, size_t s2, Py_ssize_t *cap, Py_ssize_t need) {
    if (need <= *cap) return 0;
    Py_ssize_t c = next_cap(*cap, need, 16);
    if (resize(p1, (size_t)c * s1) < 0 || resize(p2, (size_t)c * s2) < 0) return -1;
    *cap = c;
    return 0;
}

/* ------------------------------------------------------------------ the state index */

static int rehash_states(Kernel *k, size_t nslots) {
    Py_ssize_t *s = PyMem_Calloc(nslots, sizeof(Py_ssize_t));
    if (!s) { PyErr_NoMemory(); return -1; }
    size_t mask = nslots - 1;
    for (Py_ssize_t i = 0; i < k->nstates; i++) {
        size_t h = (size_t)hash_code(k->codes + i * k->W, k->W) & mask;
        while (s[h]) h = (h + 1) & mask;
        s[h] = i + 1;
    }
    PyMem_Free(k->slots);
    k->slots = s;
    k->slot_mask = mask;
    return 0;
}

/* index of the state with this code, or -1 */
static inline Py_ssize_t find_state(const Kernel *k, const uint64_t *code) {
    size_t h = (size_t)hash_code(code, k->W) & k->slot_mask;
    for (;;) {
        Py_ssize_t s = k->slots[h];
        if (!s) return -1;
        if (code_eq(k->codes + (s - 1) * k->W, code, k->W)) return s - 1;
        h = (h + 1) & k->slot_mask;
    }
}

/* append a state known to be new; returns its index or -1 on error */
static Py_ssize_t add_new_state(Kernel *k, const uint64_t *code) {
    Py_ssize_t W = k->W;
    if (grow((void **)&k->codes, &k->states_cap, k->nstates + 1, (size_t)W * sizeof(uint64_t)) < 0)
        return -1;
    if ((size_t)(k->nstates + 1) * 2 > k->slot_mask + 1) {
        if (rehash_states(k, (k->slot_mask + 1) * 2) < 0) return -1;
    }
    Py_ssize_t i = k->nstates++;
    memcpy(k->codes + i * W, code, (size_t)W * sizeof(uint64_t));
    size_t h = (size_t)hash_code(code, W) & k->slot_mask;
    while (k->slots[h]) h = (h + 1) & k->slot_mask;
    k->slots[h] = i + 1;
    return i;
}

/* ------------------------------------------------------------------ distinct values */

static int rehash_values(Kernel *k, size_t nslots) {
    Py_ssize_t *s = PyMem_Calloc(nslots, sizeof(Py_ssize_t));
    if (!s) { PyErr_NoMemory(); return -1; }
    size_t mask = nslots - 1;
    for (Py_ssize_t i = 0; i < k->nvals; i++) {
        size_t h = (size_t)mix64(k->val_num[i] ^ mix64(k->val_den[i])) & mask;
        while (s[h]) h = (h + 1) & mask;
        s[h] = i + 1;
    }
    PyMem_Free(k->vslots);
    k->vslots = s;
    k->vslot_mask = mask;
    return 0;
}

static inline Py_ssize_t value_id(Kernel *k, uint64_t num, uint64_t den) {
    size_t h = (size_t)mix64(num ^ mix64(den)) & k->vslot_mask;
    for (;;) {
        Py_ssize_t s = k->vslots[h];
        if (!s) break;
        if (k->val_num[s - 1] == num && k->val_den[s - 1] == den) return s - 1;
        h = (h + 1) & k->vslot_mask;
    }
    if (grow_pair((void **)&k->val_num, sizeof(uint64_t), (void **)&k->val_den,
                  sizeof(uint64_t), &k->vals_cap, k->nvals + 1) < 0)
        return -1;
    Py_ssize_t i = k->nvals++;
    k->val_num[i] = num;
    k->val_den[i] = den;
    if ((size_t)k->nvals * 2 > k->vslot_mask + 1) {
        if (rehash_values(k, (k->vslot_mask + 1) * 2) < 0) return -1;
    } else {
        k->vslots[h] = i + 1;
    }
    return i;
}

/* ------------------------------------------------------------------ scratch */

/* room for need entries in every row scratch array (a failure leaves scap as it was; arrays
   already enlarged stay valid) */
static int ensure_scratch(Kernel *k, Py_ssize_t need) {
    if (need <= k->scap) return 0;
    Py_ssize_t c = next_cap(k->scap, need, 256);
    size_t codes = (size_t)c * k->W * sizeof(uint64_t), nums = (size_t)c * sizeof(uint64_t);
    if (resize((void **)&k->a_code, codes) < 0 || resize((void **)&k->b_code, codes) < 0 ||
        resize((void **)&k->a_num, nums) < 0 || resize((void **)&k->b_num, nums) < 0 ||
        resize((void **)&k->ent_col, (size_t)c * sizeof(int64_t)) < 0 ||
        resize((void **)&k->ent_new, (size_t)c * sizeof(Py_ssize_t)) < 0)
        return -1;
    k->scap = c;
    return 0;
}

/* a cleared local hash table of at least need slots (need a power of 2) */
static int ensure_local_slots(Kernel *k, size_t need) {
    if (need <= k->lcap) return 0;
    size_t c = k->lcap ? k->lcap : 512;
    while (c < need) c *= 2;
    if (resize((void **)&k->lslots, c * sizeof(Py_ssize_t)) < 0) return -1;
    memset(k->lslots, 0, c * sizeof(Py_ssize_t));
    k->lcap = c;
    return 0;
}

/* ------------------------------------------------------------------ sorting helpers */

/* qsort has no context argument; the GIL is held throughout, so one static context is safe */
static const uint64_t *sort_codes;
static Py_ssize_t sort_W;

static int cmp_entry_code(const void *x, const void *y) {
    Py_ssize_t i = *(const Py_ssize_t *)x, j = *(const Py_ssize_t *)y;
    return code_cmp(sort_codes + i * sort_W, sort_codes + j * sort_W, sort_W);
}

typedef struct { int64_t col; int64_t vid; } Pair;

static int cmp_pair(const void *x, const void *y) {
    int64_t a = ((const Pair *)x)->col, b = ((const Pair *)y)->col;
    return (a > b) - (a < b);
}

/* ------------------------------------------------------------------ methods */

static void Kernel_dealloc(Kernel *k) {
    PyMem_Free(k->tab_start);
    PyMem_Free(k->tab_code);
    PyMem_Free(k->tab_num);
    PyMem_Free(k->codes);
    PyMem_Free(k->slots);
    PyMem_Free(k->indptr);
    PyMem_Free(k->cols);
    PyMem_Free(k->vids);
    PyMem_Free(k->val_num);
    PyMem_Free(k->val_den);
    PyMem_Free(k->vslots);
    PyMem_Free(k->a_code);
    PyMem_Free(k->a_num);
    PyMem_Free(k->b_code);
    PyMem_Free(k->b_num);
    PyMem_Free(k->ent_col);
    PyMem_Free(k->ent_new);
    PyMem_Free(k->lslots);
    Py_TYPE(k)->tp_free((PyObject *)k);
}

static int Kernel_init(Kernel *k, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"words", NULL};
    Py_ssize_t W;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "n", kwlist, &W)) return -1;
    if (W < 1) {
        PyErr_SetString(PyExc_ValueError, "words must be at least 1");
        return -1;
    }
    if (k->W) {
        PyErr_SetString(PyExc_RuntimeError, "Kernel is initialised once");
        return -1;
    }
    k->W = W;
    k->slots = PyMem_Calloc(1024, sizeof(Py_ssize_t));
    k->vslots = PyMem_Calloc(256, sizeof(Py_ssize_t));
    k->tab_start = PyMem_Malloc(16 * sizeof(Py_ssize_t));
    k->indptr = PyMem_Malloc(1024 * sizeof(int64_t));
    if (!k->slots || !k->vslots || !k->tab_start || !k->indptr) {
        PyErr_NoMemory();
        return -1;
    }
    k->slot_mask = 1023;
    k->vslot_mask = 255;
    k->tab_cap = 16;
    k->tab_start[0] = 0;
    k->rows_cap = 1024;
    k->indptr[0] = 0;
    return 0;
}

static int check_init(Kernel *k) {
    if (!k->W) {
        PyErr_SetString(PyExc_RuntimeError, "Kernel not initialised");
        return -1;
    }
    return 0;
}

static PyObject *Kernel_add_table(Kernel *k, PyObject *args) {
    Py_buffer codes, nums;
    if (check_init(k) < 0) return NULL;
    if (!PyArg_ParseTuple(args, "y*y*", &codes, &nums)) return NULL;
    PyObject *res = NULL;
    Py_ssize_t W = k->W;
    Py_ssize_t m = nums.len / (Py_ssize_t)sizeof(uint64_t);
    if (m < 1 || nums.len != m * (Py_ssize_t)sizeof(uint64_t) ||
        codes.len != m * W * (Py_ssize_t)sizeof(uint64_t)) {
        PyErr_SetString(PyExc_ValueError, "a table needs m >= 1 numerators and m codes of W words");
        goto done;
    }
    if (grow((void **)&k->tab_start, &k->tab_cap, k->ntab + 2, sizeof(Py_ssize_t)) < 0)
        goto done;
    if (grow_pair((void **)&k->tab_num, sizeof(uint64_t), (void **)&k->tab_code,
                  (size_t)W * sizeof(uint64_t), &k->tab_len_cap, k->tab_len + m) < 0)
        goto done;
    memcpy(k->tab_code + k->tab_len * W, codes.buf, (size_t)codes.len);
    memcpy(k->tab_num + k->tab_len, nums.buf, (size_t)nums.len);
    k->tab_len += m;
    k->ntab += 1;
    k->tab_start[k->ntab] = k->tab_len;
    res = PyLong_FromSsize_t(k->ntab - 1);
done:
    PyBuffer_Release(&codes);
    PyBuffer_Release(&nums);
    return res;
}

static PyObject *Kernel_add_state(Kernel *k, PyObject *args) {
    Py_buffer code;
    if (check_init(k) < 0) return NULL;
    if (!PyArg_ParseTuple(args, "y*", &code)) return NULL;
    PyObject *res = NULL;
    if (code.len != k->W * (Py_ssize_t)sizeof(uint64_t)) {
        PyErr_SetString(PyExc_ValueError, "a code has W words");
        goto done;
    }
    Py_ssize_t i = find_state(k, code.buf);
    if (i < 0) i = add_new_state(k, code.buf);
    if (i >= 0) res = PyLong_FromSsize_t(i);
done:
    PyBuffer_Release(&code);
    return res;
}

/* expand(tables, den) -> number of states: the row of the next unexpanded state */
static PyObject *Kernel_expand(Kernel *k, PyObject *args) {
    PyObject *tables;
    unsigned long long den_ull;
    if (check_init(k) < 0) return NULL;
    if (!PyArg_ParseTuple(args, "OK", &tables, &den_ull)) return NULL;
    if (k->nrows >= k->nstates) {
        PyErr_SetString(PyExc_ValueError, "every known state is expanded already");
        return NULL;
    }
    uint64_t den = (uint64_t)den_ull;
    PyObject *seq = PySequence_Fast(tables, "tables must be a sequence of table ids");
    if (!seq) return NULL;
    Py_ssize_t nt = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    Py_ssize_t W = k->W;
    PyObject *res = NULL;

    /* start: the zero code with numerator 1 */
    if (ensure_scratch(k, 1) < 0) goto done;
    Py_ssize_t na = 1;
    memset(k->a_code, 0, (size_t)W * sizeof(uint64_t));
    k->a_num[0] = 1;

    for (Py_ssize_t t = 0; t < nt; t++) {
        Py_ssize_t tid = PyLong_AsSsize_t(items[t]);
        if (tid == -1 && PyErr_Occurred()) goto done;
        if (tid < 0 || tid >= k->ntab) {
            PyErr_Format(PyExc_ValueError, "unknown table id %zd", tid);
            goto done;
        }
        Py_ssize_t s0 = k->tab_start[tid], m = k->tab_start[tid + 1] - s0;
        const uint64_t *tc = k->tab_code + s0 * W;
        const uint64_t *tn = k->tab_num + s0;
        if (m == 1) {  /* a sure move: shift every code, scale every numerator */
            for (Py_ssize_t e = 0; e < na; e++) {
                uint64_t *c = k->a_code + e * W;
                for (Py_ssize_t w = 0; w < W; w++) c[w] += tc[w];
                if (MUL_OVERFLOW(k->a_num[e], tn[0], &k->a_num[e])) goto overflow;
            }
            continue;
        }
        Py_ssize_t prod = na * m;
        if (ensure_scratch(k, prod) < 0) goto done;
        size_t nslots = 1;
        while (nslots < (size_t)prod * 2) nslots <<= 1;
        if (ensure_local_slots(k, nslots) < 0) goto done;
        size_t mask = nslots - 1;
        Py_ssize_t nb = 0;
        uint64_t tmp[8];
        uint64_t *sum = W <= 8 ? tmp : NULL;
        if (!sum) {
            sum = PyMem_Malloc((size_t)W * sizeof(uint64_t));
            if (!sum) { PyErr_NoMemory(); goto done; }
        }
        int bad = 0;
        for (Py_ssize_t e = 0; e < na && !bad; e++) {
            const uint64_t *ac = k->a_code + e * W;
            uint64_t an = k->a_num[e];
            for (Py_ssize_t j = 0; j < m; j++) {
                const uint64_t *dc = tc + j * W;
                for (Py_ssize_t w = 0; w < W; w++) sum[w] = ac[w] + dc[w];
                uint64_t v;
                if (MUL_OVERFLOW(an, tn[j], &v)) { bad = 1; break; }
                size_t h = (size_t)hash_code(sum, W) & mask;
                for (;;) {
                    Py_ssize_t s = k->lslots[h];
                    if (!s) {
                        memcpy(k->b_code + nb * W, sum, (size_t)W * sizeof(uint64_t));
                        k->b_num[nb] = v;
                        k->lslots[h] = ++nb;
                        break;
                    }
                    if (code_eq(k->b_code + (s - 1) * W, sum, W)) {
                        if (ADD_OVERFLOW(k->b_num[s - 1], v, &k->b_num[s - 1])) bad = 1;
                        break;
                    }
                    h = (h + 1) & mask;
                }
                if (bad) break;
            }
        }
        if (sum != tmp) PyMem_Free(sum);
        /* clear the used slots (cheaper than clearing the table when it is sparse) */
        for (Py_ssize_t e = 0; e < nb; e++) {
            size_t h = (size_t)hash_code(k->b_code + e * W, W) & mask;
            while (k->lslots[h] != e + 1) h = (h + 1) & mask;
            k->lslots[h] = 0;
        }
        if (bad) goto overflow;
        /* swap a and b */
        uint64_t *p = k->a_code; k->a_code = k->b_code; k->b_code = p;
        p = k->a_num; k->a_num = k->b_num; k->b_num = p;
        na = nb;
    }

    /* the numerators must add up to den */
    {
        uint64_t total = 0;
        for (Py_ssize_t e = 0; e < na; e++)
            if (ADD_OVERFLOW(total, k->a_num[e], &total)) goto overflow;
        if (total != den) {
            PyErr_Format(PyExc_ValueError,
                         "row numerators add up to %llu, not to the denominator %llu",
                         (unsigned long long)total, (unsigned long long)den);
            goto done;
        }
    }

    /* successors -> state indices; new ones numbered in increasing code order */
    {
        Py_ssize_t nnew = 0;
        for (Py_ssize_t e = 0; e < na; e++) {
            Py_ssize_t i = find_state(k, k->a_code + e * W);
            k->ent_col[e] = i;
            if (i < 0) k->ent_new[nnew++] = e;
        }
        if (nnew > 1) {
            sort_codes = k->a_code;
            sort_W = W;
            qsort(k->ent_new, (size_t)nnew, sizeof(Py_ssize_t), cmp_entry_code);
        }
        for (Py_ssize_t q = 0; q < nnew; q++) {
            Py_ssize_t e = k->ent_new[q];
            Py_ssize_t i = add_new_state(k, k->a_code + e * W);
            if (i < 0) goto done;
            k->ent_col[e] = i;
        }
    }

    /* the row: (column, value id) sorted by column */
    {
        if (grow_pair((void **)&k->cols, sizeof(int64_t), (void **)&k->vids, sizeof(int64_t),
                      &k->nnz_cap, k->nnz + na) < 0)
            goto done;
        if (grow((void **)&k->indptr, &k->rows_cap, k->nrows + 2, sizeof(int64_t)) < 0)
            goto done;
        Pair *row = PyMem_Malloc((size_t)na * sizeof(Pair));
        if (!row) { PyErr_NoMemory(); goto done; }
        for (Py_ssize_t e = 0; e < na; e++) {
            Py_ssize_t v = value_id(k, k->a_num[e], den);
            if (v < 0) { PyMem_Free(row); goto done; }
            row[e].col = k->ent_col[e];
            row[e].vid = v;
        }
        qsort(row, (size_t)na, sizeof(Pair), cmp_pair);
        for (Py_ssize_t e = 0; e < na; e++) {
            k->cols[k->nnz + e] = row[e].col;
            k->vids[k->nnz + e] = row[e].vid;
        }
        PyMem_Free(row);
        k->nnz += na;
        k->nrows += 1;
        k->indptr[k->nrows] = k->nnz;
    }
    res = PyLong_FromSsize_t(k->nstates);
    goto done;

overflow:
    PyErr_SetString(PyExc_OverflowError, "a numerator of the row does not fit in 64 bits");
done:
    Py_DECREF(seq);
    return res;
}

static PyObject *Kernel_types(Kernel *k, PyObject *args) {
    Py_ssize_t i, bits;
    if (check_init(k) < 0) return NULL;
    if (!PyArg_ParseTuple(args, "nn", &i, &bits)) return NULL;
    if (i < 0 || i >= k->nstates) {
        PyErr_SetString(PyExc_IndexError, "state index out of range");
        return NULL;
    }
    if (bits != 4 && bits != 8 && bits != 16 && bits != 32) {
        PyErr_SetString(PyExc_ValueError, "bits must be 4, 8, 16 or 32");
        return NULL;
    }
    const uint64_t *c = k->codes + i * k->W;
    PyObject *out = PyList_New(0);
    if (!out) return NULL;
    Py_ssize_t per = 64 / bits;
    uint64_t dmask = (1ULL << bits) - 1;
    for (Py_ssize_t w = 0; w < k->W; w++) {
        uint64_t word = c[w];
        Py_ssize_t v = w * per;
        while (word) {
            uint64_t d = word & dmask;
            if (d) {
                PyObject *pair = Py_BuildValue("(nK)", v, (unsigned long long)d);
                if (!pair || PyList_Append(out, pair) < 0) {
                    Py_XDECREF(pair);
                    Py_DECREF(out);
                    return NULL;
                }
                Py_DECREF(pair);
            }
            word >>= bits;
            v++;
        }
    }
    return out;
}

static PyObject *Kernel_code(Kernel *k, PyObject *args) {
    Py_ssize_t i;
    if (check_init(k) < 0) return NULL;
    if (!PyArg_ParseTuple(args, "n", &i)) return NULL;
    if (i < 0 || i >= k->nstates) {
        PyErr_SetString(PyExc_IndexError, "state index out of range");
        return NULL;
    }
    return PyBytes_FromStringAndSize((const char *)(k->codes + i * k->W),
                                     k->W * (Py_ssize_t)sizeof(uint64_t));
}

/* csr() -> (indptr, cols, value ids) as bytes of int64, for the expanded rows */
static PyObject *Kernel_csr(Kernel *k, PyObject *Py_UNUSED(ignored)) {
    if (check_init(k) < 0) return NULL;
    return Py_BuildValue(
        "(y#y#y#)", (const char *)k->indptr, (k->nrows + 1) * (Py_ssize_t)sizeof(int64_t),
        (const char *)k->cols, k->nnz * (Py_ssize_t)sizeof(int64_t), (const char *)k->vids,
        k->nnz * (Py_ssize_t)sizeof(int64_t));
}

/* values() -> [(numerator, denominator), ...] in id order */
static PyObject *Kernel_values(Kernel *k, PyObject *Py_UNUSED(ignored)) {
    if (check_init(k) < 0) return NULL;
    PyObject *out = PyList_New(k->nvals);
    if (!out) return NULL;
    for (Py_ssize_t i = 0; i < k->nvals; i++) {
        PyObject *pair = Py_BuildValue("(KK)", (unsigned long long)k->val_num[i],
                                       (unsigned long long)k->val_den[i]);
        if (!pair) { Py_DECREF(out); return NULL; }
        PyList_SET_ITEM(out, i, pair);
    }
    return out;
}

static PyObject *Kernel_get_num_states(Kernel *k, void *Py_UNUSED(c)) {
    return PyLong_FromSsize_t(k->nstates);
}
static PyObject *Kernel_get_num_rows(Kernel *k, void *Py_UNUSED(c)) {
    return PyLong_FromSsize_t(k->nrows);
}
static PyObject *Kernel_get_nnz(Kernel *k, void *Py_UNUSED(c)) {
    return PyLong_FromSsize_t(k->nnz);
}

static PyMethodDef Kernel_methods[] = {
    {"add_table", (PyCFunction)Kernel_add_table, METH_VARARGS,
     "add_table(codes, numerators) -> table id (codes: m * W little-endian uint64 words; "
     "numerators: m uint64)"},
    {"add_state", (PyCFunction)Kernel_add_state, METH_VARARGS,
     "add_state(code) -> index of the state with this code (W uint64 words), added if new"},
    {"expand", (PyCFunction)Kernel_expand, METH_VARARGS,
     "expand(table_ids, den) -> number of states: append the row of the next unexpanded state, "
     "the convolution of the tables over the denominator den < 2**64"},
    {"types", (PyCFunction)Kernel_types, METH_VARARGS,
     "types(i, bits) -> [(v, count), ...]: the nonzero bits-wide digits of state i's code"},
    {"code", (PyCFunction)Kernel_code, METH_VARARGS, "code(i) -> the W words of state i"},
    {"csr", (PyCFunction)Kernel_csr, METH_NOARGS,
     "csr() -> (indptr, columns, value ids) of the expanded rows, bytes of int64"},
    {"values", (PyCFunction)Kernel_values, METH_NOARGS,
     "values() -> distinct (numerator, denominator) pairs in id order"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Kernel_getset[] = {
    {"num_states", (getter)Kernel_get_num_states, NULL, "states found", NULL},
    {"num_rows", (getter)Kernel_get_num_rows, NULL, "states expanded", NULL},
    {"nnz", (getter)Kernel_get_nnz, NULL, "transitions stored", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject KernelType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "chainlab._ckernel.Kernel",
    .tp_basicsize = sizeof(Kernel),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Breadth-first compilation state: tables, the state index, CSR rows (see the "
              "module source).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Kernel_init,
    .tp_dealloc = (destructor)Kernel_dealloc,
    .tp_methods = Kernel_methods,
    .tp_getset = Kernel_getset,
};

static struct PyModuleDef ckernel_module = {
    PyModuleDef_HEAD_INIT, "chainlab._ckernel",
    "The per-transition loops of chainlab.compiler (convolution, state index, CSR rows) in C.",
    -1, NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__ckernel(void) {
    /* codes arrive as little-endian bytes and are read as native words: refuse elsewhere, and
       chainlab.compiler falls back to its Python loop */
    const uint16_t probe = 1;
    if (*(const uint8_t *)&probe != 1) {
        PyErr_SetString(PyExc_ImportError, "chainlab._ckernel supports little-endian machines only");
        return NULL;
    }
    if (PyType_Ready(&KernelType) < 0) return NULL;
    PyObject *m = PyModule_Create(&ckernel_module);
    if (!m) return NULL;
    Py_INCREF(&KernelType);
    if (PyModule_AddObject(m, "Kernel", (PyObject *)&KernelType) < 0) {
        Py_DECREF(&KernelType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
