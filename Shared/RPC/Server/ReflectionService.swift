import Schema

/// `grpc.reflection.v1.ServerReflection` (and v1alpha, see `v1alphaServiceDefinition`), answered from the descriptor set that `protoc` writes for
/// `Protos/` (embedded in the schema module), so grpcurl and similar tools can list and call the
/// methods without the proto files.
public struct ReflectionService: Grpc_Reflection_V1_ServerReflectionProvider {
    typealias Request = Grpc_Reflection_V1_ServerReflectionRequest
    typealias Response = Grpc_Reflection_V1_ServerReflectionResponse

    private let index: DescriptorIndex
    private let serviceNames: [String]

    /// - Parameter services: the names of the services this server offers (listed by `list_services`).
    public init(services: [String], descriptorSet: [UInt8] = SchemaDescriptorSet.bytes) {
        self.index = DescriptorIndex(descriptorSet: descriptorSet)
        self.serviceNames = services.sorted()
    }

    public func serverReflectionInfo(
        requests: MessageStream<Grpc_Reflection_V1_ServerReflectionRequest>,
        responses: MessageWriter<Grpc_Reflection_V1_ServerReflectionResponse>,
        context: ServerContext
    ) async throws {
        for try await request in requests {
            try await responses.write(answer(request))
        }
    }

    /// `grpc.reflection.v1alpha.ServerReflection`, the older package that clients such as
    /// grpcio-reflection still ask for, answered by the same code: its messages are field for field
    /// those of v1, so the v1 types read and write them.
    public var v1alphaServiceDefinition: ServiceDefinition {
        let method = RPCMethod<Request, Response>(
            Grpc_Reflection_V1alpha_ServerReflection.Method.serverReflectionInfo.descriptor)
        return ServiceDefinition(
            descriptor: Grpc_Reflection_V1alpha_ServerReflection.descriptor,
            methods: [
                .bidirectionalStreaming(method) {
                    try await self.serverReflectionInfo(requests: $0, responses: $1, context: $2)
                }
            ])
    }

    func answer(_ request: Request) -> Response {
        var response = Response(validHost: request.host, originalRequest: request)
        switch request.messageRequest {
        case .listServices?:
            response.messageResponse = .listServicesResponse(
                Grpc_Reflection_V1_ListServiceResponse(
                    service: serviceNames.map { Grpc_Reflection_V1_ServiceResponse(name: $0) }))
        case .fileByFilename(let name)?:
            response.messageResponse = files(index.fileNamed(name), missing: "file '\(name)'")
        case .fileContainingSymbol(let symbol)?:
            response.messageResponse = files(index.fileDefining(symbol), missing: "symbol '\(symbol)'")
        case .fileContainingExtension?, .allExtensionNumbersOfType?:
            response.messageResponse = .errorResponse(
                Grpc_Reflection_V1_ErrorResponse(
                    errorCode: Int32(StatusCode.notFound.rawValue), errorMessage: "the contract defines no extensions"))
        case nil:
            response.messageResponse = .errorResponse(
                Grpc_Reflection_V1_ErrorResponse(
                    errorCode: Int32(StatusCode.invalidArgument.rawValue), errorMessage: "empty reflection request"))
        }
        return response
    }

    private func files(_ name: String?, missing: String) -> Response.MessageResponse {
        guard let name else {
            return .errorResponse(
                Grpc_Reflection_V1_ErrorResponse(
                    errorCode: Int32(StatusCode.notFound.rawValue), errorMessage: "unknown \(missing)"))
        }
        return .fileDescriptorResponse(
            Grpc_Reflection_V1_FileDescriptorResponse(
                fileDescriptorProto: index.withDependencies(name).compactMap { index.files[$0]?.bytes }))
    }
}

/// The files of a `FileDescriptorSet`, with the symbols each defines, read with a minimal protobuf
/// wire reader (only names, packages, dependencies, messages, enums and services are needed).
struct DescriptorIndex: Sendable {
    struct File: Sendable {
        var bytes: [UInt8]
        var dependencies: [String]
    }

    private(set) var files: [String: File] = [:]
    private var symbols: [String: String] = [:]

    init(descriptorSet: [UInt8]) {
        for (field, value) in WireReader.fields(descriptorSet) where field == 1 {
            guard case .bytes(let fileBytes) = value else { continue }
            var name = "", package = ""
            var dependencies: [String] = []
            var definitions: [String] = []
            for (field, value) in WireReader.fields(fileBytes) {
                guard case .bytes(let bytes) = value else { continue }
                switch field {
                case 1: name = String(decoding: bytes, as: UTF8.self)
                case 2: package = String(decoding: bytes, as: UTF8.self)
                case 3: dependencies.append(String(decoding: bytes, as: UTF8.self))
                case 4: definitions += Self.messageSymbols(bytes, prefix: "")
                case 5: definitions += [Self.name(of: bytes)]
                case 6:
                    let service = Self.name(of: bytes)
                    definitions.append(service)
                    for (methodField, methodValue) in WireReader.fields(bytes) where methodField == 2 {
                        if case .bytes(let method) = methodValue {
                            definitions.append("\(service).\(Self.name(of: method))")
                        }
                    }
                default: break
                }
            }
            files[name] = File(bytes: fileBytes, dependencies: dependencies)
            for definition in definitions {
                symbols[package.isEmpty ? definition : "\(package).\(definition)"] = name
            }
        }
    }

    func fileNamed(_ name: String) -> String? { files[name] == nil ? nil : name }
    func fileDefining(_ symbol: String) -> String? {
        symbols[symbol.hasPrefix(".") ? String(symbol.dropFirst()) : symbol]
    }

    /// `name` and everything it imports, transitively, the file itself first.
    func withDependencies(_ name: String) -> [String] {
        var order: [String] = []
        var seen: Set<String> = []
        var pending = [name]
        while let next = pending.popLast() {
            guard seen.insert(next).inserted else { continue }
            order.append(next)
            pending += files[next]?.dependencies ?? []
        }
        return order
    }

    private static func name(of descriptor: [UInt8]) -> String {
        for (field, value) in WireReader.fields(descriptor) where field == 1 {
            if case .bytes(let bytes) = value { return String(decoding: bytes, as: UTF8.self) }
        }
        return ""
    }

    private static func messageSymbols(_ message: [UInt8], prefix: String) -> [String] {
        let full = prefix.isEmpty ? name(of: message) : "\(prefix).\(name(of: message))"
        var symbols = [full]
        for (field, value) in WireReader.fields(message) {
            guard case .bytes(let bytes) = value else { continue }
            if field == 3 { symbols += messageSymbols(bytes, prefix: full) }
            if field == 4 { symbols.append("\(full).\(name(of: bytes))") }
        }
        return symbols
    }
}

/// Reads the top-level fields of a protobuf encoding; stops at the first malformed byte.
enum WireReader {
    enum Value {
        case varint(UInt64)
        case bytes([UInt8])
        case fixed
    }

    static func fields(_ bytes: [UInt8]) -> [(Int, Value)] {
        var result: [(Int, Value)] = []
        var index = 0
        func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while index < bytes.count, shift < 64 {
                let byte = bytes[index]
                index += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        while index < bytes.count {
            guard let key = varint() else { break }
            let field = Int(key >> 3)
            switch key & 7 {
            case 0:
                guard let value = varint() else { return result }
                result.append((field, .varint(value)))
            case 1:
                index += 8
                result.append((field, .fixed))
            case 2:
                guard let length = varint(), length <= UInt64(bytes.count - index) else { return result }
                result.append((field, .bytes(Array(bytes[index..<index + Int(length)]))))
                index += Int(length)
            case 5:
                index += 4
                result.append((field, .fixed))
            default:
                return result
            }
        }
        return result
    }
}
