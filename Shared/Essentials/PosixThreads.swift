// Threads, a condition lock and whitespace trimming without Foundation. Foundation's `Thread` and
// `NSCondition` (and `trimmingCharacters(in:)`) are not in FoundationEssentials; using them would
// load libFoundation, FoundationInternationalization and ICU into every service: ~10 MiB of
// resident memory for three calls (Benchmarks/README.md, "Memory").

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Starts detached POSIX threads (what `Foundation.Thread { }.start()` did).
public enum PosixThread {
    /// Runs `body` on a new detached thread named `name` (the kernel keeps the first 15 bytes).
    /// Ends the process if the system cannot create a thread, as `Thread.start()` does.
    public static func detach(name: String, _ body: @escaping @Sendable () -> Void) {
        let argument = Unmanaged.passRetained(Box(name: name, body: body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        #if canImport(Darwin)
            var thread: pthread_t? = nil
        #else
            var thread = pthread_t()
        #endif
        let result = pthread_create(&thread, &attributes, start, argument)
        guard result == 0 else {
            Unmanaged<Box>.fromOpaque(argument).release()
            fatalError("pthread_create failed for thread \(name): error \(result)")
        }
    }

    private static let start: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { argument in
        guard let argument else { return nil }
        let box = Unmanaged<Box>.fromOpaque(argument).takeRetainedValue()
        nameCurrentThread(box.name)
        box.body()
        return nil
    }

    /// Names the calling thread (as `top -H`, `perf` and gdb show it). Glibc's module lacks
    /// `pthread_setname_np` (it needs _GNU_SOURCE), so on Linux the name goes to the thread's `comm`.
    private static func nameCurrentThread(_ name: String) {
        #if canImport(Darwin)
            pthread_setname_np(name)
        #else
            let fd = open("/proc/thread-self/comm", O_WRONLY)
            guard fd >= 0 else { return }
            defer { close(fd) }
            let bytes = Array(name.utf8.prefix(15))
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        #endif
    }

    private final class Box {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }
}

/// A mutex with one condition variable: the subset of `NSCondition` the platform uses.
public final class PosixCondition: @unchecked Sendable {
    // @unchecked Sendable: the pthread objects are made for use from several threads; they live in
    // heap memory of their own (never moved) from `init` to `deinit`.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>

    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        cond = .allocate(capacity: 1)
        cond.initialize(to: pthread_cond_t())
        precondition(pthread_mutex_init(mutex, nil) == 0 && pthread_cond_init(cond, nil) == 0)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }
    /// Unlocks, waits for `signal` or `broadcast` (or a spurious wake-up: loop on the predicate),
    /// and locks again.
    public func wait() { pthread_cond_wait(cond, mutex) }
    public func signal() { pthread_cond_signal(cond) }
    public func broadcast() { pthread_cond_broadcast(cond) }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs: what Foundation's
    /// `trimmingCharacters(in: .whitespaces)` returns (Unicode category Zs and U+0009).
    public func trimmingHorizontalWhitespace() -> String {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator
        }
        let scalars = String(self).unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(scalars[first...last])
    }
}
