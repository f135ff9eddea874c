import Essentials
import Foundation
import Synchronization
import XCTest

/// The Foundation-free thread, condition and trimming the services use instead of Foundation's.
final class PosixThreadsTests: XCTestCase {
    func testTrimmingMatchesFoundationsWhitespaces() {
        for text in [
            "", " ", "\t", "abc", "  abc  ", "\tabc\t", "\u{3000}全角\u{3000}", "\u{00A0}nbsp\u{2003}", " a b ",
            "\nline\n", " \n x \n ", "\r\nx", "é ", " 👍🏽 ",
        ] {
            XCTAssertEqual(
                text.trimmingHorizontalWhitespace(), text.trimmingCharacters(in: .whitespaces), text.debugDescription)
        }
        XCTAssertEqual("  a  "[...].trimmingHorizontalWhitespace(), "a")
    }

    func testDetachedThreadRunsWithItsName() {
        let ran = expectation(description: "the thread ran")
        let name = Mutex("")
        PosixThread.detach(name: "posix-test-thread-long-name") {
            let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "?"
            name.withLock { $0 = comm.trimmingCharacters(in: .newlines) }
            ran.fulfill()
        }
        wait(for: [ran], timeout: 10)
        #if os(Linux)
            XCTAssertEqual(name.withLock { $0 }, "posix-test-thre", "the kernel keeps the first 15 bytes")
        #endif
    }

    func testConditionHandsOverBetweenThreads() {
        let condition = PosixCondition()
        let box = Mutex<[Int]>([])
        let done = expectation(description: "the consumer saw every item")
        nonisolated(unsafe) var queue: [Int] = []
        // Consumer: waits on the condition for each item (the queue is only touched under the lock).
        PosixThread.detach(name: "consumer") {
            var seen: [Int] = []
            condition.lock()
            while seen.count < 100 {
                while queue.isEmpty { condition.wait() }
                seen += queue
                queue.removeAll()
            }
            condition.unlock()
            box.withLock { $0 = seen }
            done.fulfill()
        }
        for item in 0..<100 {
            condition.lock()
            queue.append(item)
            condition.signal()
            condition.unlock()
        }
        wait(for: [done], timeout: 10)
        XCTAssertEqual(box.withLock { $0 }, Array(0..<100))
    }
}
