"""Backward compatibility of the public contract (Protos/skills/v1) against a committed baseline.

`breaking_changes(baseline, current)` compares two FileDescriptorSets and lists every change that
would break an existing client (generated code, the wire format or proto3 JSON):

- a package, message, field, enum, enum value, service or method removed;
- a field number reused for another name, or retyped (scalar type, message/enum type name,
  label/cardinality);
- an enum value number renamed;
- a method's input or output type, or its client/server streaming, changed.

Adding anything is fine. Only files of the baseline's own packages are compared (the imported
google/protobuf files are the protobuf project's). See Protos/baseline/README.md.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from google.protobuf import descriptor_pb2

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "Protos" / "baseline" / "skills-v1-2026-12-04.pb"

FDP = descriptor_pb2.FieldDescriptorProto


@dataclass(frozen=True, order=True)
class Break:
    """One breaking change: its kind (stable, for tests) and what it is, for the person reading."""

    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


def load(path: Path) -> descriptor_pb2.FileDescriptorSet:
    fds = descriptor_pb2.FileDescriptorSet()
    fds.ParseFromString(path.read_bytes())
    return fds


def compile_current(proto_dir: Path = ROOT / "Protos") -> descriptor_pb2.FileDescriptorSet:
    """Protos/skills/v1/*.proto compiled with grpc_tools' protoc (imports included)."""
    import grpc_tools
    from grpc_tools import protoc

    well_known = Path(grpc_tools.__file__).parent / "_proto"
    files = sorted(str(p.relative_to(proto_dir)) for p in (proto_dir / "skills" / "v1").glob("*.proto"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "current.pb"
        args = ["grpc_tools.protoc", f"-I{proto_dir}", f"-I{well_known}", "--include_imports",
                f"--descriptor_set_out={out}", *files]
        if protoc.main(args) != 0:
            raise RuntimeError(f"protoc failed: {' '.join(args)}")
        return load(out)


def _index(fds: descriptor_pb2.FileDescriptorSet, packages: set[str]):
    """Full name -> descriptor for every message (nested too), enum and service of `packages`."""
    messages, enums, services = {}, {}, {}

    def walk(prefix: str, msgs, ens):
        for e in ens:
            enums[f"{prefix}.{e.name}"] = e
        for m in msgs:
            name = f"{prefix}.{m.name}"
            messages[name] = m
            walk(name, m.nested_type, m.enum_type)

    for f in fds.file:
        if f.package not in packages:
            continue
        prefix = f".{f.package}" if f.package else ""
        walk(prefix, f.message_type, f.enum_type)
        for s in f.service:
            services[f"{prefix}.{s.name}"] = s
    return messages, enums, services


def _label(field: FDP) -> str:
    if field.label == FDP.LABEL_REPEATED:
        return "repeated"
    if field.proto3_optional:
        return "optional"
    return "singular"


def _type(field: FDP) -> str:
    name = FDP.Type.Name(field.type).removeprefix("TYPE_").lower()
    return f"{name} {field.type_name}" if field.type_name else name


def _compare_message(name: str, old, new, out: list[Break]) -> None:
    new_fields = {f.number: f for f in new.field}
    for f in old.field:
        path = f"{name}.{f.name} = {f.number}"
        g = new_fields.get(f.number)
        if g is None:
            out.append(Break("field removed", path))
            continue
        if g.name != f.name:
            out.append(Break("field number reused", f"{path} is now {g.name}"))
        if _type(g) != _type(f):
            out.append(Break("field retyped", f"{path}: {_type(f)} -> {_type(g)}"))
        if _label(g) != _label(f):
            out.append(Break("field cardinality changed", f"{path}: {_label(f)} -> {_label(g)}"))


def _compare_enum(name: str, old, new, out: list[Break]) -> None:
    new_values = {v.number: v.name for v in new.value}
    for v in old.value:
        if v.number not in new_values:
            out.append(Break("enum value removed", f"{name}.{v.name} = {v.number}"))
        elif new_values[v.number] != v.name:
            out.append(Break("enum value renamed", f"{name}.{v.name} = {v.number} is now {new_values[v.number]}"))


def _compare_service(name: str, old, new, out: list[Break]) -> None:
    new_methods = {m.name: m for m in new.method}
    for m in old.method:
        path = f"{name}.{m.name}"
        n = new_methods.get(m.name)
        if n is None:
            out.append(Break("method removed", path))
            continue
        if n.input_type != m.input_type:
            out.append(Break("method input changed", f"{path}: {m.input_type} -> {n.input_type}"))
        if n.output_type != m.output_type:
            out.append(Break("method output changed", f"{path}: {m.output_type} -> {n.output_type}"))
        if (n.client_streaming, n.server_streaming) != (m.client_streaming, m.server_streaming):
            out.append(Break("method streaming changed",
                             f"{path}: client/server streaming {m.client_streaming}/{m.server_streaming} -> "
                             f"{n.client_streaming}/{n.server_streaming}"))


def breaking_changes(baseline: descriptor_pb2.FileDescriptorSet,
                     current: descriptor_pb2.FileDescriptorSet) -> list[Break]:
    """Every change from `baseline` to `current` that breaks an existing client; [] when compatible."""
    out: list[Break] = []
    packages = {f.package for f in baseline.file if not f.name.startswith("google/")}
    present = {f.package for f in current.file}
    for p in sorted(packages - present):
        out.append(Break("package removed or renamed", p))
    old_m, old_e, old_s = _index(baseline, packages)
    new_m, new_e, new_s = _index(current, packages)
    for kind, old, new, compare in (("message", old_m, new_m, _compare_message),
                                    ("enum", old_e, new_e, _compare_enum),
                                    ("service", old_s, new_s, _compare_service)):
        for name, descriptor in sorted(old.items()):
            if name not in new:
                out.append(Break(f"{kind} removed", name))
            else:
                compare(name, descriptor, new[name], out)
    return out


def main() -> int:
    breaks = breaking_changes(load(BASELINE), compile_current())
    for b in breaks:
        print(b)
    print(f"{len(breaks)} breaking change(s) against {BASELINE.relative_to(ROOT)}", file=sys.stderr)
    return 1 if breaks else 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
