"""Downloadable CSV files cannot run formulas in a spreadsheet and open with Chinese text intact."""
import pandas as pd

from ccnb.core import exports


def test_formulas_are_defused_numbers_are_not(tmp_path):
    df = pd.DataFrame({"agent": ["=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1)", "张伟", "-5", "+86 138 0000 0001"],
                       "n": [1, 2, 3, 4, 5]})
    p = exports.write_csv(df, tmp_path / "a.csv")
    raw = p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    back = pd.read_csv(p, encoding="utf-8-sig", dtype=str)
    assert list(back["agent"]) == ["'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(A1)", "张伟", "-5", "+86 138 0000 0001"]
    assert list(back["n"]) == ["1", "2", "3", "4", "5"]
    assert not list(tmp_path.glob(".*tmp*"))


def test_column_names_are_defused_too(tmp_path):
    back = pd.read_csv(exports.write_csv(pd.DataFrame({"=cmd": ["x"]}), tmp_path / "b.csv"), encoding="utf-8-sig")
    assert list(back.columns) == ["'=cmd"]
