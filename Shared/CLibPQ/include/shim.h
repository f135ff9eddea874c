// Debian's libpq-dev: the PostgreSQL client library (blocking connections, one per worker thread).
// Its prototypes only: libpq itself is loaded when the first connection opens (libpq_loader.c).
#include <postgresql/libpq-fe.h>
