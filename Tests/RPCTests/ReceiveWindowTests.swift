import XCTest

@testable import RPC

/// `ReceiveWindow.increment`: when a window is topped up, and by how much.
final class ReceiveWindowTests: XCTestCase {
    func testAWindowIsToppedUpToItsTargetAtHalf() {
        XCTAssertNil(ReceiveWindow.increment(window: 600, target: 1000))
        XCTAssertEqual(ReceiveWindow.increment(window: 500, target: 1000), 500)
        XCTAssertEqual(ReceiveWindow.increment(window: 0, target: 1000), 1000)
        // A window the peer overran (SETTINGS lowered it): back up to the target.
        XCTAssertEqual(ReceiveWindow.increment(window: -200, target: 1000), 1200)
        XCTAssertNil(ReceiveWindow.increment(window: 1000, target: 1000))
        XCTAssertEqual(ReceiveWindow.increment(window: -10, target: Int(Int32.max)), Int(Int32.max))
    }
}
