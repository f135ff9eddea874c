// schema-bench: encode / decode / round trip of a realistic Enrollment and Claim with our `Schema`
// module (protobuf-c underneath) against swift-protobuf 1.39.0, same values, same run.
//
//   schema-bench [--seconds S] [--rounds N] [--warmup S]
//
// For every (message, operation) the two libraries are measured alternately (ours, swift-protobuf,
// ours, ... : N rounds each of S/N seconds, after a warm-up of each), and the median round's ns/op is
// reported. Prints a Markdown table on stdout; progress goes to stderr.
import Foundation

// MARK: options

var seconds = 2.0, rounds = 5, warmup = 0.5
do {
    var args = CommandLine.arguments.dropFirst()
    while let arg = args.popFirst() {
        func value() -> String {
            guard let v = args.popFirst() else { fatalError("\(arg) needs a value") }
            return v
        }
        switch arg {
        case "--seconds": seconds = Double(value())!
        case "--rounds": rounds = Int(value())!
        case "--warmup": warmup = Double(value())!
        case "-h", "--help":
            print("usage: schema-bench [--seconds S (2)] [--rounds N (5)] [--warmup S (0.5)]")
            exit(0)
        default: fatalError("unknown argument \(arg)")
        }
    }
}

func log(_ s: String) { FileHandle.standardError.write((s + "\n").data(using: .utf8)!) }
func fail(_ s: String) -> Never {
    log("FAIL: \(s)")
    exit(1)
}

// MARK: black hole

/// Consumes a value so that the optimiser cannot drop the work producing it.
@inline(never) @_optimize(none)
func blackHole<T>(_ value: T) {}

// MARK: the messages, and the cross-library check

let oursEnrollment = Ours.enrollment(), theirsEnrollment = Theirs.enrollment()
let oursClaim = Ours.claim(), theirsClaim = Theirs.claim()

@MainActor func crossCheck() throws {
    // Bytes from ours decode with swift-protobuf to the value built with swift-protobuf, and back.
    let oe = Ours.encode(oursEnrollment), te = try Theirs.encode(theirsEnrollment)
    let oc = Ours.encode(oursClaim), tc = try Theirs.encode(theirsClaim)
    guard Theirs.equal(try Theirs.decode(Skills_V1_Enrollment.self, oe), theirsEnrollment) else {
        fail("Enrollment encoded by ours decodes with swift-protobuf to a different value")
    }
    guard Ours.equal(try Ours.decode(type(of: oursEnrollment), te), oursEnrollment) else {
        fail("Enrollment encoded by swift-protobuf decodes with ours to a different value")
    }
    guard Theirs.equal(try Theirs.decode(Skills_V1_Claim.self, oc), theirsClaim) else {
        fail("Claim encoded by ours decodes with swift-protobuf to a different value")
    }
    guard Ours.equal(try Ours.decode(type(of: oursClaim), tc), oursClaim) else {
        fail("Claim encoded by swift-protobuf decodes with ours to a different value")
    }
    // Every field is set (the check above would pass for two empty messages).
    let claim = try Theirs.decode(Skills_V1_Claim.self, oc)
    guard claim.decision.trace.count == Fixture.trace.count, claim.decision.tranches.count == 2,
        claim.occupation.name == "电工", claim.hasSubmittedAt,
        try Theirs.decode(Skills_V1_Enrollment.self, oe).learning.count == 4
    else { fail("decoded Claim/Enrollment lack fields") }
    log(
        "cross-check OK: Enrollment \(oe.count) B (identical bytes: \(oe == te)), "
            + "Claim \(oc.count) B (identical bytes: \(oc == tc)); each library decodes the other's bytes "
            + "to the value it built itself")
}
do { try crossCheck() } catch { fail("cross-check threw \(error)") }

// MARK: measurement

/// Runs `body` in batches until `duration` has passed; returns ns per call.
@inline(never)
func measure(_ duration: Double, _ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let budget = Duration.nanoseconds(Int64(duration * 1e9))
    var iterations = 0, batch = 16
    let start = clock.now
    var elapsed = Duration.zero
    while elapsed < budget {
        for _ in 0..<batch { try body() }
        iterations += batch
        elapsed = clock.now - start
        if elapsed < .milliseconds(5) { batch *= 2 }  // ~a clock read every few ms
    }
    let c = elapsed.components
    return (Double(c.seconds) * 1e9 + Double(c.attoseconds) / 1e9) / Double(iterations)
}

struct Row {
    var message: String
    var op: String
    var bytes: Int
    var ours: Double
    var theirs: Double
    var oursRounds: [Double]
    var theirsRounds: [Double]
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

@MainActor func compare(
    _ message: String, _ op: String, bytes: Int,
    ours: () throws -> Void, theirs: () throws -> Void
) rethrows -> Row {
    _ = try measure(warmup, ours)
    _ = try measure(warmup, theirs)
    var o: [Double] = [], t: [Double] = []
    let slice = seconds / Double(rounds)
    for _ in 0..<rounds {
        o.append(try measure(slice, ours))
        t.append(try measure(slice, theirs))
    }
    let row = Row(
        message: message, op: op, bytes: bytes, ours: median(o), theirs: median(t), oursRounds: o, theirsRounds: t)
    log(
        String(
            format: "%@ %@: ours %.0f ns/op, swift-protobuf %.0f ns/op (rounds: ours %@; swift-protobuf %@)",
            message, op, row.ours, row.theirs,
            o.map { String(format: "%.0f", $0) }.joined(separator: " "),
            t.map { String(format: "%.0f", $0) }.joined(separator: " ")))
    return row
}

@MainActor func bench<O: Equatable, T>(
    _ name: String, ours value: O, theirs tValue: T,
    oEncode: (O) -> [UInt8], oDecode: ([UInt8]) throws -> O,
    tEncode: (T) throws -> [UInt8], tDecode: ([UInt8]) throws -> T
) throws -> [Row] {
    let oBytes = oEncode(value), tBytes = try tEncode(tValue)
    return [
        try compare(
            name, "encode", bytes: oBytes.count,
            ours: { blackHole(oEncode(value)) }, theirs: { blackHole(try tEncode(tValue)) }),
        try compare(
            name, "decode", bytes: oBytes.count,
            ours: { blackHole(try oDecode(oBytes)) }, theirs: { blackHole(try tDecode(tBytes)) }),
        try compare(
            name, "encode+decode", bytes: oBytes.count,
            ours: { blackHole(try oDecode(oEncode(value))) },
            theirs: { blackHole(try tDecode(try tEncode(tValue))) }),
    ]
}

log("measuring: \(seconds) s per library per operation in \(rounds) alternating rounds, \(warmup) s warm-up each")
var rows: [Row] = []
do {
    rows += try bench(
        "Enrollment", ours: oursEnrollment, theirs: theirsEnrollment,
        oEncode: Ours.encode, oDecode: { try Ours.decode(type(of: oursEnrollment), $0) },
        tEncode: Theirs.encode, tDecode: { try Theirs.decode(Skills_V1_Enrollment.self, $0) })
    rows += try bench(
        "Claim", ours: oursClaim, theirs: theirsClaim,
        oEncode: Ours.encode, oDecode: { try Ours.decode(type(of: oursClaim), $0) },
        tEncode: Theirs.encode, tDecode: { try Theirs.decode(Skills_V1_Claim.self, $0) })
} catch { fail("benchmark threw \(error)") }

// MARK: report

func ns(_ x: Double) -> String {
    let n = Int(x.rounded())
    var s = String(n), out = ""
    while s.count > 3 {
        out = "," + s.suffix(3) + out
        s.removeLast(3)
    }
    return s + out
}

print("| message | bytes | operation | ours, ns/op | swift-protobuf, ns/op | ours / swift-protobuf |")
print("|---|---:|---|---:|---:|---:|")
for r in rows {
    print(
        "| \(r.message) | \(r.bytes) | \(r.op) | \(ns(r.ours)) | \(ns(r.theirs)) | \(String(format: "%.2f", r.ours / r.theirs)) |"
    )
}
