import PlatformTestSupport
import Schema
import XCTest

/// Registration's rules for workers as callers see them: self-declaration, updates with versions and
/// masks, filters, bad input (the status, a message naming the field, nothing written), duplicates,
/// retries, roles and masking. Moved from Tests/Interop/test_registration.py, which keeps what only
/// the wire shows (health, the certificate's identity, streaming, a kill -9).
final class WorkerRulesTests: RegistrationCallsTestCase {
    func testThePortalRegistersASelfDeclaration() async throws {
        let number = platform.newIDNumber()
        let worker = try await register(aWorker(idNumber: number, categories: [g8()]), as: .workerPortal)
        XCTAssertEqual(worker.categories.first?.category, .g8Unemployed)
        XCTAssertEqual(worker.categories.first?.attested, false, "the worker portal cannot attest G8")
        XCTAssertEqual(worker.categories.first?.attestedByRole, "")
        let stored = try await client().getWorker(GetWorkerRequest(key: .workerId(worker.id)))
        XCTAssertEqual(stored.idNumber, number)
        XCTAssertEqual(stored.categories.first?.attested, false)
    }

    func testALowerCaseCheckCharacterIsNormalised() async throws {
        var number = platform.newIDNumber()
        while !number.hasSuffix("X") { number = platform.newIDNumber() }
        let worker = try await register(aWorker(idNumber: number.lowercased()))
        XCTAssertEqual(worker.idNumber, number)
        let found = try await client().getWorker(GetWorkerRequest(key: .idNumber(number.lowercased())))
        XCTAssertEqual(found.id, worker.id)
    }

    func testUpdatesCarryVersionsMasksAndConflicts() async throws {
        let worker = try await register(aWorker(name: "李四", phone: "13800000001"))
        let replaced = Worker(
            id: worker.id, idNumber: worker.idNumber, name: "李四四", phone: "13800000002", hukou: .urban,
            categories: [g8()], district: "371402")
        let v2 = try await client().updateWorker(
            UpdateWorkerRequest(requestId: rid(), worker: replaced, expectedVersion: 1))
        XCTAssertEqual(v2.version, 2)
        XCTAssertEqual([v2.name, v2.phone, v2.district], ["李四四", "13800000002", "371402"])
        XCTAssertEqual(v2.hukou, .urban)
        XCTAssertEqual(v2.categories.first?.attestedByRole, "hrss")
        XCTAssertEqual(v2.createdAt, worker.createdAt)

        // Only the masked field changes, although the request carries another name too.
        let v3 = try await client().updateWorker(
            UpdateWorkerRequest(
                requestId: rid(), worker: Worker(id: worker.id, name: "王五", phone: "13800000003"),
                updateMask: ["phone"]))
        XCTAssertEqual(v3.version, 3)
        XCTAssertEqual([v3.phone, v3.name], ["13800000003", "李四四"])
        XCTAssertEqual(v3.categories.count, 1)

        let stale = await refusal {
            try await self.client().updateWorker(
                UpdateWorkerRequest(
                    requestId: self.rid(), worker: Worker(id: worker.id, phone: "13800000004"), expectedVersion: 2,
                    updateMask: ["phone"]))
        }
        XCTAssertEqual(stale?.code, .failedPrecondition)
        XCTAssertTrue(stale?.message.contains("expected_version") ?? false, "\(String(describing: stale))")
        let unknown = await refusal {
            try await self.client().updateWorker(
                UpdateWorkerRequest(
                    requestId: self.rid(), worker: Worker(id: "w-nobody", phone: "13800000005"), updateMask: ["phone"]))
        }
        XCTAssertEqual(unknown?.code, .notFound)
        let idChange = await refusal {
            try await self.client().updateWorker(
                UpdateWorkerRequest(
                    requestId: self.rid(), worker: Worker(id: worker.id, idNumber: self.platform.newIDNumber()),
                    updateMask: ["id_number"]))
        }
        XCTAssertEqual(idChange?.code, .invalidArgument)
        XCTAssertTrue(idChange?.message.contains("update_mask[0]") ?? false, "\(String(describing: idChange))")
        let now = try await client().getWorker(GetWorkerRequest(key: .workerId(worker.id)))
        XCTAssertEqual(now, v3, "the refused updates changed nothing")
    }

    func testARetriedUpdateReturnsTheFirstAnswer() async throws {
        let worker = try await register()
        let request = UpdateWorkerRequest(
            requestId: rid(), worker: Worker(id: worker.id, phone: "13900000001"), updateMask: ["phone"])
        let first = try await client().updateWorker(request)
        let again = try await client().updateWorker(request)
        XCTAssertEqual(again, first)
        XCTAssertEqual(again.version, 2)
        let stored = try await client().getWorker(GetWorkerRequest(key: .workerId(worker.id)))
        XCTAssertEqual(stored.version, 2)
    }

    func testListingFiltersLimitsAndPages() async throws {
        let district = "37\(1000 + platform.nextSerial() % 9000)"
        var domestic: [Worker] = []
        for _ in 0..<4 {
            domestic.append(
                try await register(
                    aWorker(categories: [CategoryFact(category: .g16DomesticService)], district: district)))
        }
        for _ in 0..<2 {
            try await register(aWorker(categories: [CategoryFact(category: .g13RuralTalent)], district: district))
        }
        let everyone = try await workers(ListWorkersRequest(district: district))
        XCTAssertEqual(everyone.count, 6)
        XCTAssertEqual(everyone.map(\.id), everyone.map(\.id).sorted(), "ordered by id")
        let listed = try await workers(ListWorkersRequest(category: .g16DomesticService, district: district))
        XCTAssertEqual(Set(listed.map(\.id)), Set(domestic.map(\.id)))
        XCTAssertEqual(Set(listed.map(\.idNumber)), Set(domestic.map(\.idNumber)), "full records for hrss")

        let first = try await workers(ListWorkersRequest(category: .g16DomesticService, district: district, limit: 3))
        XCTAssertEqual(first.map(\.id), Array(listed.prefix(3)).map(\.id))
        let rest = try await workers(
            ListWorkersRequest(category: .g16DomesticService, district: district, afterId: first.last?.id ?? ""))
        XCTAssertEqual(rest.map(\.id), Array(listed.dropFirst(3)).map(\.id))
        let none = try await workers(ListWorkersRequest(district: district, afterId: everyone.last?.id ?? ""))
        XCTAssertEqual(none, [])
    }

    /// (case, request, the field the message must name)
    private func invalidWorkerRequests() -> [(String, RegisterWorkerRequest, String)] {
        func request(_ worker: Worker?, requestID: String? = nil) -> RegisterWorkerRequest {
            RegisterWorkerRequest(requestId: requestID ?? rid(), worker: worker)
        }
        let born1990 = residentID(birth: "19900101", sequence: String(100 + platform.nextSerial() % 900))
        return [
            ("unknown-hukou", request(aWorker(hukou: .unrecognized(99))), "worker.hukou"),
            ("unspecified-hukou", request(aWorker(hukou: .unspecified)), "worker.hukou"),
            (
                "unknown-category", request(aWorker(categories: [CategoryFact(category: .unrecognized(99))])),
                "worker.categories[0].category"
            ),
            ("unspecified-category", request(aWorker(categories: [CategoryFact()])), "worker.categories[0].category"),
            ("no-worker", request(nil), "worker"),
            ("empty-name", request(aWorker(name: "")), "worker.name"),
            ("blank-name", request(aWorker(name: "   ")), "worker.name"),
            ("no-phone", request(aWorker(phone: "")), "worker.phone"),
            ("bad-phone", request(aWorker(phone: "12345")), "worker.phone"),
            ("no-request-id", request(aWorker(), requestID: ""), "request_id"),
            (
                "g1-without-employer", request(aWorker(categories: [CategoryFact(category: .g1EnterpriseEmployee)])),
                "worker.categories[0].employer_credit_code"
            ),
            (
                "g1-bad-employer",
                request(
                    aWorker(categories: [
                        CategoryFact(category: .g1EnterpriseEmployee, employerCreditCode: "91371402MA3C00000")
                    ])), "worker.categories[0].employer_credit_code"
            ),
            ("repeated-category", request(aWorker(categories: [g8(), g8()])), "worker.categories[1].category"),
            (
                "birth-date-differs",
                request(aWorker(idNumber: born1990, birthDate: CalendarDate(year: 1990, month: 1, day: 2))),
                "worker.birth_date"
            ),
        ]
    }

    func testAnInvalidWorkerRequestNamesTheFieldAndWritesNothing() async throws {
        for (name, request, field) in invalidWorkerRequests() {
            let refused = await refusal { try await self.client().registerWorker(request) }
            XCTAssertEqual(refused?.code, .invalidArgument, "\(name): \(String(describing: refused))")
            XCTAssertTrue(refused?.message.contains("\(field):") ?? false, "\(name): \(String(describing: refused))")
            if let number = request.worker?.idNumber, !number.isEmpty { await assertNoWorker(number) }
        }
        let count = try await workerCount()
        XCTAssertEqual(count, 0)
    }

    func testAnInvalidIDNumberIsRefusedAndLeavesItsRequestIDFree() async throws {
        let good = residentID(birth: "19900101", sequence: "321")
        let numbers = [
            ("wrong-check-character", withWrongCheck(good).id), ("impossible-date", residentID(birth: "19900230")),
            ("17-characters", String(good.dropLast())), ("19-characters", good + "1"),
            ("letters", "3714021990A1011235"), ("empty", ""),
        ]
        for (name, number) in numbers {
            let requestID = rid()
            let refused = await refusal {
                try await self.register(self.aWorker(idNumber: number), requestID: requestID)
            }
            XCTAssertEqual(refused?.code, .invalidArgument, "\(name): \(String(describing: refused))")
            XCTAssertTrue(refused?.message.contains("worker.id_number") ?? false, "\(name)")
            if !number.isEmpty { await assertNoWorker(number) }
            // The refusal left no idempotency record: its request_id is still free.
            let accepted = try await register(requestID: requestID)
            XCTAssertEqual(accepted.version, 1, name)
        }
        let count = try await workerCount()
        XCTAssertEqual(count, numbers.count)
    }

    func testADuplicateNamesTheExistingWorkerForEveryCaller() async throws {
        let number = platform.newIDNumber()
        let first = try await register(aWorker(idNumber: number))
        for caller in [TestCaller.hrss, .workerPortal] {
            let refused = await refusal {
                try await self.register(self.aWorker(idNumber: number, name: "另一人"), as: caller)
            }
            XCTAssertEqual(refused?.code, .alreadyExists, "\(caller.role)")
            XCTAssertTrue(refused?.message.contains(first.id) ?? false, "\(String(describing: refused))")
            XCTAssertTrue(refused?.message.contains("id_number") ?? false, "\(String(describing: refused))")
        }
        let count = try await workerCount()
        XCTAssertEqual(count, 1)
        let stored = try await client().getWorker(GetWorkerRequest(key: .idNumber(number)))
        XCTAssertEqual(stored.name, "张三")
    }

    func testARetryReturnsTheFirstAnswerAndAReusedIDForAnotherBodyIsRefused() async throws {
        let request = RegisterWorkerRequest(requestId: rid(), worker: aWorker(categories: [g8()]))
        let first = try await client().registerWorker(request)
        let again = try await client().registerWorker(request)
        XCTAssertEqual(again, first)
        let other = RegisterWorkerRequest(requestId: request.requestId, worker: aWorker())
        let refused = await refusal { try await self.client().registerWorker(other) }
        XCTAssertEqual(refused?.code, .invalidArgument)
        XCTAssertTrue(refused?.message.contains("request_id") ?? false, "\(String(describing: refused))")
        await assertNoWorker(other.worker?.idNumber ?? "")
        let count = try await workerCount()
        XCTAssertEqual(count, 1)
    }

    func testThePortalMayNotListWorkers() async {
        let refused = await refusal { try await self.workers(as: .workerPortal) }
        XCTAssertEqual(refused?.code, .permissionDenied)
    }

    func testPersonalDataIsMaskedForRolesWithoutNeed() async throws {
        let number = residentID(birth: "19900101", sequence: "456")
        let worker = try await register(aWorker(idNumber: number, phone: "13812345678"))
        for caller in [TestCaller.workerPortal, .institution()] {
            let seen = try await client(caller).getWorker(GetWorkerRequest(key: .workerId(worker.id)))
            XCTAssertEqual(seen.idNumber, masked(number), caller.role)
            XCTAssertEqual(seen.phone, "138****5678", caller.role)
            XCTAssertEqual([seen.name, seen.id], [worker.name, worker.id], caller.role)
        }
        let full = try await client().getWorker(GetWorkerRequest(key: .workerId(worker.id)))
        XCTAssertEqual([full.idNumber, full.phone], [number, "13812345678"])
    }

    func testTheRegistrationReplyToThePortalIsMasked() async throws {
        let number = platform.newIDNumber()
        let worker = try await register(aWorker(idNumber: number), as: .workerPortal)
        XCTAssertEqual(worker.idNumber, masked(number))
        let full = try await client().getWorker(GetWorkerRequest(key: .workerId(worker.id)))
        XCTAssertEqual(full.idNumber, number)
    }
}
