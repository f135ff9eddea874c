#ifndef SKILLS_COPENSSL_SHIM_H
#define SKILLS_COPENSSL_SHIM_H
/* libssl / libcrypto for Swift, plus static inline wrappers for the OpenSSL macros that Swift
 * cannot call (see docs/FIELD-NOTES.md). */
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/evp.h>
#include <openssl/bio.h>
#include <openssl/rand.h>

static inline int skills_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}
static inline int skills_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}
static inline long skills_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}
static inline long skills_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}
static inline int skills_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_groups_list(ctx, list);
}
static inline uint64_t skills_SSL_CTX_set_options(SSL_CTX *ctx, uint64_t options) {
    return SSL_CTX_set_options(ctx, options);
}
static inline size_t skills_BIO_pending(BIO *bio) { return (size_t)BIO_pending(bio); }
static inline long skills_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
static inline int skills_BIO_set_mem_eof_return(BIO *bio, int value) { return (int)BIO_set_mem_eof_return(bio, value); }

static inline const int skills_TLS1_2_VERSION(void) { return TLS1_2_VERSION; }
static inline const int skills_TLS1_3_VERSION(void) { return TLS1_3_VERSION; }
static inline long skills_SSL_MODE_RELEASE_BUFFERS(void) { return SSL_MODE_RELEASE_BUFFERS; }
static inline long skills_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER(void) { return SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER; }
static inline long skills_SSL_MODE_ENABLE_PARTIAL_WRITE(void) { return SSL_MODE_ENABLE_PARTIAL_WRITE; }
static inline uint64_t skills_SSL_OP_NO_COMPRESSION(void) { return SSL_OP_NO_COMPRESSION; }
static inline uint64_t skills_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
static inline uint64_t skills_SSL_OP_CIPHER_SERVER_PREFERENCE(void) { return SSL_OP_CIPHER_SERVER_PREFERENCE; }
static inline long skills_SSL_SESS_CACHE_SERVER(void) { return SSL_SESS_CACHE_SERVER; }

/* Subject alternative names: the DNS names and URIs of a certificate, via a callback so that the
 * sk_GENERAL_NAME_* macros stay in C. */
typedef void (*skills_san_callback)(void *context, int type, const unsigned char *data, int length);
static inline void skills_X509_each_san(X509 *cert, void *context, skills_san_callback callback) {
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    if (names == NULL) return;
    int count = sk_GENERAL_NAME_num(names);
    for (int i = 0; i < count; i++) {
        const GENERAL_NAME *name = sk_GENERAL_NAME_value(names, i);
        if (name->type == GEN_DNS || name->type == GEN_URI || name->type == GEN_EMAIL) {
            const ASN1_IA5STRING *s = name->d.ia5;
            callback(context, name->type, ASN1_STRING_get0_data(s), ASN1_STRING_length(s));
        } else if (name->type == GEN_IPADD) {
            callback(context, name->type, ASN1_STRING_get0_data(name->d.iPAddress), ASN1_STRING_length(name->d.iPAddress));
        }
    }
    GENERAL_NAMES_free(names);
}
static inline int skills_GEN_DNS(void) { return GEN_DNS; }
static inline int skills_GEN_URI(void) { return GEN_URI; }

/* Every value of a subject entry (CN, OU, O) as UTF-8, via a callback. */
typedef void (*skills_name_callback)(void *context, const unsigned char *utf8, int length);
static inline void skills_X509_each_subject_entry(X509 *cert, int nid, void *context, skills_name_callback callback) {
    X509_NAME *subject = X509_get_subject_name(cert);
    if (subject == NULL) return;
    int index = -1;
    while ((index = X509_NAME_get_index_by_NID(subject, nid, index)) >= 0) {
        X509_NAME_ENTRY *entry = X509_NAME_get_entry(subject, index);
        unsigned char *utf8 = NULL;
        int length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
        if (length >= 0) {
            callback(context, utf8, length);
            OPENSSL_free(utf8);
        }
    }
}

/* A server ALPN callback that accepts only "h2". It points the answer into the client's list,
 * so it needs no global state. */
static inline int skills_alpn_select_h2(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                                        const unsigned char *in, unsigned int inlen, void *arg) {
    (void)ssl; (void)arg;
    unsigned int i = 0;
    while (i < inlen) {
        unsigned int length = in[i];
        if (i + 1 + length > inlen) break;
        if (length == 2 && in[i + 1] == 'h' && in[i + 2] == '2') {
            *out = in + i + 1;
            *outlen = 2;
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + length;
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}
static inline void skills_SSL_CTX_require_h2(SSL_CTX *ctx) {
    SSL_CTX_set_alpn_select_cb(ctx, skills_alpn_select_h2, NULL);
}

/* The text of the oldest queued OpenSSL error (and clears the queue). */
static inline unsigned long skills_ERR_get_error_string(char *buffer, size_t length) {
    unsigned long code = ERR_get_error();
    if (code != 0) ERR_error_string_n(code, buffer, length);
    else if (length > 0) buffer[0] = 0;
    ERR_clear_error();
    return code;
}
#endif
