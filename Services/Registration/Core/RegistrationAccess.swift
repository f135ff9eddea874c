import RPC
import Schema
import ServiceKit

/// Which certificate roles may call which registration methods (docs/DESIGN.md: identity is the TLS
/// client certificate; its OU names the role).
public enum RegistrationAccess {
    private typealias Method = RegistrationService.Method
    private static let attesting = Role.attestingDepartments
    private static let attestingAndServices = Role.attestingDepartments.union(Role.platformServices)

    public static let table = AccessTable([
        Method.registerWorker.descriptor: .only(attesting.union([.workerPortal])),
        Method.updateWorker.descriptor: .only(attesting.union([.workerPortal])),
        Method.getWorker.descriptor: .only(
            attestingAndServices.union([.workerPortal, .institution, .finance, .assessmentOrg])),
        Method.listWorkers.descriptor: .only(attestingAndServices.union([.finance])),
        Method.registerEnterprise.descriptor: [.hrss, .enterprise],
        Method.getEnterprise.descriptor: .only(attestingAndServices.union([.enterprise, .finance, .institution])),
        Method.registerInstitution.descriptor: [.hrss, .institution, .education],
        Method.reviewInstitutionFiling.descriptor: [.hrss],
        // Which certificates act for an institution (O4) is the government's call, not the institution's.
        Method.setInstitutionSystems.descriptor: [.hrss],
        Method.getInstitution.descriptor: .only(
            attestingAndServices.union([.institution, .finance, .workerPortal, .enterprise])),
        Method.listInstitutions.descriptor: .only(
            attestingAndServices.union([.institution, .finance, .workerPortal, .enterprise, .assessmentOrg])),
        Method.registerTeacher.descriptor: [.hrss, .institution, .education],
        Method.listTeachers.descriptor: .only(attestingAndServices.union([.institution, .workerPortal])),
    ])
}
