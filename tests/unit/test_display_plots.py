"""ccnb.present.plots: the style set once (CJK fonts, sizes), unit-carrying axis helpers, finish()."""
from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from ccnb.present import plots  # noqa: E402


@pytest.fixture(autouse=True)
def _restore_style():
    saved = matplotlib.rcParams.copy()
    yield
    plt.close("all")
    matplotlib.rcParams.update(saved)
    plots.set_style("en")


def _draw_png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_chinese_text_renders_without_missing_glyphs(lang):
    plots.set_style(lang)
    fig, ax = plots.new_figure("wide")
    ax.bar(["账单", "技术支持", "billing"], [3, -2, 1])
    plots.label_axes(ax, x=("队列 Queue", ""), y=("等待时间", "s"), title="坐席通话时长 −")
    plots.target_line(ax, 2, "目标")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _draw_png(fig)
    glyph = [str(w.message) for w in caught if "missing from font" in str(w.message) or "Glyph" in str(w.message)]
    assert glyph == []


def test_style_values():
    rc = plots.style_rc("zh")
    assert rc["font.family"][0] == "Noto Sans CJK SC" and "DejaVu Sans" in rc["font.family"]
    assert plots.style_rc("en")["font.family"][:2] == ["DejaVu Sans", "Noto Sans CJK SC"]
    assert rc["axes.unicode_minus"] is False
    assert rc["figure.dpi"] == rc["savefig.dpi"] == 150
    w, _ = rc["figure.figsize"]
    assert 6.5 <= w <= 7.5          # prints at about 1:1 on the 174 mm A4 text column


def test_axis_helpers_carry_units():
    plots.set_style("en")
    fig, ax = plots.new_figure()
    plots.unit_axis(ax, "y", "Waiting time", "s", fmt="{x:,.0f}")
    plots.percent_axis(ax, "x", "Answer rate")
    assert ax.get_ylabel() == "Waiting time (s)"
    assert ax.get_xlabel() == "Answer rate (%)"
    assert ax.xaxis.get_major_formatter()(0.85, 0) == "85 %"
    plots.set_style("zh")
    fig, ax = plots.new_figure()
    plots.label_axes(ax, x=("日期", ""), y=("话务量", "contacts"))
    assert ax.get_ylabel() == "话务量（通）" and ax.get_xlabel() == "日期"
    assert plots.axis_title("人力", "agents", "en") == "人力 (agents)"
    assert plots.unit_text("per hour", "en") == "per hour"     # literal units pass through


def test_target_line_and_colours():
    plots.set_style("en")
    fig, ax = plots.new_figure()
    ax.plot([0, 1], [0.7, 0.9])
    plots.target_line(ax, 0.8, "Target", fmt="{:.0%}")
    assert [t.get_text() for t in ax.texts] == ["Target 80%"]
    assert ax.lines[-1].get_ydata()[0] == 0.8
    assert plots.light_colors(["green", "red", None]) == [plots.LIGHT_COLORS["green"], plots.LIGHT_COLORS["red"],
                                                          plots.LIGHT_COLORS["grey"]]


def test_finish_shows_once_and_closes(capsys):
    plots.set_style("en")
    fig, ax = plots.new_figure()
    ax.plot([1, 2], [3, 4], label="volume")
    kept = plots.finish(fig, title="Volume", source="Source: interactions", show=False)
    assert kept is fig and ax.get_legend() is not None and plt.fignum_exists(fig.number)
    assert plots.finish(fig) is None
    assert not plt.fignum_exists(fig.number)        # closed: Jupyter will not show it again
    assert "Image" in capsys.readouterr().out       # displayed (as text outside a kernel)


@pytest.mark.parametrize("caller_layout", [None, "tight"])
def test_finish_title_never_overlaps_the_plot(caller_layout):
    plots.set_style("zh")
    fig, ax = plots.new_figure("wide")
    ax.bar([str(i) for i in range(31)], range(31))
    ax.set_ylim(0, 700)
    ax2 = ax.twinx()
    ax2.plot([0.8] * 31)
    plots.label_axes(ax, y=("来电量", "contacts"))
    if caller_layout == "tight":
        with warnings.catch_warnings():
            warnings.simplefilter("error")           # no "layout has changed" warning either
            fig.tight_layout()
    plots.finish(fig, title="每日来电量与服务水平", show=False)
    _draw_png(fig)
    renderer = fig.canvas.get_renderer()
    title = fig._suptitle.get_window_extent(renderer)
    for a in (ax, ax2):
        assert not title.overlaps(a.get_tightbbox(renderer)), caller_layout


def test_hazard_ratio_chart_survives_an_interval_without_a_finite_end():
    """A flag too rare to estimate (10M-contact month: upper end inf) must not break the axis."""
    import numpy as np
    import pandas as pd

    from ccnb.present.plots import retention

    tb = pd.DataFrame({"covariate": ["open_complaint", "fcr_miss"], "hr": [1.5, 2.0],
                       "hr_lo": [1.1, 0.3], "hr_hi": [2.0, np.inf], "p": [0.01, 0.5]})
    seen = {}
    orig = plt.Axes.set_xlim
    def spy(self, *a, **k):
        out = orig(self, *a, **k)
        seen["lim"] = self.get_xlim()
        return out
    plt.Axes.set_xlim = spy
    try:
        retention.hazard_ratios(tb, "en")
    finally:
        plt.Axes.set_xlim = orig
    lo, hi = seen["lim"]
    assert np.isfinite([lo, hi]).all() and lo < 1 < 2.0 < hi
    plt.close("all")
