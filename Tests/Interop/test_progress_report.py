"""T1 as the bureau reads it (issue 16), against the data `make run` leaves: `Tools/run-local.sh`
(debug build, ports and data directory of its own) starts the four services and runs
`skillsctl demo`; the services keep running while these tests read `skillsctl progress` as a
table, as CSV and as an SVG chart.

What an official must be able to trust: every breakdown (year, worker category, industry,
institution) adds up to the totals in trainings, paid and held money; no row is a bare code; the
demo's G1 enterprise employee is counted; institutions appear by their registered names; the CSV
says what the table says; no chart text runs past the canvas.
"""
import csv
import io
import re
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from test_run_local import free_port_block, start_platform, stop_platform

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".build" / "debug"
BREAKDOWNS = ("year", "category", "industry", "institution")
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def platform(tmp_path_factory, certs):
    """The services after the demo, as `make run` leaves them: yields skillsctl's connection arguments."""
    data = tmp_path_factory.mktemp("progress-data")
    base, metrics = free_port_block(), free_port_block()
    launched, _ = start_platform(data, certs, base, metrics, demo=True, timeout=600)
    try:
        assert "The demo failed" not in launched.output(), launched.output()
        yield ["--cert-dir", str(certs), "--registration-addr", f"127.0.0.1:{base + 1}", "--matching-addr", f"127.0.0.1:{base + 2}",
               "--assessment-addr", f"127.0.0.1:{base + 3}", "--payment-addr", f"127.0.0.1:{base + 4}"]
    finally:
        stop_platform(launched)


def ctl(connection, *args):
    """skillsctl's standard output, decoded as UTF-8 with its line ends as written (CRLF stays CRLF)."""
    result = subprocess.run([str(BIN / "skillsctl"), *args, *connection], capture_output=True, timeout=120)
    stdout, stderr = result.stdout.decode("utf-8"), result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0, f"skillsctl {' '.join(args)}: {result.returncode}\n{stdout}{stderr}"
    return stdout


def fen(yuan: str) -> int:
    """'¥1,400.00' or '1400.00' -> 140000."""
    text = yuan.replace("¥", "").replace(",", "")
    negative = text.startswith("-")
    whole, cents = text.lstrip("-").split(".")
    value = int(whole) * 100 + int(cents)
    return -value if negative else value


def headline(table: str) -> dict:
    total = re.search(r"^T1: (\d+) of (\d+) subsidised trainings", table, re.M)
    money = re.search(r"^paid (\S+), held (\S+), payable (\S+)$", table, re.M)
    assert total and money, table
    return {"trainings": int(total.group(1)), "target": int(total.group(2)), "paid": fen(money.group(1)),
            "held": fen(money.group(2)), "payable": fen(money.group(3))}


def csv_rows(text: str) -> list[dict]:
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), "RFC 4180: every line ends in CRLF"
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    for row in rows:
        for money in ("paid", "held", "payable"):
            assert re.fullmatch(r"-?\d+\.\d\d", row[f"{money}_yuan"]), row
            assert fen(row[f"{money}_yuan"]) == int(row[f"{money}_fen"]), row
    return rows


@pytest.fixture(scope="module")
def report(platform):
    table = ctl(platform, "progress")
    rows = csv_rows(ctl(platform, "progress", "--csv"))
    return table, headline(table), rows


def test_every_breakdown_adds_up_to_the_totals(platform, report):
    _, totals, rows = report
    assert totals["target"] == 150000
    assert totals["trainings"] >= 5, "the demo's five groups are subsidised"
    for breakdown in BREAKDOWNS:
        mine = [row for row in rows if row["breakdown"] == breakdown]
        assert mine, breakdown
        assert len({row["key"] for row in mine}) == len(mine), f"{breakdown}: a key twice"
        assert sum(int(row["trainings"]) for row in mine) == totals["trainings"], breakdown
        for money in ("paid", "held", "payable"):
            assert sum(int(row[f"{money}_fen"]) for row in mine) == totals[money], (breakdown, money)
    # The paid total is the ledger's, as finance exports it.
    ledger = list(csv.DictReader(io.StringIO(ctl(platform, "ledger", "export", "--csv", "--role", "finance"))))
    assert ledger and totals["paid"] == sum(int(entry["amount_fen"]) for entry in ledger)
    # Every category row carries money, not only the year rows.
    assert all(int(row["paid_fen"]) + int(row["held_fen"]) + int(row["payable_fen"]) > 0 for row in rows), rows


def test_a_year_adds_up_to_its_row_of_the_whole_programme(platform, report):
    _, _, rows = report
    year = next(row for row in rows if row["breakdown"] == "year")
    only = csv_rows(ctl(platform, "progress", "--csv", "--year", year["key"]))
    for breakdown in BREAKDOWNS:
        mine = [row for row in only if row["breakdown"] == breakdown]
        assert sum(int(row["trainings"]) for row in mine) == int(year["trainings"]), breakdown
        assert sum(int(row["paid_fen"]) for row in mine) == int(year["paid_fen"]), breakdown
        assert sum(int(row["held_fen"]) for row in mine) == int(year["held_fen"]), breakdown
    assert headline(ctl(platform, "progress", "--year", year["key"]))["trainings"] == int(year["trainings"])


def test_a_negative_year_is_refused_by_name(platform):
    result = subprocess.run([str(BIN / "skillsctl"), "progress", "--year=-1", *platform], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "INVALID_ARGUMENT" in result.stderr and "year" in result.stderr, result.stderr


def test_no_row_shows_a_bare_code(report):
    _, _, rows = report
    for row in rows:
        assert row["name_zh"].strip() and row["name_en"].strip(), row
        if row["breakdown"] in ("category", "industry"):
            assert row["name_zh"] != row["key"] and row["name_en"] != row["key"], row
            # A name follows the code: "G8 登记失业人员", "C26 化学原料和化学制品制造业", "职业大类6 生产制造及有关人员".
            assert re.search(r"[\u4e00-\u9fff]", row["name_zh"]) and re.search(r"[a-z]{3}", row["name_en"]), row
        assert not re.fullmatch(r"(G\d+|occupation group \d|[A-T]\d\d|i-[0-9a-z]+)", row["name_zh"]), row


def test_the_demos_enterprise_employee_is_counted_with_the_enterprises_industry(report):
    _, _, rows = report
    categories = {row["key"]: row for row in rows if row["breakdown"] == "category"}
    g1 = [row for key, row in categories.items() if key.split("/")[0] == "G1"]
    assert g1 and "企业在职职工" in g1[0]["name_zh"] and "enterprise employee" in g1[0]["name_en"], categories
    assert int(g1[0]["trainings"]) >= 1 and int(g1[0]["paid_fen"]) > 0
    industries = [row for row in rows if row["breakdown"] == "industry"]
    registered = [row for row in industries if re.fullmatch(r"[A-T]\d\d", row["key"])]
    assert registered, f"the G1 employer's and the G2 hiring enterprise's industries: {industries}"


def test_institutions_appear_by_their_registered_names(platform, report):
    _, _, rows = report
    for row in (row for row in rows if row["breakdown"] == "institution"):
        answer = ctl(platform, "call", "registration", "GetInstitution", "--json", f'{{"institution_id": "{row["key"]}"}}')
        name = re.search(r'"name":\s*"([^"]+)"', answer)
        assert name and row["name_zh"] == name.group(1), (row, answer)


def test_the_csv_agrees_with_the_table(platform, report):
    table, _, rows = report
    sections = re.split(r"\n\nby ", table)[1:]
    assert len(sections) == 4
    for breakdown, section in zip(BREAKDOWNS, sections):
        lines = section.splitlines()[2:]
        mine = [row for row in rows if row["breakdown"] == breakdown]
        assert len(lines) == len(mine) + 1, section
        for line, row in zip(lines, mine):
            figures = line.split()
            assert int(figures[0]) == int(row["trainings"]), (line, row)
            assert [fen(x) for x in figures[1:4]] == [int(row["paid_fen"]), int(row["held_fen"]), int(row["payable_fen"])], (line, row)
            assert line.split("  ")[-1].strip().startswith(row["name_zh"]), (line, row)
        assert lines[-1].split()[0] == str(sum(int(row["trainings"]) for row in mine)) and lines[-1].endswith("total 合计")
    only = csv_rows(ctl(platform, "progress", "--csv", "--by", "institution"))
    assert only == [row for row in rows if row["breakdown"] == "institution"]


def text_width(text: str, size: float, bold: bool) -> float:
    """The chart's conservative measure (Services/Ctl/TextMeasure.swift): CJK and full-width at a
    full em, M W m w @ % a full em, other capitals 0.8, a space 0.35, anything else 0.65; bold +10%."""
    ems = 0.0
    for character in text:
        code = ord(character)
        if (0x1100 <= code <= 0x115F or 0x2E80 <= code <= 0xA4CF or 0xAC00 <= code <= 0xD7A3 or 0xF900 <= code <= 0xFAFF
                or 0xFE30 <= code <= 0xFE4F or 0xFF00 <= code <= 0xFF60 or 0xFFE0 <= code <= 0xFFE6 or 0x20000 <= code <= 0x3FFFD):
            ems += 1.0
        elif character in "MWmw@%":
            ems += 1.0
        elif character == " ":
            ems += 0.35
        elif "A" <= character <= "Z":
            ems += 0.8
        else:
            ems += 0.65
    return ems * size * (1.1 if bold else 1.0)


def test_the_chart_names_every_row_and_no_label_runs_past_the_canvas(platform, report, tmp_path):
    _, _, rows = report
    chart = tmp_path / "t1.svg"
    ctl(platform, "progress", "--chart", str(chart))
    root = ElementTree.parse(chart).getroot()
    width = float(root.get("width"))
    assert root.get("viewBox").split()[2] == root.get("width")
    texts = list(root.iter(f"{SVG}text"))
    for text in texts:
        right = float(text.get("x")) + text_width(text.text or "", float(text.get("font-size")), text.get("font-weight") == "bold")
        assert float(text.get("x")) >= 0 and right <= width, f"{text.text!r} reaches {right:.0f} of {width:.0f}"
    drawn = [text.text or "" for text in texts]
    for row in rows:
        if row["breakdown"] != "year":
            # A label too long for its column is wrapped over lines: its first characters start a line.
            assert any(row["name_zh"].startswith(line) and line for line in drawn), row
    assert not any(re.fullmatch(r"G\d+|[A-T]\d\d", line) for line in drawn)
    assert any(re.fullmatch(r"running total \d+, \d+\.\d% of target", line) for line in drawn), drawn
