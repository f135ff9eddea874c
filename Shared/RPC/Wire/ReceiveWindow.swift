import NIOHTTP2

/// How a connection keeps its peer's send windows open (RFC 9113 section 6.9), on the client and
/// the server alike.
///
/// Messages are read as they arrive (a call's buffered bytes are bounded by the message size limit),
/// so a window is topped up to its target as soon as NIOHTTP2Handler reports it at or below half of
/// it, as swift-nio-http2's stream multiplexer does.
enum ReceiveWindow {
    /// The connection's target (RFC 9113 starts it at 65,535 bytes; SETTINGS cannot change it).
    static let connectionTarget = 8 << 20
    /// Each stream's target, announced in SETTINGS as the initial window size.
    static let streamTarget = 1 << 20

    /// The WINDOW_UPDATE that answers `event`, if its window needs one. `streamWantsData`: whether
    /// the stream the event names still expects DATA (not asked for the connection's window).
    static func update(for event: NIOHTTP2WindowUpdatedEvent, streamWantsData: () -> Bool) -> HTTP2Frame? {
        guard let window = event.inboundWindowSize else { return nil }
        let target: Int
        if event.streamID == .rootStream {
            target = connectionTarget
        } else {
            guard streamWantsData() else { return nil }
            target = streamTarget
        }
        guard let increment = increment(window: window, target: target) else { return nil }
        return HTTP2Frame(streamID: event.streamID, payload: .windowUpdate(windowSizeIncrement: increment))
    }

    /// How much to open a window of `window` bytes towards `target`: nothing while it is above half
    /// the target, and never past the largest window HTTP/2 allows.
    static func increment(window: Int, target: Int) -> Int? {
        guard window < target else { return nil }
        if window >= 0 {
            let increment = target - window
            return increment >= window ? increment : nil
        }
        return min(target - window, Int(Int32.max))
    }
}
