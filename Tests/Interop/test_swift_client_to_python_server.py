"""Our Swift gRPC client (`skills-echo interop-client`) calls a Python grpcio server over mutual TLS.

The subcommand runs each check against the server and prints `PASS <name>` or `FAIL <name>: <reason>`
per check, exiting non-zero when any check fails.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from conftest import ROOT, SERVER_NAME, echo_binary

REQUIRED_CHECKS = [
    "unary",
    "server_streaming",
    "client_streaming",
    "bidi",
    "metadata",
    "error_status_non_ascii",
    "deadline",
    "cancellation",
]


def test_swift_client_against_python_grpcio_server(python_echo_server: str, certs: Path):
    command = [
        str(echo_binary()), "interop-client",
        "--target", python_echo_server,
        "--cert", str(certs / "hrss.pem"),
        "--key", str(certs / "hrss.key"),
        "--ca", str(certs / "ca.pem"),
        "--server-name", SERVER_NAME,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
    output = result.stdout + result.stderr
    report = f"command: {' '.join(command)}\nexit code: {result.returncode}\n--- output ---\n{output}"

    passed = set(re.findall(r"^PASS (\S+)", output, re.MULTILINE))
    failed = re.findall(r"^FAIL\b.*$", output, re.MULTILINE)
    missing = [name for name in REQUIRED_CHECKS if name not in passed]

    assert not failed, f"the Swift client reported failures\n{report}"
    assert not missing, f"no PASS line for: {', '.join(missing)}\n{report}"
    assert result.returncode == 0, f"the Swift client exited non-zero\n{report}"
