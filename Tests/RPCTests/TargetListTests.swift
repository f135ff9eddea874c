import RPC
import XCTest

/// `--…-addr host:port,host:port`: every entry parses, or the whole list is refused naming the bad one.
final class TargetListTests: XCTestCase {
    func testAListOfReplicas() throws {
        let targets = try ClientConfiguration.Target.list("10.0.0.1:7101, 10.0.0.2:7101,[::1]:7201")
        XCTAssertEqual(targets.map(\.description), ["10.0.0.1:7101", "10.0.0.2:7101", "[::1]:7201"])
    }

    func testOneBadEntryRefusesTheList() {
        for (list, bad) in [("10.0.0.1:7101,10.0.0.2", "10.0.0.2"), ("a:1,,b:2", ""), ("", ""), ("h:70000", "h:70000")]
        {
            XCTAssertThrowsError(try ClientConfiguration.Target.list(list), list) { error in
                XCTAssertEqual((error as? ClientConfiguration.TargetListError)?.entry, bad, list)
            }
        }
    }
}
