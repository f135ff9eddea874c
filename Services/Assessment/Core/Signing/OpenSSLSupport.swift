import COpenSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failure of the certificate-signing machinery: OpenSSL, the key file, or the random source.
public enum SigningError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An OpenSSL call failed; `detail` is OpenSSL's oldest queued error.
    case openssl(operation: String, detail: String)
    /// A key of another algorithm than Ed25519 was given.
    case wrongKeyType(String)
    /// A system call on a key file failed.
    case io(path: String, operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .openssl(let operation, let detail):
            return "OpenSSL \(operation) failed: \(detail.isEmpty ? "no error queued" : detail)"
        case .wrongKeyType(let what):
            return "not an Ed25519 key: \(what)"
        case .io(let path, let operation, let code):
            return "\(operation) \(path): \(String(cString: strerror(code)))"
        }
    }
}

/// Small helpers over libcrypto shared by the signer, the verifier and the number generator.
enum LibCrypto {
    /// The oldest queued OpenSSL error as text; clears this thread's error queue, so a failure here
    /// never leaks into a later `SSL_get_error` on the same thread.
    static func takeError() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let text = buffer.withUnsafeMutableBufferPointer { pointer -> String in
            _ = skills_ERR_get_error_string(pointer.baseAddress, pointer.count)
            return String(cString: pointer.baseAddress!)
        }
        ERR_clear_error()
        return text
    }

    static func failure(_ operation: String) -> SigningError {
        .openssl(operation: operation, detail: takeError())
    }

    /// Everything written to a memory BIO so far.
    static func contents(of bio: OpaquePointer) -> [UInt8] {
        var data: UnsafeMutablePointer<CChar>? = nil
        let length = skills_BIO_get_mem_data(bio, &data)
        guard length > 0, let data else { return [] }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// A read-only memory BIO over `bytes`, valid inside `body`.
    static func withReadBIO<R>(_ bytes: [UInt8], _ body: (OpaquePointer) throws(SigningError) -> R) throws(SigningError)
        -> R
    {
        let result: Result<R, SigningError> = bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else {
                return .failure(failure("BIO_new_mem_buf"))
            }
            defer { BIO_free(bio) }
            do throws(SigningError) { return .success(try body(bio)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Writes with `write` into a fresh memory BIO and returns the bytes.
    static func writeBIO(_ operation: String, _ write: (OpaquePointer) -> Int32) throws(SigningError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw failure("BIO_new") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw failure(operation) }
        return contents(of: bio)
    }

    /// The SubjectPublicKeyInfo DER encoding of a key's public half.
    static func publicKeyDER(_ key: OpaquePointer) throws(SigningError) -> [UInt8] {
        let length = i2d_PUBKEY(key, nil)
        guard length > 0 else { throw failure("i2d_PUBKEY") }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_PUBKEY(key, &cursor)
        }
        guard written == length else { throw failure("i2d_PUBKEY") }
        return der
    }

    /// The SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----") of a key's public half.
    static func publicKeyPEM(_ key: OpaquePointer) throws(SigningError) -> String {
        let bytes = try writeBIO("PEM_write_bio_PUBKEY") { PEM_write_bio_PUBKEY($0, key) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { raw in
            digest.withUnsafeMutableBufferPointer { out in
                EVP_Digest(raw.baseAddress, raw.count, out.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        precondition(ok == 1 && length == 32, "SHA-256 failed: \(takeError())")
        return Array(digest.prefix(Int(length)))
    }

    /// The key id the service publishes: the first 16 hex digits (64 bits) of SHA-256 over the
    /// SubjectPublicKeyInfo DER. Reproducible anywhere: `sha256(spki_der).hexdigest()[:16]`.
    static func keyID(publicKeyDER der: [UInt8]) -> String {
        let hex: [Character] = Array("0123456789abcdef")
        var text = ""
        for byte in sha256(der).prefix(8) {
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        return text
    }

    /// Fails unless `key` is an Ed25519 key.
    static func requireEd25519(_ key: OpaquePointer, _ what: String) throws(SigningError) {
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 else { throw .wrongKeyType(what) }
    }

    /// Cryptographically strong random bytes from OpenSSL's DRBG.
    static func randomBytes(_ count: Int) throws(SigningError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let ok = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        guard ok == 1 else { throw failure("RAND_bytes") }
        return bytes
    }
}

/// Whole-file reads and no-clobber writes for key files.
enum KeyFile {
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func load(_ path: String) throws(SigningError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "read", errno: errno)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk.prefix(count))
            if bytes.count > 1 << 20 { throw .io(path: path, operation: "read (file too large)", errno: EFBIG) }
        }
        return bytes
    }

    /// Writes `bytes` to `path` with mode 0600 unless `path` already exists. The bytes go to a
    /// temporary file in the same directory, are synced, and are then hard-linked to `path`, so a
    /// reader never sees a half-written key and two processes racing to create it agree on one.
    /// Returns false if `path` already existed (nothing was written).
    static func createExclusive(_ path: String, _ bytes: [UInt8]) throws(SigningError) -> Bool {
        let temporary = "\(path).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(path: temporary, operation: "create", errno: errno) }
        defer { unlink(temporary) }
        var closed = false
        defer { if !closed { close(fd) } }
        guard fchmod(fd, 0o600) == 0 else { throw .io(path: temporary, operation: "chmod", errno: errno) }
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: temporary, operation: "write", errno: errno)
            }
            offset += count
        }
        guard fsync(fd) == 0 else { throw .io(path: temporary, operation: "fsync", errno: errno) }
        closed = true
        guard close(fd) == 0 else { throw .io(path: temporary, operation: "close", errno: errno) }
        if link(temporary, path) != 0 {
            if errno == EEXIST { return false }
            throw .io(path: path, operation: "link", errno: errno)
        }
        return true
    }
}
