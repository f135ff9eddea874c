"""Tools/size-check.sh (`make size-check`): hand-written Swift files over 400 lines and functions over
80 lines are listed and fail the check; comments, strings and bodiless protocol requirements do not
fool the brace count. Runs on temporary files only (the tree's own state is `make size-check`'s)."""
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "Tools" / "size-check.sh"


def check(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(CHECK), *map(str, paths)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def function(name: str, body_lines: int) -> str:
    """A function of exactly body_lines + 2 lines (declaration, body, closing brace)."""
    return f"func {name}() -> Int {{\n" + "    let x = 1\n" * body_lines + "}\n"


def test_small_files_and_functions_pass(tmp_path):
    (tmp_path / "Small.swift").write_text(function("fits", 78))
    result = check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "none over 400 lines, no function over 80 lines" in result.stdout


def test_a_file_over_400_lines_fails_naming_it(tmp_path):
    big = tmp_path / "Big.swift"
    big.write_text("let a = 1\n" * 401)
    result = check(tmp_path)
    assert result.returncode == 1
    assert f"{big}: 401 lines (limit 400)" in result.stdout


def test_a_function_over_80_lines_fails_naming_it_and_its_line(tmp_path):
    source = tmp_path / "Long.swift"
    source.write_text("struct S {\n    init(a: Int) {}\n" + function("long", 79) + function("fits", 78) + "}\n")
    result = check(tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == f"{source}:3: long is 81 lines (limit 80)"
    assert "fits" not in result.stdout and "init" not in result.stdout


def test_braces_in_comments_strings_and_protocol_requirements_are_not_counted(tmp_path):
    source = tmp_path / "Tricky.swift"
    source.write_text(
        "protocol P {\n    func required() -> Int\n    init(x: Int)\n}\n"
        'func f() -> String {\n    // }}}\n    /* { */\n    let s = "}}" + #"\\"}"#\n'
        '    let t = """\n        }\n        """\n    return s + t\n}\n'
        + function("after", 79))
    result = check(tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == f"{source}:14: after is 81 lines (limit 80)"


def test_generated_code_is_left_out(tmp_path):
    (tmp_path / "Generated").mkdir()
    (tmp_path / "Generated" / "Big.swift").write_text("let a = 1\n" * 500)
    (tmp_path / "Small.swift").write_text("let a = 1\n")
    assert check(tmp_path).returncode == 0
