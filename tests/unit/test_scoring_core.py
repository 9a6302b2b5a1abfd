"""Attainment and traffic lights, by hand."""
import math

import pytest

from ccnb.kpi.scoring import attainment, light


@pytest.mark.parametrize("value, target, floor, direction, want", [
    (0.90, 0.90, 0.70, "higher", 1.0),     # on target
    (0.80, 0.90, 0.70, "higher", 0.5),     # half way from floor to target
    (0.60, 0.90, 0.70, "higher", 0.0),     # below the floor: capped at 0
    (0.99, 0.90, 0.70, "higher", 1.0),     # above target: capped at 1
    (250, 200, 300, "lower", 0.5),         # AHT 250 s between target 200 and floor 300
    (180, 200, 300, "lower", 1.0),
    (25, 50, 0, "higher", 0.5),            # NPS
])
def test_attainment(value, target, floor, direction, want):
    assert attainment(value, target, floor, direction) == pytest.approx(want)


def test_band_attainment():
    assert attainment(0.78, None, None, "band", (0.70, 0.85)) == 1.0
    assert attainment(0.925, None, None, "band", (0.70, 0.85)) == pytest.approx(0.5)  # 7.5 pts over, margin 15


def test_missing_is_nan():
    assert math.isnan(attainment(float("nan"), 0.9, 0.7, "higher"))


@pytest.mark.parametrize("value, target, direction, want", [
    (0.90, 0.90, "higher", "green"),
    (0.86, 0.90, "higher", "amber"),   # 0.86 >= 0.90 * (1 - 0.05) = 0.855
    (0.85, 0.90, "higher", "red"),
    (205, 200, "lower", "amber"),      # within 5 % of 200 s
    (211, 200, "lower", "red"),
    (float("nan"), 0.9, "higher", "grey"),
])
def test_light(value, target, direction, want):
    assert light(value, target, direction, 0.05) == want


def test_light_grey_when_too_little_data():
    assert light(0.95, 0.90, "higher", enough=False) == "grey"


def test_band_light():
    assert light(0.80, None, "band", band=(0.70, 0.85)) == "green"
    assert light(0.88, None, "band", band=(0.70, 0.85)) == "amber"   # 3 pts over, within 15/3
    assert light(0.95, None, "band", band=(0.70, 0.85)) == "red"
