import ArgumentParser
import PaymentCore
import Policy
import ServiceKit

/// `skills-payment`: subsidy decisions, tranches and the special fund's ledger.
@main
struct SkillsPayment: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skills-payment",
        abstract:
            "The payment service: decides subsidies under the policy (R1..R11), holds and releases tranches (R7), pays them from the special fund's ledger (R11), reports target T1."
    )

    @OptionGroup var settings: ServiceSettings

    @Option(
        help:
            "The special fund's opening balance in fen, set when the database is created. [env: SKILLS_PAYMENT_FUND_FEN]"
    )
    var fundFen: Int64 = Int64(Environment.string("SKILLS_PAYMENT_FUND_FEN") ?? "") ?? 50_000_000_000

    @OptionGroup var policySettings: PolicySettings

    func run() async throws {
        let policy = try policySettings.load()
        try await ServiceRunner.run(
            PaymentHandler.manifest(initialFundFen: fundFen), settings: settings,
            interceptors: [policy.healthTrailer]
        ) { environment in
            policy.announce(logger: environment.logger)
            return [PaymentHandler(environment: environment, book: policy.book).serviceDefinition]
        }
    }
}
