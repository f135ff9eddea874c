import RPC
import Schema
import XCTest

final class AccessTableTests: XCTestCase {
    private let service = ServiceDescriptor(
        name: "example.v1.Things",
        methods: [
            MethodDescriptor(service: "example.v1.Things", method: "Get", kind: .unary),
            MethodDescriptor(service: "example.v1.Things", method: "Put", kind: .unary),
        ])

    func testAMethodWithoutAnEntryIsReported() {
        let table = AccessTable(["/example.v1.Things/Get": ["*"]])
        XCTAssertEqual(table.methodsWithoutEntry(in: service), ["/example.v1.Things/Put"])
        XCTAssertFalse(table.allows(role: "hrss", method: service.methods[1]))
    }

    func testAServiceWideEntryCoversEveryMethod() {
        XCTAssertEqual(AccessTable(["/example.v1.Things/*": ["hrss"]]).methodsWithoutEntry(in: service), [])
    }

    func testAnEntryForAMethodTheServiceLacksIsReported() {
        let table = AccessTable([
            "/example.v1.Things/Get": ["*"], "/example.v1.Things/Put": ["hrss"], "/example.v1.Things/Delete": ["hrss"],
            "/other.v1.Service/Get": ["*"],
        ])
        XCTAssertEqual(table.methodsWithoutEntry(in: service), [])
        XCTAssertEqual(table.entriesWithoutMethod(in: service), ["/example.v1.Things/Delete"])
    }
}
