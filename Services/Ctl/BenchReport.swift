import Foundation
import Workload

/// The figures of a `skillsctl bench` run: iterations per second, and per method the calls per
/// second and latency percentiles (milliseconds), as a table or as one JSON object.
struct BenchReport {
    let scenario: BenchScenarioName
    let concurrency: Int
    let connections: Int
    let elapsed: Duration
    let iterations: Int64
    let failedIterations: Int64
    let methods: [String: CallMetrics.MethodFigures]
    let firstError: String?

    var seconds: Double { Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18 }

    static func milliseconds(_ microseconds: Int64) -> Double { (Double(microseconds) / 10).rounded() / 100 }

    var text: String {
        var lines = [
            "bench \(scenario.rawValue): \(iterations) \(scenario.unit) in \(String(format: "%.1f", seconds)) s = "
                + "\(String(format: "%.1f", Double(iterations) / max(seconds, 0.001))) \(scenario.unit)/s "
                + "(concurrency \(concurrency), \(connections) connections per service, failed \(failedIterations))",
            "method".rightPadded(40) + "calls".leftPadded(8) + "calls/s".leftPadded(10) + "p50 ms".leftPadded(9)
                + "p90 ms".leftPadded(9) + "p99 ms".leftPadded(9) + "max ms".leftPadded(9) + "failed".leftPadded(8),
        ]
        for (method, figures) in methods.sorted(by: { $0.key < $1.key }) {
            let h = figures.latency
            let cells =
                [String(h.count), String(format: "%.1f", Double(h.count) / max(seconds, 0.001))]
                + [h.percentile(50), h.percentile(90), h.percentile(99), h.maxMicroseconds].map {
                    String(format: "%.2f", Self.milliseconds($0))
                }
            lines.append(
                method.rightPadded(40) + cells[0].leftPadded(8) + cells[1].leftPadded(10)
                    + cells[2...].map { $0.leftPadded(9) }.joined() + String(figures.failures).leftPadded(8))
        }
        if let firstError { lines.append("first error: \(firstError)") }
        return lines.joined(separator: "\n")
    }

    /// One JSON object: scenario, settings, iterations and per-method figures (latencies in ms).
    var json: String {
        var perMethod: [String: Any] = [:]
        for (method, figures) in methods {
            let h = figures.latency
            perMethod[method] =
                [
                    "calls": h.count, "calls_per_s": Double(h.count) / max(seconds, 0.001),
                    "failures": figures.failures,
                    "p50_ms": Self.milliseconds(h.percentile(50)), "p90_ms": Self.milliseconds(h.percentile(90)),
                    "p99_ms": Self.milliseconds(h.percentile(99)), "max_ms": Self.milliseconds(h.maxMicroseconds),
                    "mean_ms": Self.milliseconds(h.meanMicroseconds),
                ] as [String: Any]
        }
        var object: [String: Any] = [
            "scenario": scenario.rawValue, "unit": scenario.unit, "duration_s": seconds, "concurrency": concurrency,
            "connections": connections, "iterations": iterations,
            "iterations_per_s": Double(iterations) / max(seconds, 0.001),
            "failed_iterations": failedIterations, "methods": perMethod,
        ]
        if let firstError { object["first_error"] = firstError }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
