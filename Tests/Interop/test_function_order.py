"""Tools/function-order/generate.py reads callgrind's dumps right, and the release link can find its list.

A release build fails to link when `--symbol-ordering-file` names a missing file, and a wrong parse
would lay the executable out by a list of the wrong functions (memory, not correctness: the test is
what notices)."""
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("function_order", ROOT / "Tools" / "function-order" / "generate.py")
function_order = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(function_order)

EXE = "/tmp/w/skills-registration"

# A dump as callgrind writes it with --demangle=no: names compressed to "(id) name" at first use,
# calls from the executable into libc (cob/cfn), a call's inclusive cost line after `calls=`,
# and `'2` for a second recursion level.
DUMP = f"""# callgrind format
version: 1
part: 1
events: Ir
ob=(1) {EXE}
fl=(1) ???
fn=(1) $s3RPC6ServerC5startyyF
0x1000 5
cob=(2) /usr/lib/x86_64-linux-gnu/libc.so.6
cfi=(2) ???
cfn=(2) malloc
calls=1 0x9000
0x1004 80
fn=(3) main
0x2000 3
ob=(2)
fn=(2)
0x9000 40
ob=(1)
fn=(4) $s3RPC6ServerC6listenyyF'2
0x3000 7
fn=(1)
0x1008 1
fn=(5) 0x0000000000004000
0x4000 2
fn=(6) (below main)
0x5000 1
"""


def test_functions_of_the_executable_in_the_order_they_first_ran(tmp_path):
    dump = tmp_path / "registration.cg"
    dump.write_text(DUMP)
    assert function_order.functions_by_part(dump, EXE) == [
        "$s3RPC6ServerC5startyyF", "main", "$s3RPC6ServerC6listenyyF"]
    # malloc ran, but in libc; a callee reached only through a `calls=` line is not counted for the caller's object.
    assert "malloc" not in function_order.functions_by_part(dump, EXE)


def test_dumps_are_taken_in_part_order(tmp_path):
    (tmp_path / "x.cg").write_text("part: 2\n")
    (tmp_path / "x.cg.1").write_text("part: 1\n")
    assert [p.name for p in function_order.dumps(tmp_path / "x.cg")] == ["x.cg.1", "x.cg"]


def test_merge_keeps_each_name_at_its_earliest_relative_place():
    merged = function_order.merge([["a", "b", "c", "d"], ["c", "e"]])
    assert merged[0] in ("a", "c") and merged.index("c") < merged.index("b")
    assert sorted(merged) == ["a", "b", "c", "d", "e"]


def test_the_release_flags_name_an_ordering_file_that_lists_functions():
    flags = re.sub(r"#.*", "", (ROOT / "Deploy" / "release-flags").read_text()).split()
    ordering = [f.split("=", 1)[1] for f in flags if f.startswith("--symbol-ordering-file=")]
    assert ordering == ["Deploy/function-order.txt"]
    names = [line for line in (ROOT / ordering[0]).read_text().splitlines() if line and not line.startswith("#")]
    assert len(names) > 1000 and all(" " not in name for name in names)
    assert any(name.startswith("$s3RPC") for name in names)  # our own runtime's functions are on it
    # make build-release and make run link with these flags.
    makefile = (ROOT / "Makefile").read_text()
    assert "Deploy/release-flags" in makefile
    assert makefile.count("build -c release $(RELEASE_FLAGS)") == 2
