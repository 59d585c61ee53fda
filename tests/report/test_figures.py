import numpy as np
import pytest

from bayeslaw.draws import Draws
from bayeslaw.laws import get
from bayeslaw.report import figures_fit as ff
from bayeslaw.report import figures_plan as fpl
from bayeslaw.report import figures_posterior as fp
from bayeslaw.report.isoflop import isoflop
from bayeslaw.report.style import to_png
from tests.report.conftest import TRUTH


def _labelled_log(ax, x=True, y=True):
    assert ax.get_xlabel() and ax.get_ylabel()
    if x:
        assert ax.get_xscale() in ("log", "symlog")
    if y:
        assert ax.get_yscale() == "log"


def _q(a):
    return {"q05": a * 0.9, "q25": a * 0.95, "q50": a, "q75": a * 1.05, "q95": a * 1.1}


def test_curves_vs_specialization_panels_points_and_point_mass_curve(runs):
    d = Draws.point("domain_gap", TRUTH, domains=("foldoc", "code"))
    fig = ff.curves_vs_specialization(d, runs, "foldoc")
    axes = fig.axes
    assert len(axes) == 3  # one panel per distinct N
    ax = axes[0]
    assert ax.get_xscale() == "symlog" and ax.get_yscale() == "log"
    assert ax.get_ylabel() and ax.get_xlabel()
    n_points = sum(len(c.get_offsets()) for a in axes for c in a.collections
                   if c.get_offsets().shape[0] and c.__class__.__name__ == "PathCollection")
    assert n_points == sum(r.domain == "foldoc" for r in runs)
    # a point mass: the median line is the law itself
    line = next(ln for ln in ax.get_lines() if ln.get_label() == "D = 5.0e+05")
    x, y = line.get_data()
    want = np.asarray(get("domain_gap").loss(TRUTH, 56_640, 500_000, x))
    np.testing.assert_allclose(y, want, rtol=1e-10)


def test_curves_vs_pretraining_shows_only_general_runs(runs, draws):
    fig = ff.curves_vs_pretraining(draws, runs, "code")
    ax = fig.axes[0]
    _labelled_log(ax)
    shown = sum(len(c.get_offsets()) for c in ax.collections
                if c.__class__.__name__ == "PathCollection")
    assert shown == sum(r.domain == "code" and r.specialize_tokens == 0 and
                        r.pretrain_tokens > 0 for r in runs)


def test_posterior_figures(draws):
    fig = fp.marginals(draws)
    visible = [a for a in fig.axes if a.get_visible()]
    assert [a.get_xlabel() for a in visible] == list(draws.law.params)
    wide = Draws(draws.law, draws.domains, {**draws.params,
                                            "A": np.geomspace(1, 1e3, draws.n_draws)})
    labels = [a.get_xlabel() for a in fp.marginals(wide).axes if a.get_visible()]
    assert labels[:2] == ["E", "log10 A"]  # a coefficient spanning decades
    assert fp.exponents(draws) == ["alpha", "beta", "gamma"]
    pair = fp.pair_plot(draws)
    assert len([a for a in pair.axes if a.get_visible()]) == 6  # 3 diagonal + 3 below


def test_pair_plot_of_a_point_mass_does_not_warn():
    fig = fp.pair_plot(Draws.point("chinchilla", dict(E=1.8, A=400, alpha=0.3, B=400,
                                                      beta=0.3)))
    assert to_png(fig)[:8] == b"\x89PNG\r\n\x1a\n"


def test_predictive_check_counts_runs_outside(runs, draws):
    obs = np.array([r.loss for r in runs])
    samples = ff.predictive_samples(draws.with_noise({"sigma": 0.01, "nu": 8.0}), runs)
    assert samples.shape == (draws.n_draws, len(runs))
    obs_bad = obs.copy()
    obs_bad[:5] *= 3  # five runs far above any prediction
    fig = ff.predictive_check(samples, obs_bad)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert "outside (5)" in labels
    _labelled_log(fig.axes[0])


def test_isoflop_frontier_and_plan_figures(draws):
    curves = [isoflop(draws, c, 2) for c in (1e13, 1e14)]
    fig = fpl.isoflop_curves(curves, k=2)
    _labelled_log(fig.axes[0])
    budgets = np.geomspace(1e13, 1e16, 6)
    q = {"params": _q(np.sqrt(budgets / 120)), "pretrain_tokens": _q(np.sqrt(budgets * 3)),
         "specialize_tokens": _q(np.zeros(6)), "loss": _q(3 * budgets ** -0.02)}
    fig = fpl.frontier(budgets, q, k=2, marks=[("largest run", 1e13)])
    assert len(fig.axes) == 4
    for ax in fig.axes:
        _labelled_log(ax)
    assert "D' = 0 at every budget" in [t.get_text() for t in fig.axes[2].texts]
    rows = [{"label": "recommended", "loss": _q(2.0)}, {"label": "no specialization",
                                                         "loss": _q(2.2)}]
    fig = fpl.plan_vs_baselines(rows, budget=1e15, k=2)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["no specialization",
                                                            "recommended"]
    assert ax.get_xscale() == "log"


@pytest.mark.parametrize("value,text", [(1_237_440, "1,237,440"), (3.1e9, "3.10e+09"),
                                        (0.3481, "0.348"), (None, "-"), (float("nan"), "-")])
def test_number_format(value, text):
    from bayeslaw.report.style import fmt_num

    assert fmt_num(value) == text


def test_groups_keep_specialists_from_scratch_apart():
    """D = 0 runs get their own group (a log-spaced binning cannot include zero)."""
    import numpy as np

    from bayeslaw.report.figures_fit import _groups

    D = np.array([0, 5e5, 5.5e5, 1e6, 1.1e6, 2e6, 2.2e6, 0])
    g, reps = _groups(D, 4)
    assert reps[0] == 0 and list(g[D == 0]) == [0, 0]
    assert len(reps) == 4 and (g[D > 0] > 0).all()
