// Debian's libsqlite3-dev (the system SQLite, not sqlite-nio's vendored copy, whose symbols are prefixed).
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro over a cast of -1 that Swift cannot import.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }
