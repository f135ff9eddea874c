"""A Python grpcio client (PyPI, stubs from Protos/) calls the Echo test service over mutual TLS.

Every test runs against the Swift server (`skills-echo serve`, the subject of the test) and against
the in-process Python grpcio server (the reference: it shows the test itself is right).
"""

from __future__ import annotations

import os
import queue
import time

import grpc
import pytest

from conftest import echo_pb2, echo_pb2_grpc, health_check, health_pb2, secure_channel

Req = echo_pb2.EchoRequest
NON_ASCII_MESSAGE = "拒绝: R3 每人每年不超过3次"
MAX_MESSAGE = 4 * 1024 * 1024


def test_unary_get(stub):
    payload = os.urandom(1024)
    response = stub.Get(Req(text="hello", payload=payload), timeout=5)
    assert response.text == "hello"
    assert response.payload == payload
    assert response.caller == "hrss-dev"  # the CN of the client certificate


def test_unary_large_message_under_the_limit(stub):
    payload = os.urandom(3 * 1024 * 1024)  # many HTTP/2 frames and window updates both ways
    response = stub.Get(Req(text="big", payload=payload), timeout=20)
    assert response.payload == payload


def test_many_concurrent_unary_calls_on_one_connection(stub):
    calls = [stub.Get.future(Req(text=f"call {i}", payload=bytes([i]) * 100), timeout=20) for i in range(64)]
    results = [c.result(timeout=30) for c in calls]
    assert [r.text for r in results] == [f"call {i}" for i in range(64)]
    assert [r.payload for r in results] == [bytes([i]) * 100 for i in range(64)]


def test_server_streaming_expand(stub):
    responses = list(stub.Expand(Req(text="tick", repeat=5), timeout=5))
    assert [r.text for r in responses] == [f"tick {i}" for i in range(5)]


def test_server_streaming_zero_responses(stub):
    assert list(stub.Expand(Req(text="none", repeat=0), timeout=5)) == []


def test_client_streaming_collect(stub):
    response = stub.Collect(iter([Req(text="one"), Req(text="two"), Req(text="three")]), timeout=5)
    assert response.count == 3
    assert response.text == "one two three"


def test_client_streaming_no_requests(stub):
    response = stub.Collect(iter([]), timeout=5)
    assert response.count == 0
    assert response.text == ""


def test_bidi_update_interleaved(stub):
    outbox: queue.Queue = queue.Queue()
    done = object()

    def requests():
        while (item := outbox.get()) is not done:
            yield item

    call = stub.Update(requests(), timeout=10)
    try:
        for i in range(1, 6):
            # Send one, read one: the answer must arrive before the next request is sent.
            outbox.put(Req(text=f"u{i}"))
            response = next(call)
            assert response.text == f"u{i}"
            assert response.count == i
    finally:
        outbox.put(done)
    assert list(call) == []
    assert call.code() == grpc.StatusCode.OK


def test_metadata_ascii_and_binary_come_back_in_trailers(stub):
    metadata = (("x-echo-token", "abc"), ("x-echo-bin", b"\x00\x01\xff"), ("x-other", "not echoed"))
    response, call = stub.Get.with_call(Req(text="md"), metadata=metadata, timeout=5)
    assert response.text == "md"
    trailers = dict(call.trailing_metadata())
    assert trailers.get("x-echo-token") == "abc"
    assert trailers.get("x-echo-bin") == b"\x00\x01\xff"
    assert "x-other" not in trailers


def test_error_status_with_non_ascii_message(stub):
    with pytest.raises(grpc.RpcError) as raised:
        stub.Get(Req(text="x", fail_with_code=9, fail_with_message=NON_ASCII_MESSAGE), timeout=5)
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert raised.value.details() == NON_ASCII_MESSAGE


def test_deadline_exceeded(stub):
    start = time.monotonic()
    with pytest.raises(grpc.RpcError) as raised:
        stub.Get(Req(text="slow", delay_ms=2000), timeout=0.3)
    elapsed = time.monotonic() - start
    assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert elapsed < 1.5, f"DEADLINE_EXCEEDED took {elapsed:.2f} s"


def test_cancellation_of_a_server_stream(stub, channel):
    call = stub.Expand(Req(text="long", repeat=100, delay_ms=50), timeout=30)
    assert next(call).text == "long 0"
    assert next(call).text == "long 1"
    call.cancel()
    with pytest.raises(grpc.RpcError) as raised:
        for _ in call:
            pass
    assert raised.value.code() == grpc.StatusCode.CANCELLED
    # The server is still healthy and answers on the same connection.
    assert health_check(channel).status == health_pb2.HealthCheckResponse.SERVING
    assert stub.Get(Req(text="after"), timeout=5).text == "after"


def test_unknown_method_is_unimplemented(channel):
    nope = channel.unary_unary(
        "/skills.testing.v1.Echo/Nope",
        request_serializer=Req.SerializeToString,
        response_deserializer=echo_pb2.EchoResponse.FromString,
    )
    with pytest.raises(grpc.RpcError) as raised:
        nope(Req(text="?"), timeout=5)
    assert raised.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_unknown_service_is_unimplemented(channel):
    nope = channel.unary_unary(
        "/skills.testing.v1.Nothing/Get",
        request_serializer=Req.SerializeToString,
        response_deserializer=echo_pb2.EchoResponse.FromString,
    )
    with pytest.raises(grpc.RpcError) as raised:
        nope(Req(text="?"), timeout=5)
    assert raised.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_health_check_serving(channel):
    assert health_check(channel, "").status == health_pb2.HealthCheckResponse.SERVING


def test_message_over_4_mib_is_resource_exhausted(stub):
    with pytest.raises(grpc.RpcError) as raised:
        stub.Get(Req(text="huge", payload=b"\x5a" * (MAX_MESSAGE + 16)), timeout=20)
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    # The connection (and server) survive the rejected message.
    assert stub.Get(Req(text="still here"), timeout=5).text == "still here"


# ---- callers the server must refuse at the TLS layer -----------------------------------------

def _call_must_fail(target, certs, identity):
    with secure_channel(target, certs, identity) as ch:
        with pytest.raises(grpc.RpcError) as raised:
            echo_pb2_grpc.EchoStub(ch).Get(Req(text="let me in"), timeout=5)
    # Any failure will do (UNAVAILABLE in practice), but not a deadline: the refusal must be prompt.
    assert raised.value.code() != grpc.StatusCode.OK
    assert raised.value.code() != grpc.StatusCode.DEADLINE_EXCEEDED, raised.value


def test_client_without_certificate_is_refused(echo_target, certs):
    _call_must_fail(echo_target, certs, None)


def test_client_with_certificate_from_another_ca_is_refused(echo_target, certs):
    _call_must_fail(echo_target, certs, "intruder")


def test_client_with_expired_certificate_is_refused(echo_target, certs):
    _call_must_fail(echo_target, certs, "expired")
