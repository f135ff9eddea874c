import ArgumentParser
import PaymentCore
import Policy
import ServiceKit

/// `skills-payment`: subsidy decisions, tranches and the special fund's ledger.
@main
struct SkillsPayment: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skills-payment",
        abstract: "The payment service: decides subsidies under the policy (R1..R11), holds and releases tranches (R7), pays them from the special fund's ledger (R11), reports target T1.")

    @OptionGroup var settings: ServiceSettings

    @Option(help: "The special fund's opening balance in fen, set when the database is created. [env: SKILLS_PAYMENT_FUND_FEN]")
    var fundFen: Int64 = Int64(Environment.string("SKILLS_PAYMENT_FUND_FEN") ?? "") ?? 50_000_000_000

    @Option(help: "A policy data file (JSON) instead of the bundled Dezhou 2019-2021 policy. [env: SKILLS_POLICY_FILE]")
    var policyFile: String = Environment.string("SKILLS_POLICY_FILE") ?? ""

    func run() async throws {
        let book = try policyFile.isEmpty ? PolicyBook.bundled() : PolicyBook(contentsOf: URL(fileURLWithPath: policyFile))
        try await ServiceRunner.run(PaymentHandler.manifest(initialFundFen: fundFen), settings: settings) { environment in
            [PaymentHandler(environment: environment, book: book).serviceDefinition]
        }
    }
}

import Foundation
