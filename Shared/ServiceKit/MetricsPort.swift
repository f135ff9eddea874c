import ArgumentParser

/// Where a service serves Prometheus `/metrics` and `/healthz`: a port of its own, or nowhere.
/// Unset, it is the gRPC port + 2000.
public enum MetricsPort: Sendable, Equatable, ExpressibleByArgument, CustomStringConvertible {
    case off
    case port(Int)

    /// `off`, or a port number from 1 to 65535.
    public init?(argument: String) {
        if argument.lowercased() == "off" {
            self = .off
        } else if let number = Int(argument), ListenPort.valid.contains(number) {
            self = .port(number)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .off: return "off"
        case .port(let number): return "\(number)"
        }
    }
}

/// The ports a service may listen on.
public enum ListenPort {
    public static let valid = 1...65535
}
