"""Benchmarks/run-rpc-bench.sh (`make bench-rpc`) stops every server it started.

It used to leave `skills-echo serve` and `grpc-swift-echo serve` running: start_server ran in a
`< <(...)` subshell, so the PIDs never reached the `pids` array the EXIT trap kills. A short run with
stand-ins (`swift` answering the bin path, a load generator printing one JSON line, the debug
skills-echo serving for both stacks) shows whether the servers outlive the script, in seconds."""
import os
import signal
import time
from pathlib import Path

import pytest

from conftest import echo_binary
from launcher import Launched

ROOT = Path(__file__).resolve().parents[2]


def running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def stand_ins(bin_dir: Path, echo: Path) -> None:
    bin_dir.mkdir()
    scripts = {
        "swift": f'#!/bin/sh\necho "{bin_dir}"\n',  # only `swift build ... --show-bin-path` is asked (BENCH_SKIP_BUILD=1)
        "skills-echo-load": '#!/bin/sh\nd=0\nwhile [ $# -gt 0 ]; do [ "$1" = --duration ] && d=$2; shift; done\n'
                            'sleep "$d"\necho \'{"calls": 100, "calls_per_s": 100.0, "p50_ms": 1.0, "p90_ms": 1.0, '
                            '"p99_ms": 1.0, "max_ms": 1.0, "errors": 0}\'\n',
        "grpc-swift-echo": f'#!/bin/sh\n[ "$1" = load ] && exec "{bin_dir}/skills-echo-load" "$@"\nexec "{echo}" "$@"\n',
    }
    for name, text in scripts.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    (bin_dir / "skills-echo").symlink_to(echo)


@pytest.mark.parametrize("ending", ["normal", "sigterm"])
def test_rpc_bench_leaves_no_server_running(tmp_path, certs, ending):
    bin_dir = tmp_path / "bin"
    stand_ins(bin_dir, echo_binary())
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", BENCH_SKIP_BUILD="1", BENCH_H2LOAD="0",
               BENCH_CONFIGS="1x1", BENCH_DURATION="1" if ending == "normal" else "3", BENCH_WARMUP="0",
               BENCH_OUT=str(tmp_path / "rpc.md"))
    process = Launched(["bash", ROOT / "Benchmarks" / "run-rpc-bench.sh"], log=tmp_path / "bench.out", env=env)
    pids: list[int] = []
    try:
        started = process.wait_for(r"ours: pid (\d+) port \d+; grpc-swift-2: pid (\d+)", timeout=120)
        pids = [int(started.group(1)), int(started.group(2))]
        if ending == "sigterm":
            process.wait_for("then 3s", timeout=60)  # measuring: the load generator runs
            process.send(signal.SIGTERM)  # bash runs its trap once the load generator returns
        status = process.wait(timeout=60)
        log = process.output()
        if ending == "normal":
            assert status == 0, log
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(running(pid) for pid in pids):
            time.sleep(0.1)
        assert not [pid for pid in pids if running(pid)], f"servers left running after the script ended:\n{log}"
    finally:
        for pid in pids:
            if running(pid):
                os.kill(pid, 9)
        process.kill()
