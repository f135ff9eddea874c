import COpenSSL

// SHA-256 for the policy file's fingerprint (PolicyFileCheck), from the OpenSSL libcrypto the product
// already links: hashing does no I/O, so Policy stays pure.

/// SHA-256 of a byte sequence, as lowercase hex.
public func sha256Hex(_ message: some Collection<UInt8>) -> String {
    let bytes = Array(message)
    var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var length: UInt32 = 0
    let ok = bytes.withUnsafeBytes { raw in
        digest.withUnsafeMutableBufferPointer { out in
            EVP_Digest(raw.baseAddress, raw.count, out.baseAddress, &length, EVP_sha256(), nil)
        }
    }
    // EVP_Digest with SHA-256 fails only when libcrypto cannot allocate; nothing from input reaches it.
    precondition(ok == 1 && length == 32, "SHA-256 failed in libcrypto")
    let hex = Array("0123456789abcdef".utf8)
    var text = [UInt8]()
    text.reserveCapacity(64)
    for byte in digest.prefix(32) {
        text.append(hex[Int(byte >> 4)])
        text.append(hex[Int(byte & 0x0f)])
    }
    return String(decoding: text, as: UTF8.self)
}
