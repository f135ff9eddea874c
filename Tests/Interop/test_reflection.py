"""Server reflection (grpc.reflection.v1, and v1alpha beside it) on the Swift servers, read by Python clients.

grpcurl and similar tools use it to list and call methods without the .proto files; grpcio-reflection's
ProtoReflectionDescriptorDatabase asks the older grpc.reflection.v1alpha package.
"""
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

import grpc
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from conftest import secure_channel, wait_until_serving
from services import ServiceProcess, service_binary

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


REFLECTION = {"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"}
SERVICES = {
    "registration": "skills.v1.RegistrationService",
    "matching": "skills.v1.MatchingService",
    "assessment": "skills.v1.AssessmentService",
    "payment": "skills.v1.PaymentService",
}


def test_echo_server_answers_v1alpha_like_v1(echo_server, certs):
    with secure_channel(echo_server, certs) as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        assert set(database.get_services()) == {"skills.testing.v1.Echo"} | REFLECTION
        echo = descriptor_pool.DescriptorPool(database).FindServiceByName("skills.testing.v1.Echo")
        assert [m.name for m in echo.methods] == ["Get", "Expand", "Collect", "Update"]
        with pytest.raises(KeyError):
            database.FindFileContainingSymbol("no.such.Symbol")


@pytest.fixture(scope="module")
def platform(certs, tmp_path_factory):
    """The four services, each on its own free port and data directory."""
    processes = {}
    try:
        for service in SERVICES:
            processes[service] = ServiceProcess(
                service, service_binary(service), certs, tmp_path_factory.mktemp(f"reflection-{service}"),
                lambda target, timeout, alive: wait_until_serving(target, certs, timeout, alive)).start()
        yield {service: process.target for service, process in processes.items()}
    finally:
        for process in processes.values():
            process.stop()


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_grpcio_reflection_client_resolves_every_method(platform, certs, service):
    with secure_channel(platform[service], certs) as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        names = set(database.get_services())
        assert names == {SERVICES[service]} | REFLECTION
        pool = descriptor_pool.DescriptorPool(database)
        resolved = 0
        for name in sorted(names):
            descriptor = pool.FindServiceByName(name)
            assert descriptor.methods, name
            for method in descriptor.methods:
                symbol = f"{name}.{method.name}"
                file = database.FindFileContainingSymbol(symbol)
                assert file.name == descriptor.file.name, symbol
                assert pool.FindMethodByName(symbol) is not None
                for message in (method.input_type, method.output_type):
                    assert pool.FindMessageTypeByName(message.full_name).file.name == \
                        database.FindFileContainingSymbol(message.full_name).name, message.full_name
                resolved += 1
        own = pool.FindServiceByName(SERVICES[service])
        assert own.file.name == f"skills/v1/{service}.proto"
        assert own.file.GetOptions().go_package.endswith("/skills/v1;skillsv1")
        assert resolved >= len(own.methods) + 4
