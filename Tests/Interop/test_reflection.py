"""Server reflection (grpc.reflection.v1) on the Swift server, read by a Python client.

grpcurl and similar tools use it to list and call methods without the .proto files.
"""
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

import grpc
from google.protobuf import descriptor_pb2

from conftest import secure_channel

ROOT = Path(__file__).resolve().parents[2]


def _reflection_pb2():
    out = Path(tempfile.mkdtemp(prefix="skills-reflection-"))
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{ROOT / 'Protos'}", f"--python_out={out}",
                    "grpc/reflection/v1/reflection.proto"], check=True)
    path = out / "grpc" / "reflection" / "v1" / "reflection_pb2.py"
    spec = importlib.util.spec_from_file_location("skills_interop_reflection_pb2", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


reflection_pb2 = _reflection_pb2()


def _ask(target, certs, *requests):
    with secure_channel(target, certs) as channel:
        call = channel.stream_stream(
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
        )
        return list(call(iter(requests), timeout=5))


def test_lists_services(echo_server, certs):
    [response] = _ask(echo_server, certs, reflection_pb2.ServerReflectionRequest(list_services=""))
    names = {service.name for service in response.list_services_response.service}
    assert {"skills.testing.v1.Echo", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"} <= names


def test_file_containing_symbol_with_dependencies(echo_server, certs):
    responses = _ask(
        echo_server, certs,
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="skills.testing.v1.Echo"),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="skills.v1.RegistrationService.RegisterWorker"),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="no.such.Symbol"),
    )
    echo_files = [descriptor_pb2.FileDescriptorProto.FromString(raw)
                  for raw in responses[0].file_descriptor_response.file_descriptor_proto]
    assert echo_files[0].name == "skills/testing/v1/echo.proto"
    assert [m.name for m in echo_files[0].service[0].method] == ["Get", "Expand", "Collect", "Update"]
    registration = [descriptor_pb2.FileDescriptorProto.FromString(raw).name
                    for raw in responses[1].file_descriptor_response.file_descriptor_proto]
    assert registration[0] == "skills/v1/registration.proto"
    assert "google/protobuf/timestamp.proto" in registration
    assert responses[2].error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]
