"""No raw customer identifier, phone number or e-mail in anything a manager can open; only under ``restricted/``.

What counts as manager-facing: **every file of the pack outside ``restricted/``** — the HTML
reports and ``index.html``, the PDFs (read with ``pdftotext``), the executed notebooks in
``notebooks/``, the exports in ``files/``, ``summary/*.json`` and ``run.json``. The executed
notebooks are written for analysts, but they travel inside the pack wherever it is filed or
mailed, next to the HTML, so they are held to the managers' rule; an analyst who needs
identifiers opens ``restricted/`` (or the data) on purpose.

The identifiers are every ``customer_id``, ``phone`` and ``email`` of the ``customers`` table
of the data the pack was built from. Contact ids, agent ids and aggregates are fine. Matching:
identifiers as whole tokens; phone numbers also with separators (``152-3311-2340``, ``+86 152
3311 2340``); e-mails case-insensitively. Images (PNG charts) are not read.

A failure names the file (hence the notebook and its owner) and the first identifiers found.
"""
from __future__ import annotations

import html
import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

import ccnb.data

pytestmark = pytest.mark.slow

TOKEN = re.compile(r"[A-Za-z0-9_]+")
EMAIL = re.compile(r"[A-Za-z0-9_.+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
PHONE = re.compile(r"\+?\d+(?:[ .\-()]{1,2}\d+)*")
IMAGES = re.compile(r"data:image/[a-z+.\-]+;base64,[A-Za-z0-9+/=\s\\n]+")


def identifiers(data_dir: Path) -> dict[str, set[str]]:
    """``{"customer_id": {...}, "phone": {digits...}, "email": {lower-case...}}`` from the data's customers."""
    tables = ccnb.data.load(data_dir)
    cols = set(tables.columns_of("customers"))
    got = {"customer_id": set(), "phone": set(), "email": set()}
    for col in got:
        if col in cols:
            rows = tables.sql(f"SELECT DISTINCT {col} AS v FROM customers WHERE {col} IS NOT NULL")["v"]
            got[col] = {str(v) for v in rows if str(v).strip()}
    got["phone"] = {re.sub(r"\D", "", p) for p in got["phone"]} - {""}
    got["email"] = {e.lower() for e in got["email"]}
    return got


def text_of(path: Path) -> str:
    """The readable text of one file of a pack."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], check=True,
                              capture_output=True, text=True).stdout
    if suffix in (".xlsx", ".docx", ".zip"):
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if not n.endswith(".png"))
    if suffix in (".png", ".jpg", ".jpeg", ".gif"):
        return ""
    raw = path.read_bytes().decode("utf-8", "replace")
    if suffix == ".ipynb":
        nb = json.loads(raw)
        parts = []
        for cell in nb.get("cells", []):
            parts.append("".join(cell.get("source", "")))
            for out in cell.get("outputs", []):
                parts.append("".join(out.get("text", "")))
                parts += ["".join(v) if isinstance(v, list) else str(v)
                          for k, v in out.get("data", {}).items() if not k.startswith("image/")]
                parts.append("\n".join(out.get("traceback", [])) + str(out.get("evalue", "")))
        raw = "\n".join(parts)
    return html.unescape(IMAGES.sub(" ", raw))


def find(text: str, ids: dict[str, set[str]]) -> dict[str, list[str]]:
    hits: dict[str, set[str]] = {}
    tokens = set(TOKEN.findall(text))
    plain = {i for i in ids["customer_id"] if TOKEN.fullmatch(i)}
    hits["customer_id"] = (tokens & plain) | {i for i in ids["customer_id"] - plain
                                               if re.search(rf"(?<!\w){re.escape(i)}(?!\w)", text)}
    digits = {re.sub(r"\D", "", m) for m in PHONE.findall(text)}
    digits = {d[2:] if d.startswith("86") and len(d) > 11 else d for d in digits}
    hits["phone"] = digits & ids["phone"]
    hits["email"] = {e.lower() for e in EMAIL.findall(text)} & ids["email"]
    return {k: sorted(v) for k, v in hits.items() if v}


def scan(pack: Path, ids: dict[str, set[str]], *, restricted: bool = False) -> dict[str, dict[str, list[str]]]:
    """Identifiers found per file: outside ``restricted/`` (default) or only inside it."""
    found = {}
    for p in sorted(pack.rglob("*")):
        rel = p.relative_to(pack)
        if not p.is_file() or (rel.parts[0] == "restricted") != restricted:
            continue
        hits = find(text_of(p), ids)
        if hits:
            found[rel.as_posix()] = hits
    return found


def report_leaks(found: dict) -> str:
    lines = ["customer identifiers in manager-facing files of the pack (only restricted/ may hold them); "
             "the owner of the notebook that wrote each file must mask or drop them:"]
    for rel, hits in found.items():
        what = "; ".join(f"{k}: {', '.join(v[:3])}{' ...' if len(v) > 3 else ''} ({len(v)})" for k, v in hits.items())
        lines.append(f"  {rel}: {what}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the scanner itself
def test_the_scanner_finds_what_is_planted_and_ignores_restricted(tmp_path, pdf_text):
    from ccnb.render import pages

    ids = {"customer_id": {"CU0000042", "K-77"}, "phone": {"15233112340", "13652992849"},
           "email": {"hongli@163.com"}}
    pack = tmp_path / "2026-10"
    (pack / "pdf").mkdir(parents=True)
    (pack / "files").mkdir()
    (pack / "notebooks").mkdir()
    (pack / "restricted").mkdir()
    (pack / "a.html").write_text("<td>CU0000042</td><td>contact C250700000001</td><td>CU00000420</td>", "utf-8")
    html_for_pdf = pack / "b.html"
    html_for_pdf.write_text("<p>Call +86 152-3311-2340 or write to HongLi@163.com, ref K-77.</p>", "utf-8")
    pages.to_pdf(html_for_pdf, pack / "pdf" / "b.pdf")
    html_for_pdf.unlink()
    nb = {"cells": [{"cell_type": "code", "source": "x", "outputs": [
        {"output_type": "execute_result", "data": {"text/plain": "13652992849", "image/png": "CU0000042"}}]}]}
    (pack / "notebooks" / "c.ipynb").write_text(json.dumps(nb), "utf-8")
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["phone", "136 5299 2849"])
    wb.save(pack / "files" / "d.xlsx")
    (pack / "restricted" / "list.csv").write_text("customer_id,phone\nCU0000042,15233112340\n", "utf-8")

    assert scan(pack, ids) == {
        "a.html": {"customer_id": ["CU0000042"]},
        "files/d.xlsx": {"phone": ["13652992849"]},
        "notebooks/c.ipynb": {"phone": ["13652992849"]},
        "pdf/b.pdf": {"customer_id": ["K-77"], "email": ["hongli@163.com"], "phone": ["15233112340"]},
    }
    assert scan(pack, ids, restricted=True) == {"restricted/list.csv": {"customer_id": ["CU0000042"],
                                                                         "phone": ["15233112340"]}}
    assert "pdf/b.pdf: customer_id: K-77 (1)" in report_leaks(scan(pack, ids))


# --------------------------------------------------------------------------- the packs
def _check(pack: Path, data_dir: Path):
    ids = identifiers(data_dir)
    assert len(ids["customer_id"]) > 100 and ids["phone"] and ids["email"]    # the sample has all three
    manager = scan(pack, ids)
    assert manager == {}, report_leaks(manager)
    restricted = list((pack / "restricted").rglob("*.*"))
    if restricted:   # the outreach list holds real identifiers: the scan does see them where they belong
        inside = scan(pack, ids, restricted=True)
        assert inside and all("customer_id" in hits for hits in inside.values()), inside
    index = (pack / "index.html").read_text(encoding="utf-8")
    assert "restricted" not in index
    for page in pack.glob("*.html"):
        hrefs = re.findall(r'href="([^"]+)"', page.read_text(encoding="utf-8"))
        assert not [h for h in hrefs if "restricted" in h], page.name


def test_no_identifier_outside_restricted_in_the_sample_pack(sample_pack, sample_data):
    pack, _ = sample_pack
    _check(pack, sample_data)


def test_no_identifier_outside_restricted_in_the_payload_pack(payload_packs, payload_data):
    pack, _ = payload_packs[0]
    _check(pack, payload_data)
