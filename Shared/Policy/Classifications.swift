/// The names, in Chinese and English, of the codes the platform reports by: the worker groups
/// G1..G17 (docs/POLICY.md "Who is registered"), the industries of GB/T 4754-2017 (国民经济行业分类)
/// that enterprises register with, and the major groups of the occupational classification
/// (中华人民共和国职业分类大典 2015, GB/T 6565-2015) that occupation codes start with.
///
/// The one table of these names: services label what they report with it, so every client
/// (grpcio, Java ...) receives names rather than keeping its own copy.
public enum Classifications {
    /// A code's name in Chinese and in English.
    public struct Name: Sendable, Hashable {
        public let zh: String
        public let en: String

        public init(zh: String, en: String) {
            self.zh = zh
            self.en = en
        }
    }

    /// The name of worker group `number` (1 for G1 ... 17 for G17); nil outside 1...17.
    public static func workerGroup(_ number: Int) -> Name? {
        workerGroups[number]
    }

    /// The name of an industry code of GB/T 4754-2017: a division such as "C26" by its own name
    /// where this table has it, else by its section's (the letter's) name; nil when the code does
    /// not start with a section letter A..T.
    public static func industry(_ code: String) -> Name? {
        let normalised = code.uppercased()
        if let division = industryDivisions[normalised] { return division }
        guard let letter = normalised.first else { return nil }
        return industrySections[letter]
    }

    /// The name of an occupational major group, 1...8, the first digit of an occupation code
    /// ("4-10-01-06" is in group 4); nil for any other number.
    public static func occupationGroup(_ number: Int) -> Name? {
        occupationGroups[number]
    }

    private static let workerGroups: [Int: Name] = [
        1: Name(zh: "企业在职职工", en: "enterprise employee"),
        2: Name(zh: "企业新录用职工", en: "new hire of an enterprise"),
        3: Name(zh: "在校大学生", en: "university or college student"),
        4: Name(zh: "贫困家庭子女", en: "child of a poor family"),
        5: Name(zh: "建档立卡贫困劳动力", en: "registered poor labourer"),
        6: Name(zh: "两后生", en: "\"two-after\" youth not continuing school"),
        7: Name(zh: "农村转移就业劳动者", en: "rural worker moving to non-farm work"),
        8: Name(zh: "登记失业人员", en: "registered unemployed"),
        9: Name(zh: "转岗职工", en: "worker changing post in a difficult enterprise"),
        10: Name(zh: "就业困难人员", en: "person with employment difficulty"),
        11: Name(zh: "即将刑释人员", en: "person about to be released from prison"),
        12: Name(zh: "社区矫正人员", en: "community-correction person"),
        13: Name(zh: "乡村人才、农民", en: "rural talent or farmer"),
        14: Name(zh: "退役军人", en: "veteran"),
        15: Name(zh: "特种作业人员", en: "special-operations worker in a high-risk industry"),
        16: Name(zh: "家政服务从业人员", en: "domestic-service worker"),
        17: Name(zh: "创业者", en: "entrepreneur or would-be entrepreneur"),
    ]

    private static let industrySections: [Character: Name] = [
        "A": Name(zh: "农、林、牧、渔业", en: "agriculture, forestry, animal husbandry and fishery"),
        "B": Name(zh: "采矿业", en: "mining"),
        "C": Name(zh: "制造业", en: "manufacturing"),
        "D": Name(zh: "电力、热力、燃气及水生产和供应业", en: "electricity, heat, gas and water production and supply"),
        "E": Name(zh: "建筑业", en: "construction"),
        "F": Name(zh: "批发和零售业", en: "wholesale and retail trade"),
        "G": Name(zh: "交通运输、仓储和邮政业", en: "transport, storage and postal services"),
        "H": Name(zh: "住宿和餐饮业", en: "accommodation and catering"),
        "I": Name(zh: "信息传输、软件和信息技术服务业", en: "information transmission, software and IT services"),
        "J": Name(zh: "金融业", en: "finance"),
        "K": Name(zh: "房地产业", en: "real estate"),
        "L": Name(zh: "租赁和商务服务业", en: "leasing and business services"),
        "M": Name(zh: "科学研究和技术服务业", en: "scientific research and technical services"),
        "N": Name(zh: "水利、环境和公共设施管理业", en: "water, environment and public facilities management"),
        "O": Name(zh: "居民服务、修理和其他服务业", en: "resident services, repair and other services"),
        "P": Name(zh: "教育", en: "education"),
        "Q": Name(zh: "卫生和社会工作", en: "health and social work"),
        "R": Name(zh: "文化、体育和娱乐业", en: "culture, sports and entertainment"),
        "S": Name(zh: "公共管理、社会保障和社会组织", en: "public administration, social security and social organisations"),
        "T": Name(zh: "国际组织", en: "international organisations"),
    ]

    /// The divisions Dezhou's enterprises register most (the "6+6" key industries among them);
    /// any other division is named by its section.
    private static let industryDivisions: [String: Name] = [
        "A01": Name(zh: "农业", en: "agriculture"),
        "A03": Name(zh: "畜牧业", en: "animal husbandry"),
        "B06": Name(zh: "煤炭开采和洗选业", en: "coal mining and washing"),
        "B07": Name(zh: "石油和天然气开采业", en: "extraction of petroleum and natural gas"),
        "C13": Name(zh: "农副食品加工业", en: "processing of agricultural and sideline food products"),
        "C14": Name(zh: "食品制造业", en: "manufacture of foods"),
        "C17": Name(zh: "纺织业", en: "manufacture of textiles"),
        "C18": Name(zh: "纺织服装、服饰业", en: "manufacture of textile garments and apparel"),
        "C26": Name(zh: "化学原料和化学制品制造业", en: "manufacture of chemical raw materials and chemical products"),
        "C27": Name(zh: "医药制造业", en: "manufacture of medicines"),
        "C29": Name(zh: "橡胶和塑料制品业", en: "manufacture of rubber and plastic products"),
        "C30": Name(zh: "非金属矿物制品业", en: "manufacture of non-metallic mineral products"),
        "C33": Name(zh: "金属制品业", en: "manufacture of metal products"),
        "C34": Name(zh: "通用设备制造业", en: "manufacture of general-purpose machinery"),
        "C35": Name(zh: "专用设备制造业", en: "manufacture of special-purpose machinery"),
        "C36": Name(zh: "汽车制造业", en: "manufacture of automobiles"),
        "C38": Name(zh: "电气机械和器材制造业", en: "manufacture of electrical machinery and equipment"),
        "C39": Name(
            zh: "计算机、通信和其他电子设备制造业", en: "manufacture of computers, communication and other electronic equipment"),
        "D44": Name(zh: "电力、热力生产和供应业", en: "production and supply of electricity and heat"),
        "E47": Name(zh: "房屋建筑业", en: "construction of buildings"),
        "E48": Name(zh: "土木工程建筑业", en: "civil engineering"),
        "F51": Name(zh: "批发业", en: "wholesale trade"),
        "F52": Name(zh: "零售业", en: "retail trade"),
        "G54": Name(zh: "道路运输业", en: "road transport"),
        "H61": Name(zh: "住宿业", en: "accommodation"),
        "H62": Name(zh: "餐饮业", en: "catering"),
        "I65": Name(zh: "软件和信息技术服务业", en: "software and information technology services"),
        "O80": Name(zh: "居民服务业", en: "resident services"),
        "O81": Name(zh: "机动车、电子产品和日用产品修理业", en: "repair of motor vehicles, electronic and household products"),
        "P83": Name(zh: "教育", en: "education"),
        "Q84": Name(zh: "卫生", en: "health"),
        "Q85": Name(zh: "社会工作", en: "social work"),
    ]

    private static let occupationGroups: [Int: Name] = [
        1: Name(
            zh: "党的机关、国家机关、群众团体和社会组织、企事业单位负责人",
            en: "heads of party and state bodies, mass and social organisations, enterprises and institutions"),
        2: Name(zh: "专业技术人员", en: "professional and technical personnel"),
        3: Name(zh: "办事人员和有关人员", en: "clerks and related personnel"),
        4: Name(zh: "社会生产服务和生活服务人员", en: "production and life service personnel"),
        5: Name(zh: "农、林、牧、渔业生产及辅助人员", en: "agriculture, forestry, animal husbandry and fishery workers"),
        6: Name(zh: "生产制造及有关人员", en: "production and manufacturing personnel"),
        7: Name(zh: "军人", en: "military personnel"),
        8: Name(zh: "不便分类的其他从业人员", en: "other workers not elsewhere classified"),
    ]
}
