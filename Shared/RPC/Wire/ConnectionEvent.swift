import NIOHTTP2

/// The user events a connection's handlers act on (`userInboundEventTriggered`), told apart by the
/// event's exact type.
///
/// `event as? T` on an `Any` asks the Swift runtime's general cast, which for a type that does not
/// match goes on to look through protocol conformances and wrappers; three handlers each trying
/// two or three types on every event (several per call: a stream opened, closed, a window
/// updated) made that ~2% of a replay's instructions (callgrind). Comparing the dynamic type
/// first leaves the runtime only casts that match, its fast path.
enum ConnectionEvent {
    case streamCreated(NIOHTTP2StreamCreatedEvent)
    case streamClosed(StreamClosedEvent)
    case windowUpdated(NIOHTTP2WindowUpdatedEvent)
    /// `GRPCServer` is shutting down: stop taking streams.
    case gracefulShutdown
    /// An event none of these handlers acts on.
    case other

    init(_ event: Any) {
        let type = type(of: event)
        if type == StreamClosedEvent.self, let closed = event as? StreamClosedEvent {
            self = .streamClosed(closed)
        } else if type == NIOHTTP2WindowUpdatedEvent.self, let window = event as? NIOHTTP2WindowUpdatedEvent {
            self = .windowUpdated(window)
        } else if type == NIOHTTP2StreamCreatedEvent.self, let created = event as? NIOHTTP2StreamCreatedEvent {
            self = .streamCreated(created)
        } else if type == GracefulShutdownEvent.self {
            self = .gracefulShutdown
        } else {
            self = .other
        }
    }
}
