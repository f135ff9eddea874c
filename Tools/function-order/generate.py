#!/usr/bin/env python3
"""Write Deploy/function-order.txt: the functions the services run, in the order they first run.

The release link (Deploy/release-flags) gives it to lld as `--symbol-ordering-file`, so the code
a service runs to start and to serve lies together at the front of `.text` instead of across all of
it. The kernel maps an executable's code 64 KiB at a time around each page a process touches
(fault-around); a registration service touched ~1 MiB of functions at start-up but had ~9 MiB of its
executable resident, because those functions were spread over most of its 64 KiB blocks.

How: run the four services of --bin-dir (a release build) under Valgrind's callgrind, wait until they
serve, dump (start-up), drive `skillsctl demo` through them, stop them (serving). The file lists each
service's start-up functions, then its serving functions, merged over the services by first use.
Needs valgrind (`apt-get install valgrind`); takes a few minutes. A stale file costs memory, never
correctness: lld places the names it finds and ignores the others. Regenerate after large changes:

    make build-release && python3 Tools/function-order/generate.py --bin-dir .build/release
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["registration", "matching", "assessment", "payment"]
SERVING_TIMEOUT_S = 900


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


COMPRESSED = re.compile(r"^c?(ob|fn)=\((\d+)\)(?: (.*))?$")


def own_costs(path: Path):
    """(object, function, instructions) of each cost line of one callgrind dump that is charged to the
    current function itself, in file order. Callgrind compresses names: `fn=(7) name` defines 7,
    `fn=(7)` reuses it; `cob=`/`cfn=` name a callee and define ids the same way without changing the
    current ones; the cost line after `calls=` is the callee's inclusive cost, not the caller's own."""
    defined: dict[tuple[str, str], str] = {}
    current: dict[str, str | None] = {"ob": None, "fn": None}
    after_call = False
    for line in path.read_text(errors="replace").splitlines():
        match = COMPRESSED.match(line)
        if match:
            kind, number, name = match.groups()
            if name:
                defined[(kind, number)] = name
            if not line.startswith("c"):
                current[kind] = defined.get((kind, number))
        elif line.startswith("calls="):
            after_call = True
        elif line[:1].isdigit() or line[:1] in "+-*":
            if after_call:
                after_call = False
            else:
                fields = line.split()
                yield current["ob"], current["fn"], int(fields[1]) if len(fields) > 1 else 0


def functions_by_part(path: Path, executable: str) -> list[str]:
    """Functions of `executable` that ran at least one instruction in one callgrind dump, in the order
    callgrind first met them."""
    seen: dict[str, None] = {}
    for obj, function, _ in own_costs(path):
        if obj == executable and function:
            name = re.sub(r"'\d+$", "", function)
            if not name.startswith("0x") and " " not in name:  # not "(below main)" nor a bare address
                seen.setdefault(name)
    return list(seen)


def dumps(out_base: Path) -> list[Path]:
    """Callgrind's dump files for one process, by part number (`part: N` in each)."""
    parts = []
    for path in out_base.parent.glob(out_base.name + "*"):
        match = re.search(r"^part: (\d+)$", path.read_text(errors="replace")[:4096], re.M)
        parts.append((int(match.group(1)) if match else 0, path))
    return [p for _, p in sorted(parts)]


def merge(lists: list[list[str]]) -> list[str]:
    """One order from several: each name at its earliest relative position in any list."""
    rank: dict[str, float] = {}
    for names in lists:
        for i, name in enumerate(names):
            position = i / max(len(names), 1)
            rank[name] = min(rank.get(name, position), position)
    return sorted(rank, key=lambda n: rank[n])


def wait_serving(skillsctl: Path, certs: Path, addresses: list[str], processes: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + SERVING_TIMEOUT_S
    while time.monotonic() < deadline:
        for p in processes:
            if p.poll() is not None:
                sys.exit(f"a service exited during start-up (status {p.returncode}); see its log in the work dir")
        health = subprocess.run([str(skillsctl), "health", "--cert-dir", str(certs), "--timeout-ms", "30000",
                                 *addresses], capture_output=True)
        if health.returncode == 0:
            return
        time.sleep(2)
    sys.exit("the services did not serve under valgrind in time")


def stripped_copy(binary: Path, work: Path) -> Path:
    """Valgrind 3.19 cannot read the DWARF 5 that Swift's clang writes: profile a copy without it."""
    copy = work / binary.name
    subprocess.run(["objcopy", "--strip-debug", str(binary), str(copy)], check=True)
    return copy


def start_under_callgrind(bin_dir: Path, certs: Path, work: Path) -> tuple[list[subprocess.Popen], list[str], dict[str, str]]:
    """The four services of `bin_dir` under callgrind (SQLite in `work`, free ports, business dates
    accepted), each dumping to `work/NAME.cg`: their processes, the skillsctl address options that
    reach them, and the path of each one's profiled copy."""
    ports = {name: free_port() for name in SERVICES}
    addresses = [a for name in SERVICES for a in (f"--{name}-addr", f"127.0.0.1:{ports[name]}")]
    processes, executables = [], {}
    for name in SERVICES:
        executable = stripped_copy(bin_dir / f"skills-{name}", work)
        executables[name] = str(executable)
        log = open(work / f"{name}.log", "w")
        processes.append(subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={work}/{name}.cg",
             str(executable), "--host", "127.0.0.1", "--port", str(ports[name]), "--metrics-port", "off",
             "--data-dir", str(work / "data"), "--cert-dir", str(certs), "--accept-business-date",
             "--log-level", "warning", *addresses], stdout=log, stderr=subprocess.STDOUT))
    return processes, addresses, executables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", type=Path, required=True, help="a release build's bin directory")
    parser.add_argument("--certs", type=Path, default=ROOT / "Deploy" / "certs" / "out")
    parser.add_argument("--out", type=Path, default=ROOT / "Deploy" / "function-order.txt")
    args = parser.parse_args()
    for tool in ("valgrind", "callgrind_control", "objcopy"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: apt-get install valgrind binutils")

    work = Path(tempfile.mkdtemp(prefix="function-order-"))
    processes, addresses, executables = start_under_callgrind(args.bin_dir, args.certs, work)
    try:
        wait_serving(args.bin_dir / "skillsctl", args.certs, addresses, processes)
        for p in processes:
            subprocess.run(["callgrind_control", "--dump=serving", str(p.pid)], check=True, capture_output=True)
        demo = subprocess.run([str(args.bin_dir / "skillsctl"), "demo", "--cert-dir", str(args.certs), *addresses],
                              capture_output=True, text=True, timeout=SERVING_TIMEOUT_S)
        if demo.returncode != 0:
            sys.exit(f"skillsctl demo failed ({demo.returncode}):\n{demo.stderr}")
    finally:
        for p in processes:
            p.send_signal(signal.SIGTERM)
        for p in processes:
            p.wait(timeout=300)

    start_up, serving = [], []
    for name in SERVICES:
        parts = [functions_by_part(path, executables[name]) for path in dumps(work / f"{name}.cg")]
        if len(parts) < 2:
            sys.exit(f"{name}: expected a start-up and a serving dump in {work}")
        start_up.append(parts[0])
        serving.append([f for part in parts[1:] for f in part])
    first = merge(start_up)
    known = set(first)
    order = first + [f for f in merge(serving) if f not in known]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w") as out:
        out.write("# Generated by Tools/function-order/generate.py: the services' functions in the order they first\n")
        out.write(f"# run ({len(first)} at start-up, then {len(order) - len(first)} serving the five-order demo).\n")
        out.writelines(f"{name}\n" for name in order)
    shutil.rmtree(work)
    print(f"wrote {args.out}: {len(first)} start-up and {len(order) - len(first)} serving functions")


if __name__ == "__main__":
    main()
