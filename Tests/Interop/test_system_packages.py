"""Tools/check-system-packages.sh (part of `make test`): every system file the build and `make
proto-check` read must come from a Debian package that Tools/system-packages.txt (the list
Tools/ensure-system-packages.sh installs) covers. A fresh Debian 12 machine failed `make test` at once
because libprotobuf-dev, which holds google/protobuf/timestamp.proto, was missing from the list.

Needs a build in .build (the compiler's dependency files) and dpkg; skipped elsewhere."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "Tools" / "check-system-packages.sh"
LIST = ROOT / "Tools" / "system-packages.txt"

pytestmark = pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="not a Debian system")


def check(package_list: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(CHECK)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, SKILLS_SYSTEM_PACKAGES=str(package_list)))


def listed() -> list[str]:
    return [line.split("#")[0].strip() for line in LIST.read_text().splitlines() if line.split("#")[0].strip()]


def test_the_install_list_covers_what_the_build_reads():
    result = check(LIST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all covered by" in result.stdout


def test_a_list_without_libprotobuf_dev_fails_naming_the_file_the_package_and_the_fix(tmp_path):
    assert "libprotobuf-dev" in listed()
    short = tmp_path / "packages.txt"
    short.write_text("".join(f"{name}\n" for name in listed() if name != "libprotobuf-dev"))
    result = check(short)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "/usr/include/google/protobuf/timestamp.proto" in result.stderr, result.stderr
    assert "Debian package libprotobuf-dev" in result.stderr
    assert f"fix: add libprotobuf-dev to {short}" in result.stderr
    # Only that package is missing: the others are still covered.
    assert result.stderr.count("fix: add") == 1, result.stderr
