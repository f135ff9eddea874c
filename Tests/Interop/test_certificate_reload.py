"""SIGHUP makes a running service reload its certificate and key (a rotated certificate without a
restart); a reload whose files do not load keeps the old ones. Either way the service keeps serving."""

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from conftest import health_check, secure_channel, wait_until_serving
from services import ServiceProcess, service_binary


def _wait_for_log(process: ServiceProcess, text: str, count: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.log.read_text(errors="replace").count(text) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"no {count}x '{text}' in the log within {timeout} s:\n{process.log_tail()}")


def _serving(process: ServiceProcess, certs: Path) -> bool:
    with secure_channel(process.target, certs) as channel:
        return health_check(channel).status == 1


def test_sighup_reloads_certificates_and_a_bad_reload_keeps_the_old_ones(certs, tmp_path):
    own = tmp_path / "certs"
    shutil.copytree(certs, own)
    (tmp_path / "data").mkdir()

    def ready(target, timeout, alive):
        wait_until_serving(target, certs, timeout, alive)

    process = ServiceProcess("registration", service_binary("registration"), own, tmp_path / "data", ready,
                             extra=["--log-level", "notice"])
    process.start()
    try:
        os.kill(process.pid, signal.SIGHUP)
        _wait_for_log(process, "certificates reloaded", 1)
        assert process.process.running() and _serving(process, certs)

        (own / "registration.key").write_text("not a key\n")
        os.kill(process.pid, signal.SIGHUP)
        _wait_for_log(process, "certificate reload failed; keeping the old ones", 1)
        assert process.process.running() and _serving(process, certs)
    finally:
        process.stop()
