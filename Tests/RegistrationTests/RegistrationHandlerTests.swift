import PlatformTestSupport
import Schema
import XCTest

/// Registration's handlers over the in-process transport: what each caller sees, and that a
/// refused call registers nothing.
final class RegistrationHandlerTests: XCTestCase {
    var platform: TestPlatform!

    override func setUp() async throws {
        platform = try await TestPlatform.start()
    }

    override func tearDown() async throws {
        await platform.close()
    }

    private func workerRequest(_ requestID: String, idNumber: String, name: String = "张三") -> RegisterWorkerRequest {
        RegisterWorkerRequest(
            requestId: requestID,
            worker: Worker(
                idNumber: idNumber, name: name, phone: "13812345678", hukou: .urban,
                categories: [CategoryFact(category: .g8Unemployed, evidenceReference: "DZ-SY-2021-001")],
                district: "371402"))
    }

    private func workerCount() async throws -> Int {
        try await platform.registration(as: .hrss).listWorkers(ListWorkersRequest()) { try await $0.collect() }.count
    }

    func testHrssRegistersAnAttestedWorkerWhomTheOtherServicesRead() async throws {
        let request = workerRequest("reg-1", idNumber: platform.newIDNumber(), name: "韩霞")
        let registered = try await platform.registration(as: .hrss).registerWorker(request)
        XCTAssertFalse(registered.id.isEmpty)
        XCTAssertEqual(registered.categories.first?.attested, true)
        XCTAssertEqual(registered.categories.first?.attestedByRole, "hrss")

        let read = try await platform.registration(as: .service("matching")).getWorker(
            GetWorkerRequest(key: .workerId(registered.id)))
        XCTAssertEqual(read.name, "韩霞")
        XCTAssertEqual(read.id, registered.id)

        let retried = try await platform.registration(as: .hrss).registerWorker(request)
        XCTAssertEqual(retried, registered, "a retry with the same request_id returns the first answer")
        let workerCount = try await workerCount()
        XCTAssertEqual(workerCount, 1)
    }

    func testFinanceMayNotRegisterWorkers() async throws {
        let refused = await refusal {
            try await self.platform.registration(as: .finance).registerWorker(
                self.workerRequest("reg-2", idNumber: self.platform.newIDNumber()))
        }
        XCTAssertEqual(refused?.code, .permissionDenied)
        XCTAssertEqual(
            refused?.message, "role 'finance' (finance-dev) may not call /skills.v1.RegistrationService/RegisterWorker")
        let workerCount = try await workerCount()
        XCTAssertEqual(workerCount, 0)
    }

    func testAnIDNumberWithAWrongCheckDigitIsInvalidAndRegistersNothing() async throws {
        var idNumber = platform.newIDNumber()
        let last = idNumber.removeLast()
        idNumber.append(last == "1" ? "2" : "1")
        let refused = await refusal {
            try await self.platform.registration(as: .hrss).registerWorker(
                self.workerRequest("reg-3", idNumber: idNumber))
        }
        XCTAssertEqual(refused?.code, .invalidArgument)
        XCTAssertTrue(refused?.message.contains("id_number") ?? false, "\(String(describing: refused))")
        let workerCount = try await workerCount()
        XCTAssertEqual(workerCount, 0)
    }

    func testADepartmentMayNotAttestAnotherDepartmentsCategory() async throws {
        var request = workerRequest("reg-4", idNumber: platform.newIDNumber())
        request.worker?.categories[0].attested = true
        let refused = await refusal { try await self.platform.registration(as: .education).registerWorker(request) }
        XCTAssertEqual(refused?.code, .invalidArgument, "\(String(describing: refused))")
        XCTAssertTrue(
            refused?.message.contains("role 'education' cannot attest") ?? false, "\(String(describing: refused))")
        let workerCount = try await workerCount()
        XCTAssertEqual(workerCount, 0)

        // Without the flag the same request is a self-declaration, recorded unattested.
        let declared = try await platform.registration(as: .education).registerWorker(
            workerRequest("reg-4b", idNumber: platform.newIDNumber()))
        XCTAssertEqual(declared.categories.first?.attested, false)
    }

    func testTheSameIDNumberUnderAnotherRequestIsAlreadyExists() async throws {
        let idNumber = platform.newIDNumber()
        let first = try await platform.registration(as: .hrss).registerWorker(
            workerRequest("reg-5", idNumber: idNumber, name: "李强"))
        let refused = await refusal {
            try await self.platform.registration(as: .hrss).registerWorker(
                self.workerRequest("reg-6", idNumber: idNumber, name: "李四"))
        }
        XCTAssertEqual(refused?.code, .alreadyExists, "\(String(describing: refused))")
        let read = try await platform.registration(as: .hrss).getWorker(GetWorkerRequest(key: .workerId(first.id)))
        XCTAssertEqual(read.name, "李强", "the refused request changed nothing")
        let workerCount = try await workerCount()
        XCTAssertEqual(workerCount, 1)
    }

    func testAReusedRequestIDForADifferentWorkerIsInvalidArgument() async throws {
        _ = try await platform.registration(as: .hrss).registerWorker(
            workerRequest("reg-7", idNumber: platform.newIDNumber()))
        let refused = await refusal {
            try await self.platform.registration(as: .hrss).registerWorker(
                self.workerRequest("reg-7", idNumber: self.platform.newIDNumber()))
        }
        XCTAssertEqual(refused?.code, .invalidArgument, "\(String(describing: refused))")
        XCTAssertTrue(refused?.message.contains("reg-7") ?? false, "\(String(describing: refused))")
        let workerCount = try await workerCount()
        XCTAssertEqual(workerCount, 1)
    }

    /// A platform started without --accept-business-date refuses a caller's day, as production does.
    func testABusinessDateIsRefusedUnlessTheServiceAcceptsOne() async throws {
        let production = try await TestPlatform.start(acceptBusinessDate: false)
        let refused = await refusal {
            try await production.registration(as: .hrss).registerWorker(
                self.workerRequest("reg-8", idNumber: production.newIDNumber()),
                options: TestPlatform.on(PlatformDay(2021, 3, 1)))
        }
        let count = try await production.registration(as: .hrss).listWorkers(ListWorkersRequest()) {
            try await $0.collect()
        }.count
        await production.close()
        XCTAssertEqual(refused?.code, .failedPrecondition)
        XCTAssertEqual(
            refused?.message,
            "this service does not accept skills-business-date (start it with --accept-business-date for a replay)")
        XCTAssertEqual(count, 0)
    }

    func testAnUnknownWorkerIsNotFound() async {
        let refused = await refusal {
            try await self.platform.registration(as: .hrss).getWorker(GetWorkerRequest(key: .workerId("w-missing")))
        }
        XCTAssertEqual(refused?.code, .notFound, "\(String(describing: refused))")
    }
}
