"""Outputs and templates open in LibreOffice Calc with the same values (skipped without it)."""

from __future__ import annotations

import csv
import math
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from optimizer.cli import main

SOFFICE = shutil.which("soffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it"
)
EXAMPLE = Path(__file__).resolve().parents[2] / "inputs" / "gallium.xlsx"
ALL_SHEETS_AS_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def to_csv(workbook: Path, folder: Path) -> dict[str, list[list[str]]]:
    """Every sheet of `workbook` as LibreOffice reads it, by sheet name."""
    assert SOFFICE is not None
    done = subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{folder}/profile",
            "--convert-to",
            ALL_SHEETS_AS_CSV,
            "--outdir",
            str(folder),
            str(workbook),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    sheets = {}
    for path in folder.glob(f"{workbook.stem}-*.csv"):
        with open(path, newline="", encoding="utf-8") as handle:
            sheets[path.stem.removeprefix(f"{workbook.stem}-")] = list(csv.reader(handle))
    return sheets


def same(shown: str, value: object) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return shown == ""
    if isinstance(value, bool):
        return shown.upper() in ({"TRUE", "1"} if value else {"FALSE", "0"})
    if isinstance(value, int | float):
        text = shown.replace(",", "")
        number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        return math.isclose(number, float(value), rel_tol=1e-9, abs_tol=1e-9)
    return shown == str(value)


def test_output_opens_in_libreoffice_with_the_same_values(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(EXAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    output = out / "gallium_allocation.xlsx"
    tables = pd.read_excel(output, sheet_name=None, engine="openpyxl")
    seen = to_csv(output, tmp_path)
    assert set(seen) == set(tables)
    page = pd.read_excel(output, sheet_name="Overview", header=None, engine="openpyxl")
    lines = [[cell for cell in row if cell] for row in seen.pop("Overview")]
    written = [[str(v) for v in row if isinstance(v, str)] for row in page.itertuples(index=False)]
    assert [line for line in lines if line] == [line for line in written if line]
    del tables["Overview"]
    for name, table in tables.items():
        rows = seen[name]
        assert rows[0] == [str(c) for c in table.columns], name
        assert len(rows) - 1 == len(table), name
        for shown, values in zip(rows[1:], table.itertuples(index=False), strict=True):
            for cell, value in zip(shown, values, strict=False):
                assert same(cell, value), (name, cell, value)


def test_template_opens_in_libreoffice(tmp_path: Path) -> None:
    template = tmp_path / "template.xlsx"
    result = CliRunner().invoke(main, ["template", "--example", str(template)])
    assert result.exit_code == 0, result.output
    seen = to_csv(template, tmp_path)
    assert {"Instructions", "Offers", "Demand", "Countries", "Groups", "Settings"} <= set(seen)
    assert seen["Offers"][0][:4] == ["supplier", "country", "material", "unit_price"]
