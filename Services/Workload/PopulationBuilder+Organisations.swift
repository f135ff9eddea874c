import Essentials
import Schema

/// Enterprises, training institutions and the catalogue they train from.
extension PopulationBuilder {
    mutating func makeEnterprises() {
        let count = max(4, total / 150)
        for i in 0..<count {
            let key = i % 2 == 0
            let industry =
                key
                ? Population.keyIndustries[i / 2 % Population.keyIndustries.count]
                : Population.generalIndustries[i / 2 % Population.generalIndustries.count]
            let highRisk = industry == "C26" || industry == "B06"
            let code = CreditCodes.make(serial: identifierOffset * 1_000_000 + i)
            enterprises.append(
                Enterprise(
                    creditCode: code,
                    name: "德州\(Population.surnames[i % Population.surnames.count])氏\(industryName(industry))有限公司\(i)",
                    industry: industry, keyIndustry: key, inDifficulty: random.chance(0.05),
                    layoffRisk: random.chance(0.03),
                    highRisk: highRisk,
                    highRiskSector: industry == "C26" ? "chemicals" : industry == "B06" ? "coal" : "",
                    district: random.element(of: Population.districts)))
            if i % 5 == 0 { hiringEnterprises.append(i) }
        }
    }

    func industryName(_ code: String) -> String {
        switch code {
        case "C26": return "化工"
        case "C34", "C38": return "机械"
        case "C36": return "汽车"
        case "C13": return "食品"
        case "I65": return "软件"
        case "E47": return "建筑"
        case "F52": return "商贸"
        case "H62": return "餐饮"
        case "O80": return "家政"
        case "B06": return "煤业"
        default: return "农业"
        }
    }

    mutating func makeInstitutions() {
        let occupations = standards.allOccupations.map(\.code)
        let count = max(3, total / 400)
        var scopes: [[String]] = Array(repeating: [], count: count)
        // Every occupation is covered by at least two institutions, then each gets a few more.
        for (i, code) in occupations.enumerated() {
            scopes[i % count].append(code)
            scopes[(i + 1) % count].append(code)
        }
        for i in 0..<count {
            for _ in 0..<random.int(in: 2...5) {
                let code = random.element(of: occupations)
                if !scopes[i].contains(code) { scopes[i].append(code) }
            }
            scopes[i].sort()
        }
        let kinds: [InstitutionKind] = [
            .privateTraining, .publicTraining, .vocationalCollege, .technicianCollege, .university,
            .socialOrganisation, .enterpriseTrainingCentre,
        ]
        for i in 0..<count {
            let code = CreditCodes.make(serial: identifierOffset * 1_000_000 + 500_000 + i, kind: "52")
            let institution = Institution(
                creditCode: code, name: "德州市第\(i + 1)职业技能培训学校", kind: kinds[i % kinds.count],
                contactPhone: "0534-\(2_000_000 + (i * 7919 + identifierOffset) % 7_999_999)",
                address: "德城区天衢路\(i + 1)号", district: random.element(of: Population.districts),
                systemCertificateNames: [Population.institutionSystemCertificate])
            institutions.append(PopulationInstitution(institution: institution, licenceScope: scopes[i]))
            for occupation in scopes[i] { institutionsByOccupation[occupation, default: []].append(i) }
        }
    }

    func catalogue() -> [CatalogEntry] {
        standards.allOccupations.map { entry in
            let key = entry.code.hasPrefix("6-")
            return CatalogEntry(
                kind: key ? .c1KeyIndustry : .c2General, occupation: Occupation(code: entry.code, name: entry.nameZH),
                levels: entry.levels.map { SkillLevel(rawValue: Int32($0)) },
                industry: key ? "C" : "", note: "职业技能提升行动 2019-2021",
                effectiveFrom: standards.programmeStart.calendarDate,
                effectiveUntil: standards.programmeEnd.calendarDate)
        }
    }
}
