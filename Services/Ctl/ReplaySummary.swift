import Workload

/// The figures of a replay, as text (standard output) and Markdown (`--report-file`).
struct ReplaySummary {
    let trainings: Int
    let seed: UInt64
    let concurrency: Int
    let connections: Int
    let database: String
    let businessDates: Bool
    let wall: Duration
    let journeys: Duration
    let metrics: [String: CallMetrics.MethodFigures]
    let peaks: [(name: String, kiB: Int, starts: Int)]
    let cpu: [(name: String, seconds: Double)]
    let kills: Int
    let faults: Double
    let reconciliation: Reconciliation.Report?

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
    static func fixed(_ value: Double, _ digits: Int = 1) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = String(rounded)
        if let dot = text.firstIndex(of: ".") {
            let decimals = text.distance(from: dot, to: text.endIndex) - 1
            if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
        } else if digits > 0 {
            text += "." + String(repeating: "0", count: digits)
        }
        return text
    }
    static func ms(_ microseconds: Int64) -> String { fixed(Double(microseconds) / 1000, 1) }

    var rows: [(method: String, f: CallMetrics.MethodFigures)] {
        metrics.keys.sorted().compactMap { key in metrics[key].map { (key, $0) } }
    }
    var totalCalls: Int64 { metrics.values.reduce(0) { $0 + $1.latency.count } }
    var wallSeconds: Double { Self.seconds(wall) }
    var journeySeconds: Double { max(0.001, Self.seconds(journeys)) }
    var all: LatencyHistogram { metrics.values.reduce(into: LatencyHistogram()) { $0.merge($1.latency) } }

    var text: String {
        var lines: [String] = []
        lines.append(
            "replay: \(trainings) trainings, seed \(seed), concurrency \(concurrency), \(connections) connections/service, \(database)"
                + ", business dates \(businessDates ? "on" : "off")"
                + (faults > 0 ? ", faults every ~\(Self.fixed(faults)) s (\(kills) SIGKILLs)" : ""))
        lines.append(
            "wall time \(Self.fixed(wallSeconds)) s (setup + journeys \(Self.fixed(journeySeconds)) s); "
                + "\(Self.fixed(Double(trainings) / wallSeconds)) trainings/s; \(Self.fixed(Double(totalCalls) / journeySeconds, 0)) calls/s; "
                + "all calls p50 \(Self.ms(all.percentile(50))) ms, p99 \(Self.ms(all.percentile(99))) ms")
        lines.append(
            "method".rightPadded(42) + "calls".leftPadded(9) + "calls/s".leftPadded(9) + "p50 ms".leftPadded(9)
                + "p90 ms".leftPadded(9) + "p99 ms".leftPadded(9) + "max ms".leftPadded(10) + "retries".leftPadded(9)
                + "failed".leftPadded(8))
        for (method, f) in rows {
            let h = f.latency
            lines.append(
                method.rightPadded(42) + String(h.count).leftPadded(9)
                    + Self.fixed(Double(h.count) / journeySeconds, 1).leftPadded(9)
                    + Self.ms(h.percentile(50)).leftPadded(9)
                    + Self.ms(h.percentile(90)).leftPadded(9) + Self.ms(h.percentile(99)).leftPadded(9)
                    + Self.ms(h.maxMicroseconds).leftPadded(10) + String(f.retries).leftPadded(9)
                    + String(f.failures).leftPadded(8))
        }
        if !peaks.isEmpty {
            lines.append(
                "peak RSS (VmHWM): "
                    + peaks.map { "\($0.name) \($0.kiB / 1024) MiB" + ($0.starts > 1 ? " (\($0.starts) starts)" : "") }
                    .joined(separator: ", "))
        }
        if cpu.count > 1 {
            lines.append(
                "CPU seconds (user+system): "
                    + cpu.map { "\($0.name) \(Self.fixed($0.seconds))" }.joined(separator: ", ")
                    + "; per training: "
                    + cpu.map { "\($0.name) \(Self.fixed($0.seconds * 1e6 / Double(max(1, trainings)), 0)) µs" }.joined(
                        separator: ", "))
        }
        lines.append(reconciliation?.summary ?? "reconciliation: not run")
        return lines.joined(separator: "\n")
    }

    var markdown: String {
        var lines: [String] = []
        lines.append("# skillsctl replay: \(trainings) trainings, \(database)\n")
        lines.append(
            "seed \(seed), concurrency \(concurrency), \(connections) connections/service, business dates \(businessDates ? "on" : "off")"
                + (faults > 0 ? ", faults every ~\(Self.fixed(faults)) s (\(kills) SIGKILLs)" : "") + "\n")
        lines.append("| wall time | trainings/s | calls/s | p50 | p99 | peak RSS (MiB) |")
        lines.append("| ---: | ---: | ---: | ---: | ---: | --- |")
        lines.append(
            "| \(Self.fixed(wallSeconds)) s | \(Self.fixed(Double(trainings) / wallSeconds)) | \(Self.fixed(Double(totalCalls) / journeySeconds, 0)) "
                + "| \(Self.ms(all.percentile(50))) ms | \(Self.ms(all.percentile(99))) ms | "
                + peaks.map { "\($0.name) \($0.kiB / 1024)" }.joined(separator: ", ") + " |\n")
        lines.append("| method | calls | calls/s | p50 ms | p90 ms | p99 ms | max ms | retries |")
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for (method, f) in rows {
            let h = f.latency
            lines.append(
                "| \(method) | \(h.count) | \(Self.fixed(Double(h.count) / journeySeconds)) | \(Self.ms(h.percentile(50))) "
                    + "| \(Self.ms(h.percentile(90))) | \(Self.ms(h.percentile(99))) | \(Self.ms(h.maxMicroseconds)) | \(f.retries) |"
            )
        }
        if cpu.count > 1 {
            lines.append(
                "\nCPU seconds (user+system): "
                    + cpu.map { "\($0.name) \(Self.fixed($0.seconds))" }.joined(separator: ", "))
        }
        lines.append("\n" + (reconciliation?.summary ?? "reconciliation: not run") + "\n")
        return lines.joined(separator: "\n")
    }
}
