import ArgumentParser
import AssessmentCore
import ServiceKit

/// `skills-assessment`: assessments, results and signed certificates.
@main
struct SkillsAssessment: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skills-assessment",
        abstract:
            "The assessment service: schedules assessments (A1), records results, issues Ed25519-signed certificates (A2, A3), verifies and revokes them (A4)."
    )

    @OptionGroup var settings: ServiceSettings

    func run() async throws {
        try await ServiceRunner.run(AssessmentHandler.manifest, settings: settings) { environment in
            [try await AssessmentHandler.start(environment: environment).serviceDefinition]
        }
    }
}
