#!/usr/bin/env python3
"""Renders run-rpc-bench.sh's JSON lines as the Markdown report (stdout)."""
import datetime, json, os, platform, subprocess, sys

path, duration, warmup, payload = sys.argv[1:5]
rows = [json.loads(line) for line in open(path) if line.strip()]
STACKS = ("ours", "grpc-swift-2")


def find(stack, label):
    for r in rows:
        if r.get("stack") == stack and r.get("label") == label:
            return r
    return {}


def num(value, digits=0):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def ratio(a, b, digits=2):
    if a is None or b in (None, 0):
        return "–"
    return f"{a / b:.{digits}f}"


def mib(kib):
    return None if kib is None else kib / 1024


here = os.path.dirname(os.path.abspath(__file__))
commit = subprocess.run(["git", "-C", here, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
dirty = subprocess.run(["git", "-C", here, "status", "--porcelain", "--", ".."], capture_output=True, text=True).stdout.strip()
print(f"# RPC benchmark, {datetime.date.today().isoformat()}")
print()
print(f"Commit {commit or '?'}{' (with uncommitted changes)' if dirty else ''}; {os.cpu_count()} cores, "
      f"Linux {platform.release()}; servers and load generators on the same machine (loopback). "
      f"Unary `skills.testing.v1.Echo/Get`, {payload}-byte payload, mTLS; {warmup} s warm-up then "
      f"{duration} s per run; one run each (single runs on these machines swing by up to 50%: "
      f"compare CPU per call, and runs of the same report).")
print()
print("Baseline: grpc-swift-2 2.4.3 + grpc-swift-nio-transport 2.9.2 (NIOSSL) + grpc-swift-protobuf 2.4.1 "
      "+ swift-protobuf 1.39.0. Goal (issue 3): ours ≥ 1.5x its calls/s, ≤ 0.5x its server CPU per call, "
      "p99 no worse.")
print()
for label in sorted({r["label"] for r in rows if "x" in r.get("label", "")},
                    key=lambda s: [int(x) for x in s.split("x")]):
    ours, base = find("ours", label), find("grpc-swift-2", label)
    c, k = label.split("x")
    print(f"## {c} connection{'s' if c != '1' else ''} x {k} call{'s' if k != '1' else ''} in flight (each stack's own client)")
    print()
    print("| | ours | grpc-swift-2 | ours / grpc-swift-2 | goal |")
    print("|---|---:|---:|---:|---|")
    print(f"| calls/s | {num(ours.get('calls_per_s'))} | {num(base.get('calls_per_s'))} | "
          f"{ratio(ours.get('calls_per_s'), base.get('calls_per_s'))} | ≥ 1.5 |")
    print(f"| p50 latency, ms | {num(ours.get('p50_ms'), 3)} | {num(base.get('p50_ms'), 3)} | "
          f"{ratio(ours.get('p50_ms'), base.get('p50_ms'))} | |")
    print(f"| p99 latency, ms | {num(ours.get('p99_ms'), 3)} | {num(base.get('p99_ms'), 3)} | "
          f"{ratio(ours.get('p99_ms'), base.get('p99_ms'))} | ≤ 1.0 |")
    print(f"| server CPU per call, µs | {num(ours.get('server_cpu_us_per_call'))} | "
          f"{num(base.get('server_cpu_us_per_call'))} | "
          f"{ratio(ours.get('server_cpu_us_per_call'), base.get('server_cpu_us_per_call'))} | ≤ 0.5 |")
    print(f"| server RSS under load (max), MiB | {num(mib(ours.get('rss_load_kib')), 1)} | "
          f"{num(mib(base.get('rss_load_kib')), 1)} | "
          f"{ratio(ours.get('rss_load_kib'), base.get('rss_load_kib'))} | |")
    print(f"| calls (errors) | {ours.get('calls', '–')} ({ours.get('errors', '–')}) | "
          f"{base.get('calls', '–')} ({base.get('errors', '–')}) | | |")
    print()

print("## Server resident memory (VmRSS)")
print()
print("| MiB | ours | grpc-swift-2 | ours / grpc-swift-2 |")
print("|---|---:|---:|---:|")
idle = {s: mib(find(s, "idle").get("rss_idle_kib")) for s in STACKS}
peak = {s: mib(max([r.get("rss_load_kib", 0) for r in rows if r.get("stack") == s] or [0])) for s in STACKS}
after = {s: mib(find(s, "after").get("rss_after_kib")) for s in STACKS}
for name, values in (("idle, after start-up", idle), ("highest under load", peak), ("after the runs", after)):
    print(f"| {name} | {num(values['ours'], 1)} | {num(values['grpc-swift-2'], 1)} | "
          f"{ratio(values['ours'], values['grpc-swift-2'])} |")
print()

h_ours, h_base = find("ours", "h2load"), find("grpc-swift-2", "h2load")
print(f"## h2load (`{(h_ours or h_base).get('config', '-c 4 -m 16')}`, TLS without a client certificate)")
print()
if not h_ours and not h_base:
    print("Not run (see the script's log).")
else:
    print("h2load checks the HTTP status only (gRPC's status is in the trailers); it reports no percentiles.")
    print()
    print("| | ours | grpc-swift-2 | ours / grpc-swift-2 |")
    print("|---|---:|---:|---:|")
    print(f"| calls/s | {num(h_ours.get('calls_per_s'))} | {num(h_base.get('calls_per_s'))} | "
          f"{ratio(h_ours.get('calls_per_s'), h_base.get('calls_per_s'))} |")
    print(f"| mean latency, ms | {num(h_ours.get('mean_ms'), 3)} | {num(h_base.get('mean_ms'), 3)} | "
          f"{ratio(h_ours.get('mean_ms'), h_base.get('mean_ms'))} |")
    print(f"| server CPU per call, µs | {num(h_ours.get('server_cpu_us_per_call'))} | "
          f"{num(h_base.get('server_cpu_us_per_call'))} | "
          f"{ratio(h_ours.get('server_cpu_us_per_call'), h_base.get('server_cpu_us_per_call'))} |")
    print(f"| 2xx (failed, errored) | {h_ours.get('calls', '–')} ({h_ours.get('failed', '–')}, {h_ours.get('errored', '–')}) | "
          f"{h_base.get('calls', '–')} ({h_base.get('failed', '–')}, {h_base.get('errored', '–')}) | |")
    if not h_ours:
        print()
        print("Ours was skipped: `skills-echo serve` has no `--no-client-auth`.")
print()
