#ifndef CPO_COPENBLAS_SHIM_H
#define CPO_COPENBLAS_SHIM_H
// Debian's pkg-config for openblas puts the pthread variant's include folder first.
#include <cblas.h>

// Not declared in every cblas.h; these are OpenBLAS's own entry points.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif
