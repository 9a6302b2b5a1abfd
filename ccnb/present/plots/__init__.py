"""Chart style, set once, and the generic chart helpers every analysis reuses.

Call :func:`set_style` once per notebook (``ccnb.present.display.setup`` does it). Analysis
modules (``ccnb/plots/forecast.py`` ...) then draw on axes from :func:`new_figure`
and end with :func:`finish`, which lays the figure out and shows it exactly once.

Choices, and why
----------------
* **PNG at 150 dpi**, figures 7 in wide. The A4 text column of the PDF is 174 mm
  (6.85 in), so a 7 in figure prints at almost 1:1: a 9 pt axis label stays 9 pt on
  paper, and 150 dpi is print quality for charts. PNG (rather than SVG) keeps every
  chart's size predictable (heatmaps as SVG grow to megabytes), renders identically
  in the browser, in WeasyPrint and in Jupyter, and carries its glyphs rasterised, so
  Chinese labels show even where the reader's machine lacks a CJK font.
* **Fonts**: a *list* of families, so matplotlib falls back glyph by glyph:
  ``DejaVu Sans`` then ``Noto Sans CJK SC`` in English (Chinese queue or agent names
  in English reports still render), ``Noto Sans CJK SC`` first in Chinese.
  ``axes.unicode_minus`` is off: the CJK font lacks U+2212.
* **Units on every axis**: :func:`unit_axis`, :func:`percent_axis` and
  :func:`label_axes` take the unit; labels read ``Waiting time (s)`` / ``等待时间（秒）``.
* **Layout**: :func:`finish` applies matplotlib's constrained layout (titles, outside
  legends and twin axes get room) unless the chart chose its own; the rc default stays
  off so that a chart calling ``fig.tight_layout()`` gets no layout-change warning.
* **Traffic-light colours** (:data:`LIGHT_COLORS`) match the HTML tables and cards.
* **No mathtext, no TeX** (``text.parse_math``/``text.usetex`` off): queue, team and agent names
  come from the center's data, and a ``$...$`` or LaTeX payload in them must show literally
  instead of being parsed (or crashing the chart).
"""
from __future__ import annotations

import io
from typing import Iterable

import seaborn as sns

from ccnb.i18n.labels import catalog, t

#: Colours shared with the HTML (ccnb/render/templates/ccnb_report/static/report.css).
LIGHT_COLORS = {"green": "#1a7f37", "amber": "#b7791f", "red": "#c53030", "grey": "#8a8f98"}
#: Series palette: colour-blind safe (Okabe-Ito), dark enough for print.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
TARGET_COLOR = "#444444"
DPI = 150
#: (width, height) in inches: "wide" spans the A4 text column, "tall" for rankings,
#: "half" pairs two small charts via ``ncols=2``.
SIZES = {"wide": (7.0, 3.4), "tall": (7.0, 5.2), "square": (5.0, 4.2), "small": (7.0, 2.6)}

#: Only fonts every setup has: DejaVu Sans ships with matplotlib, Noto Sans CJK SC is installed by
#: scripts/setup.sh (fonts-noto-cjk). A family that is missing makes matplotlib print a
#: "findfont" warning for every text it draws (Liberation Sans was listed and is not installed).
FONTS = {
    "en": ["DejaVu Sans", "Noto Sans CJK SC"],
    "zh": ["Noto Sans CJK SC", "DejaVu Sans"],
}

_state = {"lang": "en"}


def current_lang() -> str:
    """Language chosen by the last :func:`set_style` call (``en`` before any)."""
    return _state["lang"]


def style_rc(lang: str = "en") -> dict:
    """The matplotlib rcParams ccnb charts use (pure; :func:`set_style` applies them)."""
    from cycler import cycler

    return {
        "font.family": FONTS.get(lang, FONTS["en"]),
        "font.size": 9,
        "axes.titlesize": 10.5,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": 9,
        "axes.labelcolor": "#333333",
        "axes.edgecolor": "#999999",
        "axes.linewidth": 0.8,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.unicode_minus": False,
        "axes.prop_cycle": cycler(color=PALETTE),
        "grid.color": "#e3e3e3",
        "grid.linewidth": 0.7,
        "xtick.labelsize": 8.5,
        "ytick.labelsize": 8.5,
        "xtick.color": "#333333",
        "ytick.color": "#333333",
        "legend.fontsize": 8.5,
        "legend.frameon": False,
        "lines.linewidth": 1.8,
        "figure.figsize": SIZES["wide"],
        "figure.dpi": DPI,
        "figure.facecolor": "white",
        "savefig.dpi": DPI,
        "savefig.facecolor": "white",
        "savefig.bbox": "tight",
        "svg.fonttype": "path",
        "pdf.fonttype": 42,
        # text from the data is data: a team called "$x^2$" or "\\LaTeX" is drawn as written
        "text.parse_math": False,
        "text.usetex": False,
    }


def set_style(lang: str = "en") -> None:
    """Apply ccnb's chart style (fonts for ``lang``, sizes, colours) to matplotlib and seaborn.

    Safe to call again (e.g. to switch language). Inside a Jupyter kernel it also makes
    the inline backend emit plain PNG at :data:`DPI` (no 'retina' halving).
    """
    import matplotlib
    import matplotlib.pyplot as plt  # activates the inline backend first, so our rc wins

    try:
        sns.set_theme(style="whitegrid", palette=PALETTE)
    except ImportError:  # pragma: no cover - seaborn is a dependency
        pass
    matplotlib.rcParams.update(style_rc(lang))
    _state["lang"] = lang if lang in FONTS else "en"
    _configure_inline()
    plt.close("all")


def _configure_inline() -> None:
    try:
        from IPython import get_ipython

        ip = get_ipython()
        if ip is None or not hasattr(ip, "kernel"):
            return
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png", facecolor="white", bbox_inches="tight", dpi=DPI)
    except Exception:  # noqa: BLE001 - a missing inline backend only affects screen rendering
        pass


# --------------------------------------------------------------------------- units and labels
def unit_text(unit: str | None, lang: str | None = None) -> str:
    """A unit as shown to the reader: ``"s"`` -> ``"s"`` / ``"秒"``.

    ``unit`` is a key of ``report.units.*`` in ``ccnb/i18n/locale/report.yaml`` (``s``, ``min``,
    ``h``, ``pct``, ``contacts``, ``agents``, ``customers``, ``points``, ``cny``,
    ``days``, ``months``) or any literal text (shown as given).
    """
    if not unit:
        return ""
    lang = lang or current_lang()
    key = f"report.units.{unit}"
    return t(key, lang) if key in catalog() else unit


def axis_title(label: str, unit: str | None, lang: str | None = None) -> str:
    """``"Waiting time (s)"`` / ``"等待时间（秒）"``."""
    lang = lang or current_lang()
    u = unit_text(unit, lang)
    if not u:
        return label
    return f"{label}（{u}）" if lang == "zh" else f"{label} ({u})"


def unit_axis(ax, which: str, label: str, unit: str, *, fmt: str | None = None, lang: str | None = None):
    """Label axis ``which`` (``"x"`` or ``"y"``) with ``label`` and ``unit``.

    ``fmt`` is an optional ``str.format`` pattern for tick labels (``"{x:,.0f}"``).
    ``unit=""`` is allowed only for counts that are self-describing in ``label``; pass
    the unit whenever there is one.
    """
    from matplotlib.ticker import StrMethodFormatter

    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_label_text(axis_title(label, unit, lang))
    if fmt:
        axis.set_major_formatter(StrMethodFormatter(fmt))
    return ax


def percent_axis(ax, which: str = "y", label: str | None = None, *, decimals: int = 0,
                 limits: tuple[float, float] | None = None, lang: str | None = None):
    """Show fractions (0.85) as percentages (85 %) on axis ``which``; label gets ``(%)``."""
    from matplotlib.ticker import PercentFormatter

    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_major_formatter(PercentFormatter(xmax=1, decimals=decimals, symbol=" %"))
    if label is not None:
        axis.set_label_text(axis_title(label, "pct", lang))
    if limits is not None:
        (ax.set_xlim if which == "x" else ax.set_ylim)(*limits)
    return ax


def label_axes(ax, x: tuple[str, str] | str | None = None, y: tuple[str, str] | str | None = None,
               title: str | None = None, lang: str | None = None):
    """Label both axes at once: ``label_axes(ax, x=("Day", ""), y=("Contacts", "contacts"))``.

    A pair is (label, unit); a bare string is a label with no unit (dates, names).
    """
    for which, spec in (("x", x), ("y", y)):
        if spec is None:
            continue
        label, unit = (spec, "") if isinstance(spec, str) else spec
        (ax.set_xlabel if which == "x" else ax.set_ylabel)(axis_title(label, unit, lang))
    if title:
        ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- drawing helpers
def new_figure(size: str | tuple[float, float] = "wide", nrows: int = 1, ncols: int = 1, **kw):
    """``fig, ax = new_figure("wide")``: a figure sized for the A4 text column."""
    import matplotlib.pyplot as plt

    figsize = SIZES[size] if isinstance(size, str) else size
    return plt.subplots(nrows, ncols, figsize=figsize, **kw)


def target_line(ax, value: float, label: str, *, which: str = "y", color: str = TARGET_COLOR,
                fmt: str | None = None):
    """A dashed target line at ``value`` with a text label at the right (or top) end.

    ``label`` is shown as is, e.g. ``"Target 80 %"``; with ``fmt`` (``"{:.0%}"``)
    the formatted value is appended.
    """
    text = f"{label} {fmt.format(value)}" if fmt else label
    style = dict(fontsize=8, color=color, bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
    if which == "y":
        ax.axhline(value, color=color, linestyle=(0, (5, 3)), linewidth=1.1, zorder=3)
        ax.annotate(text, xy=(1, value), xycoords=("axes fraction", "data"), xytext=(-2, 3),
                    textcoords="offset points", ha="right", va="bottom", zorder=4, **style)
    else:  # label above the plot area, where it cannot cover bars
        ax.axvline(value, color=color, linestyle=(0, (5, 3)), linewidth=1.1, zorder=3)
        ax.annotate(text, xy=(value, 1), xycoords=("data", "axes fraction"), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", zorder=4, **style)
    return ax


def band(ax, x, low, high, label: str | None = None, color: str = PALETTE[0], alpha: float = 0.18):
    """A shaded interval (forecast uncertainty, target range)."""
    ax.fill_between(x, low, high, color=color, alpha=alpha, linewidth=0, label=label)
    return ax


def bar_labels(ax, fmt: str = "{:,.0f}", *, container_index: int | None = None):
    """Print each bar's value on it (``fmt`` such as ``"{:.0%}"``)."""
    containers = ax.containers if container_index is None else [ax.containers[container_index]]
    for c in containers:
        ax.bar_label(c, labels=[fmt.format(v) for v in c.datavalues], fontsize=7.5, padding=2)
    return ax


def light_colors(lights: Iterable[str | None]) -> list[str]:
    """Colours for traffic-light values (``green/amber/red/grey``; anything else grey)."""
    return [LIGHT_COLORS.get(str(x), LIGHT_COLORS["grey"]) for x in lights]


def finish(fig, *, title: str | None = None, source: str | None = None, legend: bool | str = "auto",
           show: bool = True):
    """Lay the figure out (constrained layout) and show it once, as PNG at :data:`DPI`.

    ``title`` becomes the figure's title (left aligned), ``source`` a small grey note
    under the chart ("Source: interactions, October 2026"). ``legend="auto"`` adds a
    legend to axes that have labelled artists. In a notebook the figure is displayed
    and closed (so Jupyter does not show it a second time) and ``None`` is returned;
    with ``show=False`` the figure is returned untouched by IPython.
    """
    for ax in fig.get_axes():
        if legend == "auto" or legend is True:
            handles, labels = ax.get_legend_handles_labels()
            if any(lbl and not lbl.startswith("_") for lbl in labels) and ax.get_legend() is None:
                ax.legend(loc="best")
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    if source:
        fig.text(0.01, 0.0, source, fontsize=7.5, color="#666666", ha="left", va="top")
    # Layout: constrained (room for titles, outside legends, twin axes) unless the caller chose
    # one; a title added after the caller's fig.tight_layout() would overlap, so re-lay out then.
    engine = fig.get_layout_engine()
    constrained = engine is not None and type(engine).__name__ == "ConstrainedLayoutEngine"
    if engine is None or ((title or source) and not constrained):
        try:
            fig.set_layout_engine("constrained")
        except RuntimeError:  # an incompatible engine with colorbars: keep the caller's layout
            pass
    if not show:
        return fig
    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    display(Image(data=buf.getvalue(), format="png"))
    return None


__all__ = [
    "DPI", "LIGHT_COLORS", "PALETTE", "SIZES", "axis_title", "band", "bar_labels", "current_lang",
    "finish", "label_axes", "light_colors", "new_figure", "percent_axis", "set_style", "style_rc",
    "target_line", "unit_axis", "unit_text",
]
