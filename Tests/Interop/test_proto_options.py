"""The contract's options for other languages' generators, and the README's generation commands.

Every file under Protos/skills declares go_package (one import path per proto package, the package
name after `;`), java_package/java_multiple_files/java_outer_classname, csharp_namespace,
php_namespace, ruby_package and objc_class_prefix, so no generator needs per-file mapping flags. The
README's Python command runs as written; its Java command runs without the gRPC plugin (protoc alone);
its Go command is checked to need no M flags (protoc-gen-go is not installed here)."""
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

ROOT = Path(__file__).resolve().parents[2]
PROTOS = ROOT / "Protos"
GO_ROOT = "skills.dezhou.gov.cn/contract/gen/go"
CONTRACT = sorted(str(p.relative_to(PROTOS)) for p in (PROTOS / "skills").rglob("*.proto"))


def descriptors() -> list[descriptor_pb2.FileDescriptorProto]:
    from grpc_tools import protoc
    import grpc_tools

    out = Path(tempfile.mkdtemp(prefix="skills-options-")) / "set.pb"
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    assert protoc.main(["grpc_tools.protoc", f"-I{PROTOS}", f"-I{well_known}", f"--descriptor_set_out={out}", *CONTRACT]) == 0
    files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file
    shutil.rmtree(out.parent)
    return list(files)


def camel(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[_.]", text))


@pytest.mark.parametrize("file", descriptors(), ids=lambda f: f.name)
def test_every_contract_file_declares_the_generators_packages(file):
    options = file.options
    directory = file.name.rsplit("/", 1)[0]
    assert directory == file.package.replace(".", "/"), "the directory follows the proto package"
    go_name = f"{file.package.split('.')[-2]}{file.package.split('.')[-1]}"
    assert options.go_package == f"{GO_ROOT}/{directory};{go_name}"
    assert options.java_package == f"cn.gov.dezhou.{file.package}"
    assert options.java_multiple_files is True
    stem = file.name.rsplit("/", 1)[1].removesuffix(".proto")
    assert options.java_outer_classname == f"{camel(stem)}Proto"
    assert options.java_outer_classname not in {m.name for m in file.message_type} | {s.name for s in file.service}
    namespace = [camel(part) for part in ["dezhou", *file.package.split(".")]]
    assert options.csharp_namespace == ".".join(namespace)
    assert options.php_namespace == "\\".join(namespace)
    assert options.ruby_package == "::".join(namespace)
    assert options.objc_class_prefix == "SKL"


def test_one_go_import_path_per_proto_package():
    by_package: dict[str, set[str]] = {}
    for file in descriptors():
        by_package.setdefault(file.package, set()).add(file.options.go_package)
    assert all(len(paths) == 1 for paths in by_package.values()), by_package
    assert len({paths.pop() for paths in by_package.values()}) == len(by_package), "packages do not share a Go package"


def readme_commands() -> dict[str, str]:
    """The README's generation commands (continuation lines joined), by language comment."""
    text = (ROOT / "README.md").read_text()
    block = text.split("**Generating a client from `Protos/`**", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands, language = {}, None
    for line in block.replace("\\\n", " ").splitlines():
        stripped = line.strip()
        heading = re.match(r"# (\w+): ", stripped)
        if heading:
            language = heading.group(1)
        elif stripped and not stripped.startswith("#") and language:
            commands[language] = stripped.split(" #", 1)[0].strip()
    return commands


def run_in(directory: Path, command: str) -> subprocess.CompletedProcess:
    (directory / "Protos").symlink_to(PROTOS)
    return subprocess.run(["bash", "-c", command], cwd=directory, capture_output=True, text=True, timeout=120)


def test_readme_has_go_java_and_python_commands_without_mapping_flags():
    commands = readme_commands()
    assert set(commands) >= {"Python", "Java", "Go"}, commands
    for language, command in commands.items():
        assert "--go_opt=M" not in command and "--go-grpc_opt=M" not in command and "$MAP" not in command, language
    assert "paths=source_relative" in commands["Go"]


def test_readme_python_command_generates_importable_stubs(tmp_path):
    command = readme_commands()["Python"]
    (tmp_path / "gen").mkdir()
    result = run_in(tmp_path, command.replace("python ", f"{shlex.quote(sys.executable)} ", 1))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "gen" / "skills" / "v1" / "registration_pb2_grpc.py").exists()


@pytest.mark.skipif(shutil.which("protoc") is None, reason="protoc is not installed")
def test_readme_java_command_produces_the_declared_packages(tmp_path):
    command = readme_commands()["Java"]
    protoc_only = " ".join(word for word in shlex.split(command) if not word.startswith(("--plugin=", "--grpc-java_out=")))
    (tmp_path / "gen" / "java").mkdir(parents=True)
    result = run_in(tmp_path, protoc_only)
    assert result.returncode == 0, result.stderr
    generated = tmp_path / "gen" / "java" / "cn" / "gov" / "dezhou" / "skills" / "v1"
    names = {p.name for p in generated.glob("*.java")}
    assert {"RegistrationProto.java", "CommonProto.java", "Worker.java", "CalendarDate.java", "Assessment.java"} <= names, names
    assert "package cn.gov.dezhou.skills.v1;" in (generated / "Worker.java").read_text()
    assert not (tmp_path / "gen" / "java" / "skills").exists(), "nothing left in the old package skills.v1"


@pytest.mark.skipif(shutil.which("protoc") is None, reason="protoc is not installed")
def test_readme_go_command_compiles_with_protoc_alone(tmp_path):
    """Without protoc-gen-go: the files and includes of the README's Go command compile, and each
    declares the Go package its output directory (paths=source_relative) implies."""
    command = readme_commands()["Go"]
    words = [word for word in shlex.split(command) if not word.startswith(("--go_out=", "--go_opt=", "--go-grpc_out=", "--go-grpc_opt="))]
    result = run_in(tmp_path, " ".join(words) + " --descriptor_set_out=go.pb")
    assert result.returncode == 0, result.stderr
    files = descriptor_pb2.FileDescriptorSet.FromString((tmp_path / "go.pb").read_bytes()).file
    assert {f.name for f in files} == {f"skills/v1/{n}.proto" for n in ("assessment", "common", "matching", "payment", "registration")}
    assert {f.options.go_package for f in files} == {f"{GO_ROOT}/skills/v1;skillsv1"}


@pytest.mark.skipif(shutil.which("protoc") is None, reason="protoc is not installed")
def test_java_over_every_proto_lands_in_each_files_declared_package(tmp_path):
    everything = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    result = subprocess.run(["protoc", f"-I{PROTOS}", f"--java_out={tmp_path}", *everything], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    packages = {str(p.parent.relative_to(tmp_path)).replace("/", ".") for p in tmp_path.rglob("*.java")}
    assert packages == {"cn.gov.dezhou.skills.v1", "cn.gov.dezhou.skills.testing.v1", "io.grpc.health.v1",
                        "io.grpc.reflection.v1", "io.grpc.reflection.v1alpha"}, packages
