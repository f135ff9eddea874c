import CLibPQ

/// Column readers for `DBRow`: results come back in text format.
extension LibPQConnection {
    static func columnCount(_ result: OpaquePointer) -> Int { Int(PQnfields(result)) }

    static func isNull(_ result: OpaquePointer, _ row: Int32, _ column: Int) -> Bool {
        PQgetisnull(result, row, Int32(column)) == 1
    }

    fileprivate static func value(_ result: OpaquePointer, _ row: Int32, _ column: Int) -> UnsafeBufferPointer<UInt8> {
        guard let pointer = PQgetvalue(result, row, Int32(column)) else {
            return UnsafeBufferPointer(start: nil, count: 0)
        }
        let count = Int(PQgetlength(result, row, Int32(column)))
        return UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: count)
    }

    static func string(_ result: OpaquePointer, _ row: Int32, _ column: Int) -> String {
        String(decoding: value(result, row, column), as: UTF8.self)
    }

    static func int64(_ result: OpaquePointer, _ row: Int32, _ column: Int) throws -> Int64 {
        let bytes = value(result, row, column)
        var index = 0
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            index = 1
        }
        guard index < bytes.count else {
            throw DBError.decoding(column: column, "'\(string(result, row, column))' is not an integer")
        }
        var magnitude: UInt64 = 0
        while index < bytes.count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else {
                throw DBError.decoding(column: column, "'\(string(result, row, column))' is not an integer")
            }
            let (times, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(UInt64(digit))
            guard !overflow1, !overflow2 else { throw DBError.decoding(column: column, "out of range for Int64") }
            magnitude = sum
            index += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else {
                throw DBError.decoding(column: column, "out of range for Int64")
            }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw DBError.decoding(column: column, "out of range for Int64") }
        return Int64(magnitude)
    }

    static func double(_ result: OpaquePointer, _ row: Int32, _ column: Int) throws -> Double {
        let text = string(result, row, column)
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            guard let double = Double(text) else { throw DBError.decoding(column: column, "'\(text)' is not a number") }
            return double
        }
    }

    static func bool(_ result: OpaquePointer, _ row: Int32, _ column: Int) throws -> Bool {
        let bytes = value(result, row, column)
        switch bytes.first {
        case UInt8(ascii: "t") where bytes.count == 1: return true
        case UInt8(ascii: "f") where bytes.count == 1: return false
        default:
            // An integer column read as a flag.
            return try int64(result, row, column) != 0
        }
    }

    /// A bytea column in PostgreSQL's hex output format (`\x0a1b...`).
    static func bytes(_ result: OpaquePointer, _ row: Int32, _ column: Int) throws -> [UInt8] {
        let text = value(result, row, column)
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else {
            // Not bytea: the column's text itself.
            return Array(text)
        }
        let count = (text.count - 2) / 2
        var invalid: UInt8 = 0
        let bytes = hexValues.withUnsafeBufferPointer { table in
            [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                var index = 0
                while index < count {
                    let high = table[Int(text[2 + 2 &* index])]
                    let low = table[Int(text[3 + 2 &* index])]
                    invalid |= high | low
                    buffer[index] = high << 4 | low & 0x0F
                    index += 1
                }
                initialized = count
            }
        }
        // A character that is not a hex digit has the high bits set in the table.
        guard invalid & 0xF0 == 0 else { throw DBError.decoding(column: column, "malformed bytea") }
        return bytes
    }

    /// Each byte's value as a hex digit; 0xFF for bytes that are not one.
    private static let hexValues: [UInt8] = (0...255).map { (byte: Int) -> UInt8 in
        switch UInt8(byte) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt8(byte) - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt8(byte) - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt8(byte) - UInt8(ascii: "A") + 10
        default: return 0xFF
        }
    }
}
