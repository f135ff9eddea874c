import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The demo's progress on standard error: a bar redrawn in place on a terminal, one plain line
/// per step otherwise (logs, `make run` piped into a file, tests).
final class DemoProgress: Sendable {
    private let total: Int
    private let done = Mutex(0)
    private let terminal = isatty(2) == 1

    init(steps: Int) { total = max(1, steps) }

    func step(_ text: String) {
        let count = done.withLock { value -> Int in
            value += 1
            return value
        }
        guard terminal else {
            FileHandleOutput.line("demo: \(text)")
            return
        }
        let width = 30
        let filled = min(width, count * width / total)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let columns = 100
        let shown = text.count > columns - 42 ? String(text.prefix(columns - 45)) + "..." : text
        FileHandleOutput.raw("\r[\(bar)] \(min(count, total))/\(total) \(shown)\u{1B}[K")
    }

    /// Ends the bar's line (on a terminal) before the summary is printed.
    func finish() {
        if terminal { FileHandleOutput.raw("\r\u{1B}[K") }
    }
}
