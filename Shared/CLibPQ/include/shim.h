// Debian's libpq-dev: the PostgreSQL client library (blocking connections, one per worker thread).
// Its prototypes only: libpq itself is loaded when the first connection opens (libpq_loader.c).
#include <postgresql/libpq-fe.h>

// Loads libpq now if it is not loaded; 1 when it is there, 0 when libpq.so.5 cannot be loaded
// (what a NULL from PQconnectdb then means).
int skills_libpq_available(void);
