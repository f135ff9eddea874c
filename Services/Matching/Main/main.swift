import ArgumentParser
import MatchingCore
import ServiceKit

/// `skills-matching`: the five orders (O1..O5) and the catalogues C1..C3.
@main
struct SkillsMatching: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skills-matching",
        abstract:
            "The matching service: training demands (O1, C3), catalogues (C1, C2), offerings (O2), enrolments from selection to payment (O3..O5)."
    )

    @OptionGroup var settings: ServiceSettings

    @OptionGroup var policySettings: PolicySettings

    func run() async throws {
        let policy = try policySettings.load()
        try await ServiceRunner.run(MatchingHandler.manifest, settings: settings, interceptors: [policy.healthTrailer])
        { environment in
            policy.announce(logger: environment.logger)
            return [MatchingHandler(environment: environment, policy: policy).serviceDefinition]
        }
    }
}
