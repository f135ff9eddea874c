import PlatformTestSupport
import RPC
import Schema
import XCTest

/// Payment's handlers over the in-process transport, with matching, registration and assessment
/// behind them: a claim decided from O5, finance paying it from the fund (R11), and refusals that
/// leave the ledger and the claims as they were.
final class PaymentHandlerTests: XCTestCase {
    private let completion = PlatformDay(2021, 6, 30)
    private var paidOn: CallOptions { TestPlatform.on(completion.adding(days: 30)) }

    /// A G8 worker trained, certified and claimed for; the claim as finance reads it.
    private func claimed(_ platform: TestPlatform) async throws -> (Enrollment, Claim) {
        let institution = try await platform.fileInstitution()
        let offering = try await platform.publishOffering(
            institutionID: institution.id, start: PlatformDay(2021, 4, 12), end: completion)
        let worker = try await platform.registerWorker(.g8Unemployed)
        let enrollment = try await platform.train(workerID: worker.id, offering: offering, completion: completion)
        let certificate = try await platform.certify(enrollment, on: completion.adding(days: 7))
        let payment = try await platform.requestPayment(
            enrollment, certificate: certificate, on: completion.adding(days: 14))
        XCTAssertTrue(payment.eligible, payment.message)
        let claim = try await platform.payment(as: .finance).getClaim(GetClaimRequest(claimId: payment.claimId))
        return (enrollment, claim)
    }

    private func payable(_ claim: Claim) throws -> Tranche {
        try XCTUnwrap(claim.decision?.tranches.first { $0.state == .payable }, "a G8 claim has a payable tranche")
    }

    private func ledger(_ platform: TestPlatform) async throws -> [LedgerEntry] {
        try await platform.payment(as: .finance).exportLedger(ExportLedgerRequest()) { try await $0.collect() }
    }

    private func withPlatform(fundFen: Int64 = 50_000_000_000, _ body: (TestPlatform) async throws -> Void) async throws
    {
        let platform = try await TestPlatform.start(fundFen: fundFen)
        do {
            try await body(platform)
        } catch {
            await platform.close()
            throw error
        }
        await platform.close()
    }

    func testFinancePaysAPayableTrancheAndMatchingHearsOfIt() async throws {
        try await withPlatform { platform in
            let (enrollment, claim) = try await claimed(platform)
            XCTAssertEqual(claim.enrollmentId, enrollment.id)
            XCTAssertEqual(claim.decision?.payeeKind, .institution, "R8: the institution of a free training is paid")
            let tranche = try payable(claim)
            let entry = try await platform.payment(as: .finance).disburse(
                DisburseRequest(requestId: "pay-1", trancheId: tranche.id), options: paidOn)
            XCTAssertEqual(entry.amountFen, tranche.amountFen)
            XCTAssertEqual(entry.enrollmentId, enrollment.id)
            XCTAssertEqual(entry.bookedBy, "finance-dev")
            let entries = try await ledger(platform)
            XCTAssertEqual(entries, [entry])
            let after = try await platform.matching(as: .hrss).getEnrollment(
                GetEnrollmentRequest(enrollmentId: enrollment.id))
            XCTAssertEqual(after.state, .paid)
        }
    }

    func testOnlyFinanceDisburses() async throws {
        try await withPlatform { platform in
            let (_, claim) = try await claimed(platform)
            let tranche = try payable(claim)
            let refused = await refusal {
                try await platform.payment(as: .hrss).disburse(
                    DisburseRequest(requestId: "pay-2", trancheId: tranche.id), options: self.paidOn)
            }
            XCTAssertEqual(refused?.code, .permissionDenied)
            XCTAssertEqual(refused?.message, "role 'hrss' (hrss-dev) may not call /skills.v1.PaymentService/Disburse")
            let entries = try await ledger(platform)
            XCTAssertEqual(entries, [])
            let after = try await platform.payment(as: .finance).getClaim(GetClaimRequest(claimId: claim.id))
            XCTAssertEqual(after, claim)
        }
    }

    /// A retry returns the first entry; a second request for the same tranche is refused.
    func testATranchePaidOnceIsNotPaidAgain() async throws {
        try await withPlatform { platform in
            let (_, claim) = try await claimed(platform)
            let tranche = try payable(claim)
            let entry = try await platform.payment(as: .finance).disburse(
                DisburseRequest(requestId: "pay-3", trancheId: tranche.id),
                options: paidOn)
            let retried = try await platform.payment(as: .finance).disburse(
                DisburseRequest(requestId: "pay-3", trancheId: tranche.id),
                options: paidOn)
            XCTAssertEqual(retried, entry, "a retry with the same request_id returns the first answer")
            let refused = await refusal {
                try await platform.payment(as: .finance).disburse(
                    DisburseRequest(requestId: "pay-4", trancheId: tranche.id), options: self.paidOn)
            }
            XCTAssertEqual(refused?.code, .failedPrecondition)
            XCTAssertEqual(refused?.message, "tranche \(tranche.id) is already paid (ledger entry \(entry.id))")
            let entries = try await ledger(platform)
            XCTAssertEqual(entries, [entry])
        }
    }

    func testAnExhaustedFundPaysNothing() async throws {
        try await withPlatform(fundFen: 100) { platform in
            let (_, claim) = try await claimed(platform)
            let tranche = try payable(claim)
            let refused = await refusal {
                try await platform.payment(as: .finance).disburse(
                    DisburseRequest(requestId: "pay-5", trancheId: tranche.id), options: self.paidOn)
            }
            XCTAssertEqual(refused?.code, .failedPrecondition)
            XCTAssertEqual(
                refused?.message, "R11: the special fund holds 100 fen; this tranche needs \(tranche.amountFen) fen")
            let entries = try await ledger(platform)
            XCTAssertEqual(entries, [])
            let after = try await platform.payment(as: .finance).getClaim(GetClaimRequest(claimId: claim.id))
            XCTAssertEqual(after, claim)
        }
    }

    /// A malformed certificate number is bad input and records nothing; another training's
    /// certificate is a claim the policy refuses (R2): decided, recorded, and nothing to pay.
    func testAClaimWithoutThisTrainingsCertificateIsRefusedUnderR2() async throws {
        try await withPlatform { platform in
            let institution = try await platform.fileInstitution()
            let offering = try await platform.publishOffering(
                institutionID: institution.id, start: PlatformDay(2021, 4, 12), end: completion)
            let certified = try await platform.registerWorker(.g8Unemployed, name: "韩霞")
            let other = try await platform.registerWorker(.g8Unemployed, name: "李强")
            let certifiedEnrollment = try await platform.train(
                workerID: certified.id, offering: offering, completion: completion)
            let certificate = try await platform.certify(certifiedEnrollment, on: completion.adding(days: 7))
            let enrollment = try await platform.train(workerID: other.id, offering: offering, completion: completion)
            let claimDay = TestPlatform.on(completion.adding(days: 14))

            let refused = await refusal {
                try await platform.payment(as: .hrss).submitClaim(
                    SubmitClaimRequest(
                        requestId: "claim-1", enrollmentId: enrollment.id, certificateNumber: "DZ-2021-NOT-A-NUMBER"),
                    options: claimDay)
            }
            XCTAssertEqual(refused?.code, .invalidArgument, "\(String(describing: refused))")
            XCTAssertTrue(
                refused?.message.hasPrefix(
                    "certificate_number: R2: certificate DZ-2021-NOT-A-NUMBER is not a certificate number")
                    ?? false, "\(String(describing: refused))")
            let none = try await platform.payment(as: .finance).listClaims(ListClaimsRequest(offeringId: offering.id))
                .claims
            XCTAssertEqual(none, [])

            let decided = try await platform.payment(as: .hrss).submitClaim(
                SubmitClaimRequest(
                    requestId: "claim-2", enrollmentId: enrollment.id, certificateNumber: certificate.number),
                options: claimDay)
            let decision = try XCTUnwrap(decided.claim?.decision)
            XCTAssertFalse(decision.eligible)
            XCTAssertEqual(decision.refusingRuleIds, ["R2"])
            XCTAssertEqual(
                decision.refusalReason, "R2: certificate \(certificate.number) was not obtained from this training")
            XCTAssertEqual(decision.tranches, [])
            let entries = try await ledger(platform)
            XCTAssertEqual(entries, [])
        }
    }

    /// Health answers for the payment service, with the policy it decides by in a trailer, as the
    /// executable's interceptors add it.
    func testHealthServesPaymentAndNamesThePolicy() async throws {
        try await withPlatform { platform in
            let received = ResponseMetadata()
            let health = Grpc_Health_V1_HealthClient(
                InProcessTransport(server: platform.paymentServer, peer: TestCaller.finance.identity))
            let answer = try await health.check(
                Grpc_Health_V1_HealthCheckRequest(service: "skills.v1.PaymentService"),
                options: CallOptions(responseMetadata: received))
            XCTAssertEqual(answer.status, .serving)
            XCTAssertTrue(
                received.trailers["skills-policy"]?.hasPrefix("dezhou-2019-2021/") ?? false, "\(received.trailers)")
        }
    }

    func testAnUnknownTrancheIsNotFound() async throws {
        try await withPlatform { platform in
            let refused = await refusal {
                try await platform.payment(as: .finance).disburse(
                    DisburseRequest(requestId: "pay-6", trancheId: "t-missing"), options: self.paidOn)
            }
            XCTAssertEqual(refused?.code, .notFound)
            XCTAssertEqual(refused?.message, "no tranche t-missing")
        }
    }
}
