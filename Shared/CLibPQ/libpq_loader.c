// libpq, loaded on first use instead of linked.
//
// Debian's libpq5 brings libldap, libgssapi/krb5 and, through libldap, GnuTLS (with p11-kit,
// nettle, gmp, idn2, unistring): a second TLS library in every service, ~4 MiB of resident
// memory after start-up, whether the service uses PostgreSQL or SQLite. Each function below has
// libpq's own name and signature and forwards to libpq's, which is dlopen()ed the first time any
// of them is called; so a service on SQLite never loads libpq at all.
//
// A function libpq-fe.h declares but this file does not define fails to link: add it to the list.

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "shim.h"

static void *libpq;
static pthread_once_t libpq_once = PTHREAD_ONCE_INIT;

static void libpq_load(void) {
    libpq = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (libpq == NULL) {
        fprintf(stderr, "cannot load libpq.so.5 (the PostgreSQL client library, Debian package libpq5): %s\n",
                dlerror());
    }
}

// The libpq function `name`, or NULL when libpq cannot be loaded.
static void *libpq_symbol(const char *name) {
    pthread_once(&libpq_once, libpq_load);
    if (libpq == NULL) return NULL;
    void *symbol = dlsym(libpq, name);
    if (symbol == NULL) {
        fprintf(stderr, "libpq.so.5 has no %s: %s\n", name, dlerror());
        abort();
    }
    return symbol;
}

int skills_libpq_available(void) {
    pthread_once(&libpq_once, libpq_load);
    return libpq != NULL;
}

// Defines `ret name params` forwarding `args` to libpq's `name`; `fallback` is returned when libpq
// cannot be loaded (only PQconnectdb can be the first call; the others receive its NULL).
#define FORWARD(ret, name, params, args, fallback)                                  \
    ret name params {                                                               \
        static ret(*volatile function) params;                                      \
        ret(*f) params = __atomic_load_n(&function, __ATOMIC_ACQUIRE);              \
        if (f == NULL) {                                                            \
            f = (ret(*) params)libpq_symbol(#name);                                 \
            if (f == NULL) return fallback;                                         \
            __atomic_store_n(&function, f, __ATOMIC_RELEASE);                       \
        }                                                                           \
        return f args;                                                              \
    }

#define FORWARD_VOID(name, params, args)                                            \
    void name params {                                                              \
        static void(*volatile function) params;                                     \
        void(*f) params = __atomic_load_n(&function, __ATOMIC_ACQUIRE);             \
        if (f == NULL) {                                                            \
            f = (void(*) params)libpq_symbol(#name);                                \
            if (f == NULL) return;                                                  \
            __atomic_store_n(&function, f, __ATOMIC_RELEASE);                       \
        }                                                                           \
        f args;                                                                     \
    }

// Connections
FORWARD(PGconn *, PQconnectdb, (const char *conninfo), (conninfo), NULL)
FORWARD_VOID(PQfinish, (PGconn *conn), (conn))
FORWARD_VOID(PQreset, (PGconn *conn), (conn))
FORWARD(ConnStatusType, PQstatus, (const PGconn *conn), (conn), CONNECTION_BAD)
FORWARD(PGTransactionStatusType, PQtransactionStatus, (const PGconn *conn), (conn), PQTRANS_UNKNOWN)
FORWARD(char *, PQerrorMessage, (const PGconn *conn), (conn), NULL)
FORWARD(int, PQsocket, (const PGconn *conn), (conn), -1)
FORWARD(int, PQbackendPID, (const PGconn *conn), (conn), 0)
FORWARD(int, PQserverVersion, (const PGconn *conn), (conn), 0)
FORWARD(const char *, PQparameterStatus, (const PGconn *conn, const char *paramName), (conn, paramName), NULL)
FORWARD(PQnoticeProcessor, PQsetNoticeProcessor, (PGconn *conn, PQnoticeProcessor proc, void *arg),
        (conn, proc, arg), NULL)
FORWARD(int, PQsetnonblocking, (PGconn *conn, int arg), (conn, arg), -1)
FORWARD(int, PQisnonblocking, (const PGconn *conn), (conn), 0)
FORWARD(int, PQflush, (PGconn *conn), (conn), -1)

// Synchronous and asynchronous commands
FORWARD(PGresult *, PQexec, (PGconn *conn, const char *query), (conn, query), NULL)
FORWARD(PGresult *, PQexecParams,
        (PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues,
         const int *paramLengths, const int *paramFormats, int resultFormat),
        (conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat), NULL)
FORWARD(PGresult *, PQprepare,
        (PGconn *conn, const char *stmtName, const char *query, int nParams, const Oid *paramTypes),
        (conn, stmtName, query, nParams, paramTypes), NULL)
FORWARD(PGresult *, PQexecPrepared,
        (PGconn *conn, const char *stmtName, int nParams, const char *const *paramValues, const int *paramLengths,
         const int *paramFormats, int resultFormat),
        (conn, stmtName, nParams, paramValues, paramLengths, paramFormats, resultFormat), NULL)
FORWARD(int, PQsendQuery, (PGconn *conn, const char *query), (conn, query), 0)
FORWARD(int, PQsendQueryParams,
        (PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues,
         const int *paramLengths, const int *paramFormats, int resultFormat),
        (conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat), 0)
FORWARD(int, PQsendPrepare,
        (PGconn *conn, const char *stmtName, const char *query, int nParams, const Oid *paramTypes),
        (conn, stmtName, query, nParams, paramTypes), 0)
FORWARD(int, PQsendQueryPrepared,
        (PGconn *conn, const char *stmtName, int nParams, const char *const *paramValues, const int *paramLengths,
         const int *paramFormats, int resultFormat),
        (conn, stmtName, nParams, paramValues, paramLengths, paramFormats, resultFormat), 0)
FORWARD(PGresult *, PQgetResult, (PGconn *conn), (conn), NULL)
FORWARD(int, PQconsumeInput, (PGconn *conn), (conn), 0)
FORWARD(int, PQisBusy, (PGconn *conn), (conn), 0)
FORWARD(int, PQsetSingleRowMode, (PGconn *conn), (conn), 0)

// Pipeline mode
FORWARD(int, PQenterPipelineMode, (PGconn *conn), (conn), 0)
FORWARD(int, PQexitPipelineMode, (PGconn *conn), (conn), 0)
FORWARD(int, PQpipelineSync, (PGconn *conn), (conn), 0)
FORWARD(int, PQsendFlushRequest, (PGconn *conn), (conn), 0)
FORWARD(PGpipelineStatus, PQpipelineStatus, (const PGconn *conn), (conn), PQ_PIPELINE_OFF)

// Results
FORWARD(ExecStatusType, PQresultStatus, (const PGresult *res), (res), PGRES_FATAL_ERROR)
FORWARD(char *, PQresultErrorMessage, (const PGresult *res), (res), NULL)
FORWARD(char *, PQresultErrorField, (const PGresult *res, int fieldcode), (res, fieldcode), NULL)
FORWARD_VOID(PQclear, (PGresult *res), (res))
FORWARD(int, PQntuples, (const PGresult *res), (res), 0)
FORWARD(int, PQnfields, (const PGresult *res), (res), 0)
FORWARD(char *, PQfname, (const PGresult *res, int field_num), (res, field_num), NULL)
FORWARD(int, PQfnumber, (const PGresult *res, const char *field_name), (res, field_name), -1)
FORWARD(Oid, PQftype, (const PGresult *res, int field_num), (res, field_num), 0)
FORWARD(int, PQfformat, (const PGresult *res, int field_num), (res, field_num), 0)
FORWARD(char *, PQgetvalue, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num), NULL)
FORWARD(int, PQgetlength, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num), 0)
FORWARD(int, PQgetisnull, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num), 1)
FORWARD(char *, PQcmdStatus, (PGresult *res), (res), NULL)
FORWARD(char *, PQcmdTuples, (PGresult *res), (res), NULL)
FORWARD_VOID(PQfreemem, (void *ptr), (ptr))
FORWARD(char *, PQescapeLiteral, (PGconn *conn, const char *str, size_t len), (conn, str, len), NULL)
FORWARD(char *, PQescapeIdentifier, (PGconn *conn, const char *str, size_t len), (conn, str, len), NULL)
