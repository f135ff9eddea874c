"""What a running service loads (issue 14): no Foundation beyond FoundationEssentials, no ICU, and
no second TLS library. Each of them cost resident memory in every service whether it used them
or not (Benchmarks/README.md, "Memory of a service")."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import wait_until_serving
from services import ServiceProcess, service_binary

# Shared objects a service must not map: full Foundation and its ICU, and GnuTLS (libpq's libldap
# brings it; libpq itself is loaded only for a postgres:// database).
FORBIDDEN = ("libFoundation.so", "libFoundationInternationalization.so", "lib_FoundationICU.so", "libgnutls",
             "libpq.so")


def mapped_libraries(pid: int) -> set[str]:
    names = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and fields[5].startswith("/"):
            names.add(Path(fields[5]).name)
    return names


@pytest.mark.parametrize("service", ["registration", "matching", "assessment", "payment"])
def test_a_service_on_sqlite_maps_no_foundation_icu_or_second_tls_library(service, certs, tmp_path):
    process = ServiceProcess(service, service_binary(service), certs, tmp_path,
                             lambda target, timeout, alive: wait_until_serving(target, certs, timeout, alive))
    process.start()
    try:
        libraries = mapped_libraries(process.pid)
        assert any(name.startswith("libssl.so") for name in libraries), sorted(libraries)  # maps was read
        unwanted = sorted(name for name in libraries if name.startswith(FORBIDDEN))
        assert unwanted == [], f"skills-{service} maps {unwanted}"
    finally:
        process.stop()
