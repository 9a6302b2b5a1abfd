"""Packs shared by the functional tests, built once per session (the real notebooks are the slow part).

* ``sample_data``: ``data/sample`` when complete (``MANIFEST.json``), else a small generated one.
* ``sample_pack``: ``(pack, progress lines)`` of every notebook in ``notebooks/`` on the sample
  for ``config.SAMPLE_MONTH`` (the pipeline test and the leak scan read it).
* ``payload_data``: a small generated center whose agent names, teams, supervisors, queues,
  contact reasons, complaint categories and calendar names carry HTML/script payloads
  (:data:`PAYLOADS`), in a folder whose *name* carries quotes, ``$(...)``, a backslash and
  Chinese; ``payload_params`` names the payload queue in ``center.queues``.
* ``payload_packs``: the real notebooks run **twice** on it into two output folders (the
  injection test reads the first, the determinism test compares both).
* ``browser_args``: Chromium flags for headless, offline runs; ``payloads``: :data:`PAYLOADS`.
"""
from __future__ import annotations

import pytest

from ccnb.core import config
from ccnb.pipeline import report

BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]

#: Where each payload goes. Every one sets ``window.__pwned`` (or opens a dialog) if it ever runs.
PAYLOADS = {
    "agent": "<script>window.__pwned='agent'</script>Agent X",
    "team": "<img src=x onerror=\"window.__pwned='team'\">Team Y",
    "supervisor": "<svg onload=alert('supervisor')>Sup Z",
    "queue": "vip'\"<script>window.__pwned='queue'</script>",
    "reason": "<script>alert('reason')</script>refund",
    "category": "<iframe srcdoc=\"<script>parent.__pwned='category'</script>\"></iframe>billing",
    "holiday": "<b onmouseover=alert(1)>Payday</b>",
    "center": "Center <script>window.__pwned='center'</script>",      # params center.name
}
PAYLOAD_DIR_NAME = "center's \"data\" $(touch pwned) \\ 数据"


@pytest.fixture(scope="session")
def browser_args() -> list[str]:
    return BROWSER_ARGS


@pytest.fixture(scope="session")
def payloads() -> dict[str, str]:
    return dict(PAYLOADS)


@pytest.fixture(scope="session")
def sample_data(tmp_path_factory):
    if (config.SAMPLE_DIR / "MANIFEST.json").is_file():
        return config.SAMPLE_DIR
    sample = pytest.importorskip("ccnb.sample", reason="no sample data and no generator in this checkout")
    out = tmp_path_factory.mktemp("sample")
    sample.write_sample(out, seed=config.SAMPLE_SEED, months="2026-05..2026-10", contacts=60_000)
    return out


@pytest.fixture(scope="session")
def notebooks():
    found = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))
    if not found:
        pytest.skip("no notebooks in notebooks/ yet")
    return found


@pytest.fixture(scope="session")
def sample_pack(tmp_path_factory, sample_data, notebooks):
    lines: list[str] = []
    pack = report.run(config.SAMPLE_MONTH, data=sample_data, out=tmp_path_factory.mktemp("reports"),
                      progress=lines.append, notice=lines.append)
    return pack, lines


def _poison(data_dir) -> None:
    """Put :data:`PAYLOADS` into a generated data set (Parquet files rewritten in place)."""
    import duckdb

    con = duckdb.connect()

    def rewrite(rel: str, sql: str) -> None:
        for path in sorted(data_dir.glob(rel)):
            tmp = path.with_name(path.name + ".new")
            con.execute(f"COPY ({sql.format(src=_q(path))}) TO {_q(tmp)} (FORMAT parquet)")
            tmp.replace(path)

    p = {k: v.replace("'", "''") for k, v in PAYLOADS.items()}
    parts = sorted(data_dir.glob("interactions/*.parquet")) or [data_dir / "interactions.parquet"]
    contacts = "[" + ", ".join(_q(f) for f in parts) + "]"     # a list: the folder's name is not a glob pattern
    first = con.execute(f"SELECT agent_id FROM read_parquet({contacts}) WHERE arrival_ts >= '2026-10-01' AND "
                        f"agent_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]  # busiest
    team = con.execute(f"SELECT min(team) FROM read_parquet({_q(data_dir / 'agents.parquet')})").fetchone()[0]
    sup = con.execute(f"SELECT min(supervisor) FROM read_parquet({_q(data_dir / 'agents.parquet')})").fetchone()[0]
    t, s = team.replace("'", "''"), sup.replace("'", "''")
    rewrite("agents.parquet",
            f"SELECT * REPLACE (CASE WHEN agent_id = '{first}' THEN '{p['agent']}' ELSE agent_name END AS agent_name, "
            f"CASE WHEN team = '{t}' THEN '{p['team']}' ELSE team END AS team, "
            f"CASE WHEN supervisor = '{s}' THEN '{p['supervisor']}' ELSE supervisor END AS supervisor, "
            f"CASE WHEN queue = 'billing' AND right(agent_id, 1) IN ('0', '5') THEN '{p['queue']}' ELSE queue END "
            f"AS queue) FROM read_parquet({{src}})")
    moved = "queue = 'billing' AND right(contact_id, 1) IN ('0', '5')"     # a fifth of billing's contacts
    for rel in ("interactions.parquet", "interactions/*.parquet"):
        rewrite(rel, f"SELECT * REPLACE (CASE WHEN {moved} THEN '{p['queue']}' ELSE queue END AS queue, "
                     f"CASE WHEN reason = (SELECT min(reason) FROM read_parquet({{src}})) THEN '{p['reason']}' "
                     f"ELSE reason END AS reason) FROM read_parquet({{src}})")
    for rel in ("complaints.parquet", "complaints/*.parquet"):
        rewrite(rel, f"SELECT * REPLACE (CASE WHEN category = (SELECT min(category) FROM read_parquet({{src}})) "
                     f"THEN '{p['category']}' ELSE category END AS category) FROM read_parquet({{src}})")
    rewrite("calendar.parquet", f"SELECT * REPLACE (CASE WHEN kind = 'holiday' THEN '{p['holiday']}' ELSE name END "
                                f"AS name) FROM read_parquet({{src}})")
    con.close()


def _q(path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


@pytest.fixture(scope="session")
def payload_data(tmp_path_factory):
    sample = pytest.importorskip("ccnb.sample", reason="the sample generator is not in this checkout")
    root = tmp_path_factory.mktemp("payload") / PAYLOAD_DIR_NAME
    sample.write_sample(root, seed=11, months="2026-05..2026-10", contacts=30_000)
    (root / "MANIFEST.json").unlink(missing_ok=True)     # the files no longer match their recorded digests
    _poison(root)
    return root


@pytest.fixture(scope="session")
def payload_params(tmp_path_factory):
    import yaml

    from ccnb.params import load_params

    p = tmp_path_factory.mktemp("payload-params") / "center.yaml"
    default = load_params().center.queues
    billing = default["billing"].model_dump(exclude_none=True) | {"name_zh": PAYLOADS["queue"]}
    doc = {"center": {"name": PAYLOADS["center"], "queues": {PAYLOADS["queue"]: billing}}}
    p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return p


@pytest.fixture(scope="session")
def payload_packs(tmp_path_factory, payload_data, payload_params, notebooks):
    """The real notebooks on the payload data, twice (two output folders): ``[(pack, lines), (pack, lines)]``."""
    runs = []
    for i in (1, 2):
        lines: list[str] = []
        pack = report.run("2026-10", data=payload_data, params=payload_params,
                          out=tmp_path_factory.mktemp(f"payload-reports-{i}"), progress=lines.append,
                          notice=lines.append)
        runs.append((pack, lines))
    return runs
