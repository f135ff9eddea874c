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

    private var get: MethodDescriptor { service.methods[0] }
    private var put: MethodDescriptor { service.methods[1] }

    func testAMethodWithoutAnEntryIsReportedAndRefused() {
        let table = AccessTable([get: .anyone])
        XCTAssertEqual(table.methodsWithoutEntry(in: service), ["/example.v1.Things/Put"])
        XCTAssertFalse(table.allows("hrss", toCall: put))
        XCTAssertTrue(table.allows("anything", toCall: get))
        XCTAssertFalse(table.allows(nil, toCall: get), "an anonymous caller is not 'anyone'")
    }

    func testRolesAreMatchedExactly() {
        let table = AccessTable([get: ["hrss", "finance"], put: ["hrss"]])
        XCTAssertTrue(table.allows("finance", toCall: get))
        XCTAssertFalse(table.allows("finance", toCall: put))
        XCTAssertFalse(table.allows("HRSS", toCall: put))
        XCTAssertFalse(table.allows(nil, toCall: get))
    }

    func testAServiceWideEntryCoversEveryMethodAndAMethodsOwnEntryWins() {
        let table = AccessTable([put: ["finance"]], everyMethodOf: ["example.v1.Things": ["hrss"]])
        XCTAssertEqual(table.methodsWithoutEntry(in: service), [])
        XCTAssertTrue(table.allows("hrss", toCall: get))
        XCTAssertFalse(table.allows("hrss", toCall: put))
        XCTAssertTrue(table.allows("finance", toCall: put))
    }

    func testHealthAndReflectionNeedNoEntry() {
        let health = MethodDescriptor(service: "grpc.health.v1.Health", method: "Check", kind: .unary)
        XCTAssertTrue(AccessTable([:]).allows("anyone-at-all", toCall: health))
    }

    func testAnEntryForAMethodTheServiceLacksIsReported() {
        let delete = MethodDescriptor(service: "example.v1.Things", method: "Delete", kind: .unary)
        let other = MethodDescriptor(service: "other.v1.Service", method: "Get", kind: .unary)
        let table = AccessTable([get: .anyone, put: ["hrss"], delete: ["hrss"], other: .anyone])
        XCTAssertEqual(table.methodsWithoutEntry(in: service), [])
        XCTAssertEqual(table.entriesWithoutMethod(in: service), ["/example.v1.Things/Delete"])
    }
}
