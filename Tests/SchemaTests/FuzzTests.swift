import Essentials
import Schema
import XCTest

/// A deterministic, mutation-based fuzzer for the decoders: valid encodings of every message type
/// are bit-flipped, overwritten, extended, shortened and spliced, then decoded as their own type and
/// as another one (up to 100k iterations in a 3 s budget). Decoding must throw or succeed (and then round-trip); it must never trap.
final class FuzzTests: XCTestCase {
    func testFuzzDecodingNeverCrashes() {
        let seeds = SampleMessages.all.map { $0.serializedBytes() }
        let types = SchemaCatalog.messageTypes
        var rng = SeededRandom(seed: 0xF022_2019)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(3))
        var iterations = 0
        var accepted = 0
        while iterations < 100_000 && clock.now < deadline {
            let index = iterations % seeds.count  // round-robin: every type gets its share
            var bytes = seeds[index]
            let rounds = 1 + Int(rng.next() % 4)
            for _ in 0..<rounds { mutate(&bytes, seeds: seeds, rng: &rng) }
            if decodes(types[index], bytes) { accepted += 1 }
            let other = types[Int(rng.next() % UInt64(types.count))]
            _ = decodes(other, bytes)
            iterations += 1
        }
        XCTAssertGreaterThan(iterations, 5_000, "the fuzzer ran too few iterations to mean anything")
        print("testFuzzDecodingNeverCrashes: \(iterations) iterations, \(accepted) mutated inputs still decoded")
    }

    private func mutate(_ bytes: inout [UInt8], seeds: [[UInt8]], rng: inout SeededRandom) {
        let position = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
        switch rng.next() % 7 {
        case 0 where !bytes.isEmpty:  // flip a bit
            bytes[position] ^= UInt8(1) << UInt8(rng.next() % 8)
        case 1 where !bytes.isEmpty:  // overwrite with an interesting byte
            let interesting: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x0A, 0x12, 0x08]
            bytes[position] = interesting[Int(rng.next() % UInt64(interesting.count))]
        case 2:  // insert a random byte
            bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: position)
        case 3 where !bytes.isEmpty:  // delete a byte
            bytes.remove(at: position)
        case 4:  // truncate
            bytes.removeLast(bytes.count - position)
        case 5 where !bytes.isEmpty:  // duplicate a chunk
            let end = min(bytes.count, position + 1 + Int(rng.next() % 16))
            bytes.insert(contentsOf: bytes[position..<end], at: end)
        default:  // splice in part of another valid encoding
            let other = seeds[Int(rng.next() % UInt64(seeds.count))]
            guard !other.isEmpty else { return }
            let start = Int(rng.next() % UInt64(other.count))
            bytes.insert(contentsOf: other[start...], at: position)
        }
    }
}
