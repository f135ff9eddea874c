import Schema

extension ServerCallRouter {
    /// The status a caller sees for an error a handler (or an interceptor) threw: the one mapping
    /// shared by `GRPCServer` and `InProcessServer`. Errors that know no status become `UNKNOWN`
    /// without their text, which is logged instead.
    func status(for error: any Error, method: MethodDescriptor?) -> RPCError {
        switch error {
        case let error as RPCError:
            return error
        case let error as SchemaError:
            return error.rpcError
        case let error as any RPCErrorConvertible:
            return error.rpcError
        case is CancellationError:
            return RPCError(.cancelled, "the call was cancelled")
        default:
            logger.error(
                "handler failed with an unmapped error",
                metadata: [
                    "method": "\(method?.path ?? "?")", "error": "\(String(reflecting: error))",
                ])
            return RPCError(.unknown, "internal error")
        }
    }
}
