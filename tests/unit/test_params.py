"""Parameters: defaults load, partial files merge, every bad file gets a one-line reason."""
import pytest

from ccnb.params import ParamsError, load_params


def write(tmp_path, text):
    p = tmp_path / "center.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_are_the_domain_brief():
    p = load_params()
    assert p.kpi.targets["answer_rate"] == 0.90
    assert p.kpi.targets["csat"] == 0.85 and p.kpi.targets["nps"] == 50
    assert p.kpi.weights["answer_rate"] == 0.20 and p.kpi.weights["aht_s"] == 0.15
    assert p.staffing.service_level_target == 0.80 and p.staffing.answer_s == 20
    assert sum(p.kpi.weights.values()) == pytest.approx(1)


def test_partial_file_merges_over_defaults(tmp_path):
    p = load_params(write(tmp_path, "kpi:\n  targets:\n    aht_s: 240\ncenter:\n  timezone: Europe/Berlin\n"))
    assert p.kpi.targets["aht_s"] == 240
    assert p.kpi.targets["answer_rate"] == 0.90  # untouched default
    assert p.center.timezone == "Europe/Berlin"
    assert len(p.sources) == 2


@pytest.mark.parametrize("text, message", [
    ("kpi:\n  targts: {}\n", "kpi.targts: unknown key"),
    ("kpi:\n  targets:\n    answer_rat: 0.9\n", "unknown KPI key(s) answer_rat"),
    ("kpi:\n  weights:\n    answer_rate: 0.5\n    csat: 0.4\n", "weights must sum to 1 (100 %), they sum to 0.9"),
    ("kpi:\n  weights:\n    csat: high\n", "kpi.weights.csat: Input should be a valid number"),
    ("center:\n  timezone: Mars/Olympus\n", "unknown time zone 'Mars/Olympus'"),
    ("center:\n  interval_minutes: 20\n", "center.interval_minutes"),
    ("report:\n  lang: fr\n", "report.lang"),
    ("kpi: [1, 2\n", "not valid YAML (line 2"),
    ("- just\n- a list\n", "expected a mapping of sections"),
    ("qa:\n  form:\n    greeting: {label: Hi, max_points: 50}\n", "qa.form item max_points must sum to 100"),
])
def test_bad_params_name_file_key_and_problem(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ParamsError) as err:
        load_params(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(ParamsError, match="parameters file not found"):
        load_params(tmp_path / "nope.yaml")


def test_a_center_weight_set_replaces_the_default_one(tmp_path):
    """Weights are a set summing to 100 %: a center's list is the whole list, not a patch."""
    p = load_params(write(tmp_path, "kpi:\n  weights:\n    answer_rate: 0.5\n    csat: 0.5\n"))
    assert p.kpi.weights == {"answer_rate": 0.5, "csat": 0.5}
    assert p.kpi.targets["aht_s"] == 200  # other mappings still merge
