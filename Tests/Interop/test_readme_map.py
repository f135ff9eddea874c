"""The README's map of the tree ("What is where") names every directory a newcomer meets, and only those."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The parents whose children the map lists one by one.
LISTED_PARENTS = ["Shared", "Services", "Tests", "Deploy", "Protos", "docs"]


def readme_map() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## What is where", 1)[1]
    return section.split("```", 2)[1]


def test_every_directory_of_the_tree_is_on_the_map():
    text = readme_map()
    missing = []
    for parent in LISTED_PARENTS:
        for child in sorted(p.name for p in (ROOT / parent).iterdir() if p.is_dir()):
            if child.startswith(".") or child == "__pycache__":
                continue
            if not re.search(rf"(^|[\s(/]){re.escape(child)}(/|[\s,):]|$)", text, re.M):
                missing.append(f"{parent}/{child}")
    assert not missing, f"not on README's map: {missing}"


def test_every_path_on_the_map_exists():
    text = readme_map()
    named = re.findall(r"^((?:[A-Za-z]+/)+)", text, re.M)
    absent = [path for path in named if not (ROOT / path).is_dir()]
    assert named and not absent, f"on README's map but not in the tree: {absent}"
