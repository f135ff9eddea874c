import COpenSSL
import NIOCore
import Schema

/// Sent up the pipeline once the TLS handshake has completed and the peer is verified.
public struct TLSHandshakeCompleted: Sendable {
    /// The negotiated application protocol (always `h2`: other peers are refused).
    public let applicationProtocol: String
    /// The verified peer certificate's identity (`.anonymous` when the peer sent none).
    public let peer: PeerIdentity
}

/// Runs OpenSSL over memory BIOs inside a SwiftNIO pipeline, on the server or the client side.
///
/// Inbound ciphertext is written into the read BIO and decrypted with `SSL_read`; outbound
/// plaintext is gathered until `flush` and encrypted with one `SSL_write`, so that the HEADERS,
/// DATA and trailers of a response leave as one TLS record. The write BIO is drained after every
/// OpenSSL call, so alerts, session tickets and `close_notify` always reach the peer.
public final class OpenSSLHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private enum State {
        case idle
        case handshaking
        case active
        case closing
        case closed
    }

    private let ssl: OpaquePointer
    private let readBIO: OpaquePointer
    private let writeBIO: OpaquePointer
    private let isServer: Bool
    private var state: State = .idle
    private var pendingPlaintext: ByteBuffer?
    private var pendingPromises: [EventLoopPromise<Void>] = []
    private var flushRequested = false
    private var readScratch = ByteBuffer()
    private var didFireRead = false

    /// - Parameters:
    ///   - context: the endpoint's OpenSSL context.
    ///   - serverHostname: clients only: the name the server certificate must carry (DNS name or IP).
    public init(context: OpenSSLContext, serverHostname: String? = nil) throws(TLSError) {
        guard let ssl = SSL_new(context.pointer) else { throw OpenSSLContext.error(.configuration, "SSL_new failed") }
        guard let rbio = BIO_new(BIO_s_mem()), let wbio = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw OpenSSLContext.error(.configuration, "BIO_new failed")
        }
        // An empty read BIO means "wait for more", not end of file.
        _ = skills_BIO_set_mem_eof_return(rbio, -1)
        _ = skills_BIO_set_mem_eof_return(wbio, -1)
        SSL_set_bio(ssl, rbio, wbio)
        self.ssl = ssl
        self.readBIO = rbio
        self.writeBIO = wbio
        self.isServer = context.role == .server
        if isServer {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            if let host = serverHostname {
                if host.allSatisfy({ $0.isNumber || $0 == "." || $0 == ":" }) {
                    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
                } else {
                    _ = skills_SSL_set_tlsext_host_name(ssl, host)
                    SSL_set1_host(ssl, host)
                }
            }
        }
    }

    deinit { SSL_free(ssl) }

    // MARK: Lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        readScratch = context.channel.allocator.buffer(capacity: 16 * 1024)
        if context.channel.isActive { startHandshake(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        startHandshake(context: context)
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        let wasHandshaking = state == .handshaking || state == .idle
        state = .closed
        failPendingWrites(ChannelError.ioOnClosedChannel)
        if wasHandshaking && !isServer {
            context.fireErrorCaught(TLSError(kind: .handshake, message: "connection closed during the TLS handshake"))
        }
        context.fireChannelInactive()
    }

    private func startHandshake(context: ChannelHandlerContext) {
        guard state == .idle else { return }
        state = .handshaking
        if !isServer { continueHandshake(context: context) }
    }

    // MARK: Inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard state != .closed else { return }
        buffer.withUnsafeReadableBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let written = BIO_write(readBIO, base + offset, Int32(raw.count - offset))
                if written <= 0 { break }
                offset += Int(written)
            }
        }
        buffer.moveReaderIndex(to: buffer.writerIndex)
        if state == .handshaking {
            continueHandshake(context: context)
        }
        if state == .active || state == .closing {
            readApplicationData(context: context)
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        if didFireRead {
            didFireRead = false
            context.fireChannelReadComplete()
        }
    }

    private func continueHandshake(context: ChannelHandlerContext) {
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            drainWriteBIO(context: context, flush: true)
            handshakeCompleted(context: context)
            return
        }
        let error = SSL_get_error(ssl, result)
        drainWriteBIO(context: context, flush: true)
        if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { return }
        fail(context: context, OpenSSLContext.error(.handshake, "TLS handshake failed"))
    }

    private func handshakeCompleted(context: ChannelHandlerContext) {
        var protocolPointer: UnsafePointer<UInt8>?
        var protocolLength: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &protocolPointer, &protocolLength)
        let alpn =
            protocolPointer.map {
                String(decoding: UnsafeBufferPointer(start: $0, count: Int(protocolLength)), as: UTF8.self)
            } ?? ""
        guard alpn == "h2" else {
            fail(
                context: context,
                TLSError(
                    kind: .noApplicationProtocol,
                    message:
                        "peer \(context.remoteAddress?.description ?? "?") did not negotiate ALPN h2 (got '\(alpn)'); gRPC needs HTTP/2"
                ))
            return
        }
        let peer = PeerIdentity.from(ssl: ssl)
        state = .active
        context.fireUserInboundEventTriggered(TLSHandshakeCompleted(applicationProtocol: alpn, peer: peer))
        if flushRequested { writePending(context: context) }
    }

    private func readApplicationData(context: ChannelHandlerContext) {
        while true {
            readScratch.clear(minimumCapacity: 16 * 1024)
            var result: Int32 = 0
            readScratch.writeWithUnsafeMutableBytes(minimumWritableBytes: 16 * 1024) { out in
                result = SSL_read(ssl, out.baseAddress, Int32(out.count))
                return result > 0 ? Int(result) : 0
            }
            if result > 0 {
                didFireRead = true
                context.fireChannelRead(wrapInboundOut(readScratch))
                // The next read must not share storage with the buffer just handed on.
                readScratch = context.channel.allocator.buffer(capacity: 16 * 1024)
                continue
            }
            let error = SSL_get_error(ssl, result)
            drainWriteBIO(context: context, flush: true)
            switch error {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return
            case SSL_ERROR_ZERO_RETURN:
                // The peer sent close_notify.
                context.close(promise: nil)
                return
            default:
                fail(context: context, OpenSSLContext.error(.io, "TLS read failed"))
                return
            }
        }
    }

    // MARK: Outbound

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var buffer = unwrapOutboundIn(data)
        guard state != .closed && state != .closing else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if var pending = pendingPlaintext {
            pendingPlaintext = nil  // keeps the storage uniquely referenced while appending
            pending.writeBuffer(&buffer)
            pendingPlaintext = pending
        } else {
            pendingPlaintext = buffer
        }
        if let promise { pendingPromises.append(promise) }
    }

    public func flush(context: ChannelHandlerContext) {
        flushRequested = true
        if state == .active { writePending(context: context) }
    }

    private func writePending(context: ChannelHandlerContext) {
        flushRequested = false
        guard let plaintext = pendingPlaintext else {
            context.flush()
            return
        }
        pendingPlaintext = nil
        let promises = pendingPromises
        pendingPromises.removeAll(keepingCapacity: true)
        var failed = false
        plaintext.withUnsafeReadableBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let written = SSL_write(ssl, base + offset, Int32(raw.count - offset))
                if written <= 0 {
                    failed = true
                    break
                }
                offset += Int(written)
            }
        }
        if failed {
            let error = OpenSSLContext.error(.io, "TLS write failed")
            promises.forEach { $0.fail(error) }
            fail(context: context, error)
            return
        }
        let promise: EventLoopPromise<Void>? = promises.isEmpty ? nil : context.eventLoop.makePromise()
        if let promise {
            promise.futureResult.whenComplete { result in
                for pending in promises {
                    switch result {
                    case .success: pending.succeed()
                    case .failure(let error): pending.fail(error)
                    }
                }
            }
        }
        drainWriteBIO(context: context, flush: true, promise: promise)
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        switch state {
        case .active:
            state = .closing
            if pendingPlaintext != nil { writePending(context: context) }
            SSL_shutdown(ssl)
            drainWriteBIO(context: context, flush: true)
            context.close(mode: mode, promise: promise)
        default:
            context.close(mode: mode, promise: promise)
        }
    }

    /// Moves everything OpenSSL produced into one outbound buffer.
    private func drainWriteBIO(context: ChannelHandlerContext, flush: Bool, promise: EventLoopPromise<Void>? = nil) {
        let pending = skills_BIO_pending(writeBIO)
        guard pending > 0 else {
            promise?.succeed()
            return
        }
        var out = context.channel.allocator.buffer(capacity: pending)
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { raw in
            let read = BIO_read(writeBIO, raw.baseAddress, Int32(pending))
            return read > 0 ? Int(read) : 0
        }
        context.write(wrapOutboundOut(out), promise: promise)
        if flush { context.flush() }
    }

    private func failPendingWrites(_ error: any Error) {
        pendingPlaintext = nil
        let promises = pendingPromises
        pendingPromises.removeAll()
        promises.forEach { $0.fail(error) }
    }

    private func fail(context: ChannelHandlerContext, _ error: TLSError) {
        guard state != .closed else { return }
        state = .closed
        failPendingWrites(error)
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }
}

extension PeerIdentity {
    /// The identity in the peer's verified certificate.
    static func from(ssl: OpaquePointer) -> PeerIdentity {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return .anonymous }
        defer { X509_free(certificate) }
        var identity = PeerIdentity()
        identity.commonName = subjectEntries(certificate, NID_commonName).first ?? ""
        identity.organizationalUnits = subjectEntries(certificate, NID_organizationalUnitName)
        identity.organization = subjectEntries(certificate, NID_organizationName).first ?? ""
        var names: [(Int32, String)] = []
        withUnsafeMutablePointer(to: &names) { pointer in
            skills_X509_each_san(certificate, pointer) { context, type, data, length in
                guard let context, let data else { return }
                let list = context.assumingMemoryBound(to: [(Int32, String)].self)
                list.pointee.append(
                    (type, String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)))
            }
        }
        identity.dnsNames = names.filter { $0.0 == skills_GEN_DNS() }.map(\.1)
        identity.uris = names.filter { $0.0 == skills_GEN_URI() }.map(\.1)
        return identity
    }

    private static func subjectEntries(_ certificate: OpaquePointer, _ nid: Int32) -> [String] {
        var values: [String] = []
        withUnsafeMutablePointer(to: &values) { pointer in
            skills_X509_each_subject_entry(certificate, nid, pointer) { context, utf8, length in
                guard let context, let utf8 else { return }
                let list = context.assumingMemoryBound(to: [String].self)
                list.pointee.append(
                    String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self))
            }
        }
        return values
    }
}
