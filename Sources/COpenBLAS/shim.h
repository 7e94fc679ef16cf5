#pragma once
#include <cblas.h>

/* Ends OpenBLAS's worker threads; the next threaded call starts them again (exported, not in
   cblas.h). See SpectralVolume's BLASThreads. */
int blas_thread_shutdown_(void);
