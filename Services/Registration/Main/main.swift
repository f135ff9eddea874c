import ArgumentParser
import RegistrationCore
import ServiceKit

/// `skills-registration`: workers, enterprises, institutions (C4) and teachers.
@main
struct SkillsRegistration: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skills-registration",
        abstract:
            "The registration service: workers (G1..G17), enterprises, training institutions and their filings (C4), teachers."
    )

    @OptionGroup var settings: ServiceSettings

    func run() async throws {
        try await ServiceRunner.run(RegistrationHandler.manifest, settings: settings) { environment in
            [RegistrationHandler(environment: environment).serviceDefinition]
        }
    }
}
