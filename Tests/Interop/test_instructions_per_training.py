"""Benchmarks/instructions-per-training.py attributes callgrind's costs to the right functions.

A wrong parse would print a profile of the wrong functions; the totals it compares come from the
file's own `summary:` line."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "instructions_per_training", ROOT / "Benchmarks" / "instructions-per-training.py")
instructions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(instructions)

# Compressed names ("(id) name" at first use), a call into libc whose inclusive cost follows
# `calls=` (the callee's, not the caller's own), and a later block of the callee itself.
DUMP = """# callgrind format
version: 1
part: 1
events: Ir
summary: 132
ob=(1) /tmp/w/skills-matching
fl=(1) ???
fn=(1) $s3RPC6ServerC5startyyF
0x1000 5
+4 6
cob=(2) /usr/lib/x86_64-linux-gnu/libc.so.6
cfi=(2) ???
cfn=(2) malloc
calls=1 0x9000
0x1004 80
fn=(3) main
0x2000 1
ob=(2)
fn=(2)
0x9000 40
"""


def test_own_costs_exclude_callees(tmp_path: Path):
    dump = tmp_path / "matching.cg.1"
    dump.write_text(DUMP)
    costs = instructions.self_costs(dump)
    assert costs[("skills-matching", "$s3RPC6ServerC5startyyF")] == 11
    assert costs[("skills-matching", "main")] == 1
    assert costs[("libc.so.6", "malloc")] == 40
    assert sum(costs.values()) == 52
    assert instructions.total_instructions(dump) == 132
