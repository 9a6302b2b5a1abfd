"""The bad-input catalogue: each folder under tests/data/bad overlays the tiny data set.

``case.yaml`` says why the case exists, the report month (and time zone), files to
remove, and either ``expect`` (the exact problems DataError must list) or ``ok``
(valid input that must load, with ``check``ed values).
"""
import pathlib
import shutil

import pytest
import yaml

import ccnb.data
from ccnb.core import config

HERE = pathlib.Path(__file__).resolve().parents[1] / "data"
CASES = sorted(p.name for p in (HERE / "bad").iterdir() if (p / "case.yaml").exists())


def build_case(name: str, tmp_path: pathlib.Path) -> tuple[pathlib.Path, dict]:
    case = HERE / "bad" / name
    meta = yaml.safe_load((case / "case.yaml").read_text(encoding="utf-8"))
    data = tmp_path / "data"
    shutil.copytree(HERE / "tiny", data)
    for r in meta.get("remove", []):
        (data / r).unlink()
    for f in case.rglob("*"):
        if f.is_file() and f.name != "case.yaml":
            dst = data / f.relative_to(case)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, dst)
    return data, meta


def test_catalogue_is_large_enough():
    bad = [c for c in CASES if not yaml.safe_load((HERE / "bad" / c / "case.yaml").read_text()).get("ok")]
    assert len(bad) >= 30


@pytest.mark.parametrize("name", CASES)
def test_case(name, tmp_path):
    data, meta = build_case(name, tmp_path)
    before = set(pathlib.Path(config.CACHE_DIR).glob("*.duckdb"))
    kwargs = {"month": meta["month"], "timezone": meta.get("timezone", "Asia/Shanghai")}
    if meta.get("ok"):
        tables = ccnb.data.load(data, **kwargs)
        for path, want in (meta.get("check") or {}).items():
            table, column, key = path.split(".")
            df = getattr(tables, table)
            keycol = ccnb.data.TABLES[table].key[0]
            got = df.loc[df[keycol] == key, column].iloc[0]
            assert str(got) == want
        return
    with pytest.raises(ccnb.data.DataError) as err:
        ccnb.data.load(data, **kwargs)
    assert [str(p) for p in err.value.problems] == meta["expect"]
    # a rejected input leaves nothing behind in the cache
    if not meta.get("valid_data"):
        assert set(pathlib.Path(config.CACHE_DIR).glob("*.duckdb")) == before
    assert not list(pathlib.Path(config.CACHE_DIR).glob("*.tmp-*"))
