// Debian's libpq-dev: the PostgreSQL client library (blocking connections, one per worker thread).
#include <libpq-fe.h>
