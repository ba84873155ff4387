"""Wording that must not come back."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Everything a user or a reader sees: code and templates, the phone app (not the vendored
# libraries), the docs and the translations (their sources, catalog and compiled .mo, all
# under webapp/translations/).
SEARCHED = ["webapp", "pwa_static", "docs", "README.md"]
NOT_SEARCHED = [ROOT / "pwa_static" / "vendor"]


def _searched_files() -> list[Path]:
    files = []
    for name in SEARCHED:
        top = ROOT / name
        for path in [top] if top.is_file() else sorted(top.rglob("*")):
            if (
                path.is_file()
                and "__pycache__" not in path.parts
                and not any(path.is_relative_to(skipped) for skipped in NOT_SEARCHED)
            ):
                files.append(path)
    return files


def test_the_old_spelling_of_ledger_never_comes_back():
    """台账 is the standard spelling; the variant 台帐 was replaced everywhere."""
    old = "台帐".encode()  # bytes, so binary files such as the compiled .mo are searched too
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _searched_files()
        for number, line in enumerate(path.read_bytes().split(b"\n"), start=1)
        if old in line
    ]
    assert not found, "台帐 (write 台账) in " + ", ".join(found)
