#ifndef CPO_COPENBLAS_SHIM_H
#define CPO_COPENBLAS_SHIM_H
// Debian's pkg-config for openblas puts the pthread variant's include folder first.
#include <cblas.h>

// Not declared in every cblas.h; these are OpenBLAS's own entry points.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);

// Swift has no prefetch instruction; the few-row matrix products ask for weights ahead of use.
static inline void cpo_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
#endif
