#!/usr/bin/env python3
"""schemagen: the Swift bindings of the shared schema module.

Reads a descriptor set written by
    protoc --include_imports --include_source_info --descriptor_set_out=...
and writes, under --out:
    Shared/Schema/Generated/<proto path with / -> _>.swift   messages, enums, services
    Shared/Schema/Generated/AllMessages.swift                SchemaCatalog
    Shared/Schema/Generated/SchemaDescriptorSet.swift        the descriptor set (--reflection)
    Tests/SchemaTests/Generated/SampleMessages.swift         a fully populated value per message

The Swift code targets the runtime in Shared/Schema/Runtime (ProtoMessage, CMessageBacked,
CArena, CRead, RPCMethod ...) and the C structs protoc-c 1.4.1 generates for the same files.
Output is deterministic: same descriptor set in, same bytes out.
"""
import argparse
import base64
import os
import re
import sys

from google.protobuf import descriptor_pb2

FD = descriptor_pb2.FieldDescriptorProto

SWIFT_KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
    "inout", "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public",
    "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue",
    "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
    "throw", "switch", "where", "while", "Any", "as", "await", "false", "is", "nil", "self", "Self",
    "super", "throws", "true", "try", "Type", "Protocol",
}

SCALARS = {
    FD.TYPE_INT32: "Int32", FD.TYPE_SINT32: "Int32", FD.TYPE_SFIXED32: "Int32",
    FD.TYPE_INT64: "Int64", FD.TYPE_SINT64: "Int64", FD.TYPE_SFIXED64: "Int64",
    FD.TYPE_UINT32: "UInt32", FD.TYPE_FIXED32: "UInt32",
    FD.TYPE_UINT64: "UInt64", FD.TYPE_FIXED64: "UInt64",
    FD.TYPE_FLOAT: "Float", FD.TYPE_DOUBLE: "Double",
    FD.TYPE_BOOL: "Bool", FD.TYPE_STRING: "String", FD.TYPE_BYTES: "[UInt8]",
}

READ_ONLY_PREFIXES = ("Get", "List", "Verify", "Check", "Watch", "Export")
ALWAYS_IDEMPOTENT_PACKAGES = ("skills.testing.v1", "grpc.reflection.v1", "grpc.reflection.v1alpha")  # test echo; reflection only reads
PLAIN_PACKAGE = "skills.v1"


def fail(message):
    sys.stderr.write("schemagen: %s\n" % message)
    sys.exit(1)


def escape(name):
    return "`%s`" % name if name in SWIFT_KEYWORDS else name


def lower_camel(snake):
    parts = [p for p in snake.split("_") if p]
    if not parts:
        return snake
    first = parts[0]
    first = first.lower() if first.isupper() or first.islower() or first[0].isdigit() else first[0].lower() + first[1:]
    return first + "".join(p[0].upper() + p[1:].lower() if p.isupper() else p[0].upper() + p[1:] for p in parts[1:])


def label(name):
    """An argument label: only `inout`, `var` and `let` need backticks there."""
    return "`%s`" % name if name in ("inout", "var", "let") else name


def method_camel(name):
    return name[0].lower() + name[1:]


def upper_camel(snake):
    return "".join(p[0].upper() + p[1:] for p in snake.split("_") if p)


def upper_snake(camel):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", camel).upper()


def c_camel_to_lower(name):
    # protobuf-c 1.4.1 CamelToLower: '_' before an upper-case letter that follows a non-upper one.
    out, was_upper = [], True
    for ch in name:
        is_upper = ch.isupper()
        if is_upper:
            if not was_upper:
                out.append("_")
            out.append(ch.lower())
        else:
            out.append(ch)
        was_upper = is_upper
    return "".join(out)


def swift_package_prefix(package):
    if package == PLAIN_PACKAGE:
        return ""
    return "".join(upper_camel(p) + "_" for p in package.split("."))


def doc_lines(comment, indent):
    if not comment:
        return []
    lines = comment.rstrip("\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    out = []
    for line in lines:
        if line.startswith(" "):
            line = line[1:]
        out.append((indent + "/// " + line).rstrip())
    return out


class TypeInfo:
    def __init__(self, kind, full, package, local_parts, file, proto):
        self.kind = kind              # "message" or "enum"
        self.full = full              # skills.v1.Worker
        self.package = package
        self.local_parts = local_parts  # ["Outer", "Inner"]
        self.file = file
        self.proto = proto

    @property
    def swift(self):
        return swift_package_prefix(self.package) + ".".join(self.local_parts)

    @property
    def c_type(self):
        pkg = "__".join(upper_camel(p) for p in self.package.split(".")) if self.package else ""
        return "__".join(([pkg] if pkg else []) + self.local_parts)

    @property
    def c_func(self):
        pkg = "__".join(self.package.split(".")) if self.package else ""
        return "__".join(([pkg] if pkg else []) + [c_camel_to_lower(p) for p in self.local_parts])


class Generator:
    def __init__(self, fds):
        self.fds = fds
        self.types = {}
        self.comments = {}
        for f in fds.file:
            comments = {}
            for loc in f.source_code_info.location:
                text = loc.leading_comments or loc.trailing_comments
                if text:
                    comments[tuple(loc.path)] = text
            self.comments[f.name] = comments
            for i, m in enumerate(f.message_type):
                self._index_message(f, m, [m.name], (4, i))
            for i, e in enumerate(f.enum_type):
                self._index_enum(f, e, [e.name], (5, i))

    def _index_message(self, f, m, parts, path):
        full = ".".join(([f.package] if f.package else []) + parts)
        if m.options.map_entry:
            fail("%s: map fields are not supported (use a repeated entry message)" % full)
        info = TypeInfo("message", full, f.package, parts, f, m)
        info.path = path
        self.types["." + full] = info
        for i, n in enumerate(m.nested_type):
            self._index_message(f, n, parts + [n.name], path + (3, i))
        for i, e in enumerate(m.enum_type):
            self._index_enum(f, e, parts + [e.name], path + (4, i))

    def _index_enum(self, f, e, parts, path):
        full = ".".join(([f.package] if f.package else []) + parts)
        info = TypeInfo("enum", full, f.package, parts, f, e)
        info.path = path
        self.types["." + full] = info

    def comment(self, f, path):
        return self.comments[f.name].get(tuple(path), "")

    # ---------------------------------------------------------------- fields

    def field_swift_type(self, field):
        if field.type in (FD.TYPE_MESSAGE, FD.TYPE_ENUM):
            base = self.types[field.type_name].swift
        elif field.type == FD.TYPE_GROUP:
            fail("groups are not supported")
        else:
            base = SCALARS[field.type]
        if field.label == FD.LABEL_REPEATED:
            return "[%s]" % base
        if field.type == FD.TYPE_MESSAGE:
            return base + "?"
        return base

    def enum_case_name(self, enum_info, value_name):
        prefix = upper_snake(enum_info.proto.name) + "_"
        rest = value_name
        if value_name.startswith(prefix) and len(value_name) > len(prefix) and value_name[len(prefix)].isalpha():
            rest = value_name[len(prefix):]
        return lower_camel(rest)

    def default_value(self, field):
        if field.label == FD.LABEL_REPEATED:
            return "[]"
        t = field.type
        if t == FD.TYPE_MESSAGE:
            return "nil"
        if t == FD.TYPE_ENUM:
            e = self.types[field.type_name]
            zero = [v for v in e.proto.value if v.number == 0]
            if not zero:
                fail("%s has no zero value" % e.full)
            return "." + escape(self.enum_case_name(e, zero[0].name))
        if t == FD.TYPE_BOOL:
            return "false"
        if t == FD.TYPE_STRING:
            return '""'
        if t == FD.TYPE_BYTES:
            return "[]"
        return "0"

    def members(self, m):
        """Fields and oneofs in declaration order: ("field", f) or ("oneof", index, [fields])."""
        out, seen = [], set()
        for f in m.field:
            if f.proto3_optional:
                fail("%s.%s: proto3 optional is not supported by protoc-c 1.4.1" % (m.name, f.name))
            if f.HasField("oneof_index"):
                if f.oneof_index in seen:
                    continue
                seen.add(f.oneof_index)
                out.append(("oneof", f.oneof_index, [g for g in m.field if g.HasField("oneof_index") and g.oneof_index == f.oneof_index]))
            else:
                out.append(("field", f))
        return out

    # ---------------------------------------------------------------- enums

    def emit_enum(self, info, indent, out):
        e = info.proto
        name = info.swift if len(info.local_parts) == 1 else e.name
        doc = self.comment(info.file, info.path)
        out.extend(doc_lines(doc, indent) or [indent + "/// `%s`." % info.full])
        out.append(indent + "public enum %s: Sendable, Hashable, CaseIterable {" % name)
        i2 = indent + "    "
        cases, seen_numbers = [], set()
        for vi, v in enumerate(e.value):
            case = escape(self.enum_case_name(info, v.name))
            out.extend(doc_lines(self.comment(info.file, info.path + (2, vi)), i2))
            out.append(i2 + "case %s" % case)
            if v.number not in seen_numbers:
                seen_numbers.add(v.number)
                cases.append((case, v.number, v.name))
        out.append(i2 + "/// A value this version of the schema does not know; kept so it re-encodes unchanged.")
        out.append(i2 + "case unrecognized(Int32)")
        out.append("")
        out.append(i2 + "public static let allCases: [%s] = [%s]" % (name, ", ".join("." + c for c, _, _ in cases)))
        out.append("")
        out.append(i2 + "public init(rawValue: Int32) {")
        out.append(i2 + "    switch rawValue {")
        for c, n, _ in cases:
            out.append(i2 + "    case %d: self = .%s" % (n, c))
        out.append(i2 + "    default: self = .unrecognized(rawValue)")
        out.append(i2 + "    }")
        out.append(i2 + "}")
        out.append("")
        out.append(i2 + "/// The value's number on the wire.")
        out.append(i2 + "public var rawValue: Int32 {")
        out.append(i2 + "    switch self {")
        for c, n, _ in cases:
            out.append(i2 + "    case .%s: return %d" % (c, n))
        out.append(i2 + "    case .unrecognized(let value): return value")
        out.append(i2 + "    }")
        out.append(i2 + "}")
        out.append("")
        out.append(i2 + "/// The value's name in the .proto file, e.g. `%s`." % cases[-1][2])
        out.append(i2 + "public var protoName: String {")
        out.append(i2 + "    switch self {")
        for c, n, pn in cases:
            out.append(i2 + '    case .%s: return "%s"' % (c, pn))
        out.append(i2 + "    case .unrecognized(let value): return String(value)")
        out.append(i2 + "    }")
        out.append(i2 + "}")
        out.append("")
        out.append(i2 + "/// Whether the value is one this version of the schema knows.")
        out.append(i2 + "public var isRecognized: Bool { if case .unrecognized = self { return false } else { return true } }")
        out.append(indent + "}")

    # ---------------------------------------------------------------- messages

    def c_enum_from_swift(self, field, expr):
        c = self.types[field.type_name].c_type
        return "%s(rawValue: UInt32(bitPattern: %s.rawValue))" % (c, expr)

    def swift_enum_from_c(self, field, expr):
        return "%s(rawValue: Int32(bitPattern: %s.rawValue))" % (self.types[field.type_name].swift, expr)

    def fill_singular(self, field, value, target, in_oneof):
        """Statements setting C member `target` from Swift expression `value`."""
        t = field.type
        if t == FD.TYPE_STRING:
            if in_oneof:
                return ["%s = arena.cString(%s)" % (target, value)]
            return ["if !%s.isEmpty { %s = arena.cString(%s) }" % (value, target, value)]
        if t == FD.TYPE_BYTES:
            if in_oneof:
                return ["%s = arena.binary(%s)" % (target, value)]
            return ["if !%s.isEmpty { %s = arena.binary(%s) }" % (value, target, value)]
        if t == FD.TYPE_BOOL:
            return ["%s = %s ? 1 : 0" % (target, value)]
        if t == FD.TYPE_ENUM:
            return ["%s = %s" % (target, self.c_enum_from_swift(field, value))]
        if t == FD.TYPE_MESSAGE:
            return ["%s = %s.makeFilledCStruct(in: arena)" % (target, value)]
        return ["%s = %s" % (target, value)]

    def fill_field(self, field):
        prop = "self." + escape(lower_camel(field.name))
        target = "c.pointee." + field.name
        if field.label == FD.LABEL_REPEATED:
            t = field.type
            if t == FD.TYPE_STRING:
                arr = "arena.array(%s.map { Optional(arena.cString($0)) })" % prop
            elif t == FD.TYPE_BYTES:
                arr = "arena.array(%s.map { arena.binary($0) })" % prop
            elif t == FD.TYPE_BOOL:
                arr = "arena.array(%s.map { $0 ? Int32(1) : Int32(0) })" % prop
            elif t == FD.TYPE_ENUM:
                arr = "arena.array(%s.map { %s })" % (prop, self.c_enum_from_swift(field, "$0"))
            elif t == FD.TYPE_MESSAGE:
                arr = "arena.array(%s.map { Optional($0.makeFilledCStruct(in: arena)) })" % prop
            else:
                arr = "arena.array(%s)" % prop
            return ["if !%s.isEmpty {" % prop,
                    "    c.pointee.n_%s = %s.count" % (field.name, prop),
                    "    %s = %s" % (target, arr),
                    "}"]
        if field.type == FD.TYPE_MESSAGE:
            return ["if let value = %s { %s = value.makeFilledCStruct(in: arena) }" % (prop, target)]
        return self.fill_singular(field, prop, target, False)

    def read_singular(self, field, expr):
        """A Swift expression reading C expression `expr` (messages handled by the caller)."""
        t = field.type
        if t == FD.TYPE_STRING:
            return 'try CRead.string(%s, message: Self.protoName, field: "%s")' % (expr, field.name)
        if t == FD.TYPE_BYTES:
            return "CRead.bytes(%s)" % expr
        if t == FD.TYPE_BOOL:
            return "%s != 0" % expr
        if t == FD.TYPE_ENUM:
            return self.swift_enum_from_c(field, expr)
        return expr

    def read_field(self, field):
        prop = "self." + escape(lower_camel(field.name))
        src = "c.pointee." + field.name
        count = "c.pointee.n_" + field.name
        if field.label == FD.LABEL_REPEATED:
            t = field.type
            if t == FD.TYPE_STRING:
                return ['%s = try CRead.strings(%s, count: %s, message: Self.protoName, field: "%s")' % (prop, src, count, field.name)]
            if t == FD.TYPE_MESSAGE:
                return ["%s = try CRead.messages(%s, count: %s, as: %s.self)" % (prop, src, count, self.types[field.type_name].swift)]
            if t == FD.TYPE_BYTES:
                return ["%s = CRead.array(%s, count: %s).map { CRead.bytes($0) }" % (prop, src, count)]
            if t == FD.TYPE_BOOL:
                return ["%s = CRead.array(%s, count: %s).map { $0 != 0 }" % (prop, src, count)]
            if t == FD.TYPE_ENUM:
                return ["%s = CRead.array(%s, count: %s).map { %s }" % (prop, src, count, self.swift_enum_from_c(field, "$0"))]
            return ["%s = CRead.array(%s, count: %s)" % (prop, src, count)]
        if field.type == FD.TYPE_MESSAGE:
            return ["if let pointer = %s { %s = try %s(cStruct: pointer) }" % (src, prop, self.types[field.type_name].swift)]
        return ["%s = %s" % (prop, self.read_singular(field, src))]

    def emit_message(self, info, indent, out, all_messages):
        m = info.proto
        all_messages.append(info)
        name = info.swift if len(info.local_parts) == 1 else m.name
        c_type = info.c_type
        doc = self.comment(info.file, info.path)
        out.extend(doc_lines(doc, indent) or [indent + "/// `%s`." % info.full])
        out.append(indent + "public struct %s: ProtoMessage, CMessageBacked {" % name)
        i2 = indent + "    "
        out.append(i2 + 'public static let protoName = "%s"' % info.full)
        # Nested types.
        for ei, e in enumerate(m.enum_type):
            out.append("")
            self.emit_enum(self.types["." + info.full + "." + e.name], i2, out)
        for ni, n in enumerate(m.nested_type):
            out.append("")
            self.emit_message(self.types["." + info.full + "." + n.name], i2, out, all_messages)
        members = self.members(m)
        field_index = {f.name: i for i, f in enumerate(m.field)}
        params = []
        for mem in members:
            out.append("")
            if mem[0] == "field":
                f = mem[1]
                prop = escape(lower_camel(f.name))
                out.extend(doc_lines(self.comment(info.file, info.path + (2, field_index[f.name])), i2))
                out.append(i2 + "public var %s: %s = %s" % (prop, self.field_swift_type(f), self.default_value(f)))
                params.append((prop, self.field_swift_type(f), self.default_value(f)))
            else:
                _, oi, fields = mem
                oneof = m.oneof_decl[oi]
                tname = upper_camel(oneof.name)
                prop = escape(lower_camel(oneof.name))
                odoc = self.comment(info.file, info.path + (8, oi))
                out.extend(doc_lines(odoc, i2) or [i2 + "/// One of the `%s` fields, or nil." % oneof.name])
                out.append(i2 + "public enum %s: Sendable, Equatable {" % tname)
                for f in fields:
                    out.extend(doc_lines(self.comment(info.file, info.path + (2, field_index[f.name])), i2 + "    "))
                    base = self.field_swift_type(f).rstrip("?")
                    out.append(i2 + "    case %s(%s)" % (escape(lower_camel(f.name)), base))
                out.append(i2 + "}")
                out.extend(doc_lines(odoc, i2))
                out.append(i2 + "public var %s: %s? = nil" % (prop, tname))
                params.append((prop, tname + "?", "nil"))
        out.append("")
        out.append(i2 + "public init() {}")
        if params:
            out.append("")
            out.append(i2 + "public init(")
            for k, (p, t, d) in enumerate(params):
                out.append(i2 + "    %s: %s = %s%s" % (p, t, d, "," if k < len(params) - 1 else ""))
            out.append(i2 + ") {")
            for p, _, _ in params:
                out.append(i2 + "    self.%s = %s" % (p, p))
            out.append(i2 + "}")
        # C glue.
        out.append("")
        out.append(i2 + "static func makeCStruct(in arena: CArena) -> UnsafeMutablePointer<%s> {" % c_type)
        out.append(i2 + "    let c = arena.allocate(%s.self)" % c_type)
        out.append(i2 + "    %s__init(c)" % info.c_func)
        out.append(i2 + "    return c")
        out.append(i2 + "}")
        out.append("")
        body = []
        for mem in members:
            if mem[0] == "field":
                body.extend(self.fill_field(mem[1]))
            else:
                _, oi, fields = mem
                oneof = m.oneof_decl[oi]
                body.append("switch self.%s {" % escape(lower_camel(oneof.name)))
                for f in fields:
                    case = escape(lower_camel(f.name))
                    body.append("case .%s(let value)?:" % case)
                    body.append("    c.pointee.%s_case = .init(rawValue: %d)" % (oneof.name, f.number))
                    for s in self.fill_singular(f, "value", "c.pointee." + f.name, True):
                        body.append("    " + s)
                body.append("case nil:")
                body.append("    break")
                body.append("}")
        if body:
            out.append(i2 + "func fill(_ c: UnsafeMutablePointer<%s>, arena: CArena) {" % c_type)
            out.extend(i2 + "    " + s for s in body)
            out.append(i2 + "}")
        else:
            out.append(i2 + "func fill(_ c: UnsafeMutablePointer<%s>, arena: CArena) {}" % c_type)
        out.append("")
        body = []
        for mem in members:
            if mem[0] == "field":
                body.extend(self.read_field(mem[1]))
            else:
                _, oi, fields = mem
                oneof = m.oneof_decl[oi]
                prop = "self." + escape(lower_camel(oneof.name))
                body.append("switch c.pointee.%s_case.rawValue {" % oneof.name)
                for f in fields:
                    case = escape(lower_camel(f.name))
                    body.append("case %d:" % f.number)
                    if f.type == FD.TYPE_MESSAGE:
                        body.append("    if let pointer = c.pointee.%s { %s = .%s(try %s(cStruct: pointer)) }"
                                    % (f.name, prop, case, self.types[f.type_name].swift))
                    else:
                        body.append("    %s = .%s(%s)" % (prop, case, self.read_singular(f, "c.pointee." + f.name)))
                body.append("default:")
                body.append("    %s = nil" % prop)
                body.append("}")
        if body:
            out.append(i2 + "init(cStruct c: UnsafePointer<%s>) throws(SchemaError) {" % c_type)
            out.extend(i2 + "    " + s for s in body)
            out.append(i2 + "}")
        else:
            out.append(i2 + "init(cStruct c: UnsafePointer<%s>) throws(SchemaError) {}" % c_type)
        out.append("")
        out.append(i2 + "static func unpack(")
        out.append(i2 + "    _ bytes: UnsafeRawBufferPointer, allocator: UnsafeMutablePointer<ProtobufCAllocator>")
        out.append(i2 + ") -> UnsafeMutablePointer<%s>? {" % c_type)
        out.append(i2 + "    %s__unpack(allocator, bytes.count, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self))" % info.c_func)
        out.append(i2 + "}")
        out.append(indent + "}")

    # ---------------------------------------------------------------- services

    def is_idempotent(self, f, method):
        if f.package in ALWAYS_IDEMPOTENT_PACKAGES:
            return True
        if method.name.startswith(READ_ONLY_PREFIXES):
            return True
        req = self.types[method.input_type].proto
        return any(fl.name == "request_id" for fl in req.field)

    def emit_service(self, f, si, s, out, services):
        prefix = swift_package_prefix(f.package)
        ns = prefix + s.name
        full = (f.package + "." if f.package else "") + s.name
        services.append(ns)
        doc = self.comment(f, (6, si))
        if doc:
            out.extend(doc_lines(doc, ""))
            out.append("///")
        out.append("/// The service `%s`: its methods and descriptor." % full)
        out.append("public enum %s {" % ns)
        out.append('    public static let name = "%s"' % full)
        out.append("")
        out.append("    public enum Method {")
        kinds = []
        for mi, m in enumerate(s.method):
            req = self.types[m.input_type].swift
            res = self.types[m.output_type].swift
            if m.client_streaming and m.server_streaming:
                kind = "bidirectionalStreaming"
            elif m.client_streaming:
                kind = "clientStreaming"
            elif m.server_streaming:
                kind = "serverStreaming"
            else:
                kind = "unary"
            kinds.append((m, mi, req, res, kind))
            out.extend(doc_lines(self.comment(f, (6, si, 2, mi)), "        "))
            out.append("        public static let %s = RPCMethod<%s, %s>(" % (escape(method_camel(m.name)), req, res))
            out.append('            MethodDescriptor(service: "%s", method: "%s", kind: .%s, isIdempotent: %s))'
                       % (full, m.name, kind, "true" if self.is_idempotent(f, m) else "false"))
        out.append("    }")
        out.append("")
        out.append("    public static let descriptor = ServiceDescriptor(name: name, methods: [")
        for m, _, _, _, _ in kinds:
            out.append("        Method.%s.descriptor," % escape(method_camel(m.name)))
        out.append("    ])")
        out.append("}")
        out.append("")
        # Provider.
        out.append("/// The server side of `%s`: implement it and serve `serviceDefinition`." % full)
        out.append("public protocol %sProvider: Sendable {" % ns)
        for m, mi, req, res, kind in kinds:
            name = escape(method_camel(m.name))
            out.extend(doc_lines(self.comment(f, (6, si, 2, mi)), "    "))
            if kind == "unary":
                out.append("    func %s(request: %s, context: ServerContext) async throws -> %s" % (name, req, res))
            elif kind == "serverStreaming":
                out.append("    func %s(request: %s, responses: MessageWriter<%s>, context: ServerContext) async throws" % (name, req, res))
            elif kind == "clientStreaming":
                out.append("    func %s(requests: MessageStream<%s>, context: ServerContext) async throws -> %s" % (name, req, res))
            else:
                out.append("    func %s(requests: MessageStream<%s>, responses: MessageWriter<%s>, context: ServerContext) async throws" % (name, req, res))
        out.append("}")
        out.append("")
        out.append("extension %sProvider {" % ns)
        out.append("    /// Every method of `%s`, bound to this provider." % full)
        out.append("    public var serviceDefinition: ServiceDefinition {")
        out.append("        ServiceDefinition(descriptor: %s.descriptor, methods: [" % ns)
        for m, mi, req, res, kind in kinds:
            name = escape(method_camel(m.name))
            ref = "%s.Method.%s" % (ns, name)
            if kind == "unary":
                call = "try await self.%s(request: $0, context: $1)" % name
            elif kind == "serverStreaming":
                call = "try await self.%s(request: $0, responses: $1, context: $2)" % name
            elif kind == "clientStreaming":
                call = "try await self.%s(requests: $0, context: $1)" % name
            else:
                call = "try await self.%s(requests: $0, responses: $1, context: $2)" % name
            out.append("            .%s(%s) { %s }," % (kind, ref, call))
        out.append("        ])")
        out.append("    }")
        out.append("}")
        out.append("")
        # Client.
        out.append("/// A typed client for `%s`." % full)
        out.append("public struct %sClient: Sendable {" % ns)
        out.append("    public let transport: any ClientTransport")
        out.append("    public init(_ transport: any ClientTransport) { self.transport = transport }")
        for m, mi, req, res, kind in kinds:
            name = escape(method_camel(m.name))
            ref = "%s.Method.%s" % (ns, name)
            out.append("")
            out.extend(doc_lines(self.comment(f, (6, si, 2, mi)), "    "))
            if kind == "unary":
                out.append("    public func %s(_ request: %s, options: CallOptions = CallOptions()) async throws -> %s {" % (name, req, res))
                out.append("        try await transport.unary(%s, request: request, options: options)" % ref)
            elif kind == "serverStreaming":
                out.append("    public func %s<Result: Sendable>(" % name)
                out.append("        _ request: %s, options: CallOptions = CallOptions()," % req)
                out.append("        _ body: (MessageStream<%s>) async throws -> Result" % res)
                out.append("    ) async throws -> Result {")
                out.append("        try await transport.serverStreaming(%s, request: request, options: options, body: body)" % ref)
            elif kind == "clientStreaming":
                out.append("    public func %s(" % name)
                out.append("        options: CallOptions = CallOptions(),")
                out.append("        requests: @escaping @Sendable (MessageWriter<%s>) async throws -> Void" % req)
                out.append("    ) async throws -> %s {" % res)
                out.append("        try await transport.clientStreaming(%s, options: options, requests: requests)" % ref)
            else:
                out.append("    public func %s<Result: Sendable>(" % name)
                out.append("        options: CallOptions = CallOptions(),")
                out.append("        requests: @escaping @Sendable (MessageWriter<%s>) async throws -> Void," % req)
                out.append("        _ body: (MessageStream<%s>) async throws -> Result" % res)
                out.append("    ) async throws -> Result {")
                out.append("        try await transport.bidirectionalStreaming(%s, options: options, requests: requests, body: body)" % ref)
            out.append("    }")
        out.append("}")

    # ---------------------------------------------------------------- files

    def generate(self, reflection_bytes):
        outputs = {}
        all_messages, services = [], []
        for f in sorted(self.fds.file, key=lambda f: f.name):
            out = [
                "// DO NOT EDIT. Generated by Tools/schemagen from %s." % f.name,
                "// Regenerate with `make proto` (Tools/schemagen/generate.sh).",
                "import SchemaC",
                "",
            ]
            for i, e in enumerate(f.enum_type):
                self.emit_enum(self.types["." + ((f.package + ".") if f.package else "") + e.name], "", out)
                out.append("")
            for i, m in enumerate(f.message_type):
                self.emit_message(self.types["." + ((f.package + ".") if f.package else "") + m.name], "", out, all_messages)
                out.append("")
            for si, s in enumerate(f.service):
                self.emit_service(f, si, s, out, services)
                out.append("")
            while out and out[-1] == "":
                out.pop()
            fname = f.name[:-len(".proto")].replace("/", "_").replace("-", "_") + ".swift"
            outputs["Shared/Schema/Generated/" + fname] = "\n".join(out) + "\n"
        # Catalog.
        cat = [
            "// DO NOT EDIT. Generated by Tools/schemagen.",
            "",
            "/// Every message type and service of the schema, in a stable order.",
            "public enum SchemaCatalog {",
            "    /// Every message type, nested ones included.",
            "    public static let messageTypes: [any ProtoMessage.Type] = [",
        ]
        cat += ["        %s.self," % t.swift for t in all_messages]
        cat += ["    ]", "", "    /// Every service.", "    public static let services: [ServiceDescriptor] = ["]
        cat += ["        %s.descriptor," % s for s in services]
        cat += ["    ]", "}"]
        outputs["Shared/Schema/Generated/AllMessages.swift"] = "\n".join(cat) + "\n"
        # Descriptor set.
        b64 = base64.b64encode(reflection_bytes).decode("ascii")
        chunks = [b64[i:i + 100] for i in range(0, len(b64), 100)]
        ds = [
            "// DO NOT EDIT. Generated by Tools/schemagen.",
            "",
            "/// The `google.protobuf.FileDescriptorSet` of every file of the schema (imports included,",
            "/// without source info), as `protoc --include_imports --descriptor_set_out` writes it.",
            "/// Server reflection serves it.",
            "public enum SchemaDescriptorSet {",
            "    /// The encoded descriptor set.",
            "    public static let bytes: [UInt8] = Base64.decode(encoded)",
            "",
            "    /// The proto files it holds, in dependency order.",
            "    public static let fileNames: [String] = [",
        ]
        ds += ['        "%s",' % f.name for f in self.fds.file]
        ds += ["    ]", "", "    private static let encoded: String = ["]
        ds += ['        "%s",' % c for c in chunks]
        ds += ['    ].joined()', "}"]
        outputs["Shared/Schema/Generated/SchemaDescriptorSet.swift"] = "\n".join(ds) + "\n"
        outputs["Tests/SchemaTests/Generated/SampleMessages.swift"] = self.samples(all_messages)
        return outputs

    # ---------------------------------------------------------------- samples

    def sample_name(self, info):
        return info.full.replace(".", "_")

    def sample_scalar(self, field, k):
        t, n = field.type, field.number + k
        neg = field.number % 3 == 0
        if t in (FD.TYPE_INT32, FD.TYPE_SINT32, FD.TYPE_SFIXED32):
            return str(-(n * 1000 + 7) if neg else n * 1000 + 7)
        if t in (FD.TYPE_INT64, FD.TYPE_SINT64, FD.TYPE_SFIXED64):
            return str(-(n * 10 ** 10 + 7) if neg else n * 10 ** 10 + 7)
        if t in (FD.TYPE_UINT32, FD.TYPE_FIXED32):
            return str(4000000000 + n)
        if t in (FD.TYPE_UINT64, FD.TYPE_FIXED64):
            return str(18000000000000000000 + n)
        if t == FD.TYPE_FLOAT:
            return "%d.5" % n
        if t == FD.TYPE_DOUBLE:
            return "%d.25" % n
        if t == FD.TYPE_BOOL:
            return "true"
        if t == FD.TYPE_STRING:
            return '"%s-样例-%d"' % (field.name, k)
        if t == FD.TYPE_BYTES:
            return "[0, 255, %d, 128, %d]" % (field.number % 256, k)
        if t == FD.TYPE_ENUM:
            e = self.types[field.type_name]
            values = [v for v in e.proto.value if v.number != 0] or list(e.proto.value)
            v = values[0] if k == 0 else values[-1]
            return "." + escape(self.enum_case_name(e, v.name))
        if t == FD.TYPE_MESSAGE:
            return "SampleMessages.%s" % self.sample_name(self.types[field.type_name])
        fail("no sample for type %d" % t)

    def samples(self, all_messages):
        out = [
            "// DO NOT EDIT. Generated by Tools/schemagen: one fully populated value per message type.",
            "import Schema",
            "",
            "enum SampleMessages {",
        ]
        for info in all_messages:
            args = []
            for mem in self.members(info.proto):
                if mem[0] == "field":
                    f = mem[1]
                    if f.label == FD.LABEL_REPEATED:
                        v = "[%s, %s]" % (self.sample_scalar(f, 0), self.sample_scalar(f, 1))
                    else:
                        v = self.sample_scalar(f, 0)
                    args.append("%s: %s" % (label(lower_camel(f.name)), v))
                else:
                    _, oi, fields = mem
                    oneof = info.proto.oneof_decl[oi]
                    f = fields[-1]
                    args.append("%s: .%s(%s)" % (label(lower_camel(oneof.name)), escape(lower_camel(f.name)), self.sample_scalar(f, 0)))
            if args:
                out.append("    static let %s = %s(" % (self.sample_name(info), info.swift))
                for k, a in enumerate(args):
                    out.append("        %s%s" % (a, "," if k < len(args) - 1 else ""))
                out.append("    )")
            else:
                out.append("    static let %s = %s()" % (self.sample_name(info), info.swift))
        out.append("")
        out.append("    /// One sample per entry of `SchemaCatalog.messageTypes`, in the same order.")
        out.append("    static let all: [any ProtoMessage] = [")
        for info in all_messages:
            out.append("        %s," % self.sample_name(info))
        out.append("    ]")
        out.append("}")
        return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--descriptor", required=True, help="descriptor set with source info")
    ap.add_argument("--reflection", required=True, help="descriptor set to embed (no source info)")
    ap.add_argument("--out", required=True, help="root under which to write")
    args = ap.parse_args()
    fds = descriptor_pb2.FileDescriptorSet()
    with open(args.descriptor, "rb") as fh:
        fds.ParseFromString(fh.read())
    with open(args.reflection, "rb") as fh:
        reflection = fh.read()
    outputs = Generator(fds).generate(reflection)
    for rel, text in sorted(outputs.items()):
        path = os.path.join(args.out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
