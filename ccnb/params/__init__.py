"""Report parameters: YAML files validated before any notebook runs.

``params/default.yaml`` holds every default (the domain brief's targets, weights
and thresholds); a center's own file only needs the keys it changes and is
deep-merged over the defaults. Validation uses pydantic (typed models, unknown
keys rejected) because its errors carry the exact path of the bad key, which we
turn into one readable line per problem: ``params/x.yaml: kpi.weights.csat:
expected a number, got 'high'``.

Each analysis owns one section model (``center.py``: center, report, engine; ``scorecard.py``:
KPIs and QA; ``analyses.py``: forecast, staffing, churn, retention); add fields there, with a
default in ``params/default.yaml`` and a description. This module holds the root model and the
loading: merging, YAML reading (duplicate keys refused) and readable errors.
"""
from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, model_validator

from ccnb.core import config
from ccnb.params.analyses import *  # noqa: F401,F403  (section models, importable from ccnb.params)
from ccnb.params.analyses import Churn, Forecast, Retention, Staffing
from ccnb.params.base import ParamsError, Section  # noqa: F401
from ccnb.params.center import *  # noqa: F401,F403
from ccnb.params.center import Center, Engine, Report
from ccnb.params.scorecard import *  # noqa: F401,F403
from ccnb.params.scorecard import Kpi, Qa
from ccnb.params.sources import DataSources


class Params(Section):
    center: Center = Field(default_factory=Center)
    report: Report = Field(default_factory=Report)
    kpi: Kpi = Field(default_factory=Kpi)
    qa: Qa = Field(default_factory=Qa)
    forecast: Forecast = Field(default_factory=Forecast)
    staffing: Staffing = Field(default_factory=Staffing)
    churn: Churn = Field(default_factory=Churn)
    retention: Retention = Field(default_factory=Retention)
    engine: Engine = Field(default_factory=Engine)
    data: DataSources = Field(default_factory=DataSources)

    #: Files these parameters came from (defaults first); not part of the YAML.
    sources: list[str] = Field(default_factory=list, exclude=True)

    @model_validator(mode="after")
    def _qa_form_points(self) -> "Params":
        total = sum(i.max_points for i in self.qa.form.values())
        if self.qa.form and abs(total - 100) > 1e-6:
            raise ValueError(f"qa.form item max_points must sum to 100, they sum to {total:g}")
        return self

    def digest(self) -> str:
        """SHA-256 of the effective parameters (for run records)."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


#: Mappings that a center's file replaces as a whole instead of merging key by key: a weight set
#: must sum to 100 %, so a center listing its own weights means exactly those weights; likewise a
#: center's QA form is its whole form (items summing to 100 points).
REPLACED_WHOLE = {("kpi", "weights"), ("kpi", "weights_by_role", "*"), ("qa", "form")}


def _replaced_whole(path: tuple[str, ...]) -> bool:
    return any(len(p) == len(path) and all(a in ("*", b) for a, b in zip(p, path)) for p in REPLACED_WHOLE)


def deep_merge(base: dict, override: dict, _path: tuple[str, ...] = ()) -> dict:
    """Recursively merge ``override`` into a copy of ``base``.

    Mappings merge key by key, except weight sets (:data:`REPLACED_WHOLE`), which the
    override replaces whole; any other value replaces.
    """
    out = copy.deepcopy(base)
    for k, v in override.items():
        path = _path + (str(k),)
        if isinstance(v, dict) and isinstance(out.get(k), dict) and not _replaced_whole(path):
            out[k] = deep_merge(out[k], v, path)
        else:
            out[k] = copy.deepcopy(v)
    return out


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a key given twice in one mapping (PyYAML keeps the last one
    silently, so a target or weight typed twice would change the numbers without a word)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def read_yaml(path: Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: parameters file not found")
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except UnicodeDecodeError:
        raise ParamsError(f"{path}: not UTF-8 text; save the parameters file as UTF-8") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ParamsError(f"{path}: not valid YAML{where}: {problem}") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ParamsError(f"{path}: expected a mapping of sections (center:, kpi:, ...), got {type(doc).__name__}")
    return doc


def _describe(err: dict) -> str:
    loc = ".".join(str(p) for p in err["loc"])
    typ, msg = err["type"], err["msg"]
    if typ == "extra_forbidden":
        return f"{loc}: unknown key (not a ccnb parameter; check the spelling against params/default.yaml)"
    if typ == "missing":
        return f"{loc}: required key is missing"
    msg = msg.removeprefix("Value error, ")
    if typ == "value_error":  # our own validators say what they found
        return f"{loc}: {msg}" if loc else msg
    got = err.get("input")
    shown = repr(got) if not isinstance(got, (dict, list)) else type(got).__name__
    return f"{loc}: {msg}, got {shown}" if loc else f"{msg}"


def validate(doc: dict, source: str = "<params>") -> Params:
    try:
        return Params.model_validate(doc)
    except ValidationError as e:
        lines = [f"{source}: {_describe(err)}" for err in e.errors()]
        raise ParamsError("invalid parameters:\n  " + "\n  ".join(lines)) from None


def load_params(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Params:
    """Defaults from ``params/default.yaml``, then ``path`` (partial is fine), then ``overrides``.

    Raises :class:`ParamsError` naming the file and key of every problem.
    """
    doc = read_yaml(config.DEFAULT_PARAMS)
    sources = [str(config.DEFAULT_PARAMS)]
    label = str(config.DEFAULT_PARAMS)
    if path is not None and Path(path).resolve() != config.DEFAULT_PARAMS.resolve():
        doc = deep_merge(doc, read_yaml(Path(path)))
        sources.append(str(path))
        label = str(path)
    if overrides:
        doc = deep_merge(doc, overrides)
    p = validate(doc, label)
    p.sources = sources
    return p
