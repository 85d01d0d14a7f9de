"""The displays draw what the data say: exact curves, marks at the thresholds, honest histograms."""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.metrics import fbeta_score as sk_fbeta_score  # noqa: E402

from f1tune.metrics import fbeta_score  # noqa: E402
from f1tune.plotting import (  # noqa: E402
    FBetaCurveDisplay,
    ScoreHistogramDisplay,
    StrategySummaryDisplay,
    ThresholdSpreadDisplay,
)
from f1tune.plotting._decimate import decimate_indices  # noqa: E402
from f1tune.thresholds import fbeta_curve, tune_thresholds  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _data(n=400, n_labels=3, seed=0, p_pos=0.3, noise=0.5):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, n_labels)) < p_pos).astype(np.int8)
    s = np.clip(y + rng.normal(0, noise, y.shape), 0, 1).astype(np.float32)
    return y, s


def _sk_f(y, pred, beta=1.0):
    return sk_fbeta_score(y, pred, beta=beta, zero_division=0)


def test_fbeta_curves_are_exact_and_mark_each_labels_best_threshold():
    y, s = _data(n=60, seed=1)
    s = np.round(s, 2)  # ties: each distinct score is one step
    disp = FBetaCurveDisplay.from_predictions(y, s, beta=2.0, label_names=["a", "b", "c"])
    assert len(disp.fbeta_lines_) == len(disp.precision_lines_) == len(disp.recall_lines_) == 3
    assert len(disp.axes_) == 3 and disp.figure_ is disp.axes_[0].figure
    tuned = tune_thresholds(y, s, average=None, beta=2.0).thresholds
    for j, ax in enumerate(disp.axes_):
        assert ax.get_xlabel().startswith("threshold") and "F2" in ax.get_ylabel()
        assert ax.get_title().startswith("abc"[j])
        x, f = disp.fbeta_lines_[j].get_data()
        for t, fv in zip(x, f):  # every drawn point against scikit-learn at that threshold
            assert fv == pytest.approx(_sk_f(y[:, j], s[:, j] >= t, beta=2.0), abs=1e-12)
        _, r = disp.recall_lines_[j].get_data()
        assert r[-1] == 1.0 and r[0] == 0.0  # "predict all" and "predict none" are cuts
        mx, my = disp.optimum_markers_[j].get_data()
        assert mx[0] == tuned[j]
        assert my[0] == pytest.approx(f.max(), abs=1e-12)
        assert disp.threshold_lines_[j].get_xdata()[0] == tuned[j]
    assert [t.get_text() for t in disp.ax_.get_legend().get_texts()] == ["precision", "recall", "F2", "threshold"]


def test_given_thresholds_are_marked_where_they_are_not_the_maximum():
    y, s = _data(n=300, n_labels=4, seed=2)
    res = tune_thresholds(y, s, average="micro", n_bootstrap=10, random_state=0)
    disp = FBetaCurveDisplay.from_predictions(y, s, thresholds=res, labels=[3, 1])
    assert len(disp.axes_) == 2
    below_max = []
    for k, j in enumerate([3, 1]):
        mx, my = disp.optimum_markers_[k].get_data()
        assert mx[0] == res.thresholds[j]
        assert my[0] == pytest.approx(_sk_f(y[:, j], s[:, j] >= res.thresholds[j]), abs=1e-12)
        below_max.append(my[0] < disp.fbeta_lines_[k].get_data()[1].max() - 1e-9)
    assert any(below_max)  # the marks are the given thresholds, not each curve's maximum
    none = FBetaCurveDisplay.from_predictions(y, s, thresholds=None)
    assert none.optimum_markers_ == [] and none.threshold_lines_ == []


def test_a_million_points_are_thinned_for_drawing_but_the_optimum_stays_exact():
    rng = np.random.default_rng(3)
    n = 1_000_000
    y = rng.random(n) < 0.2
    s = (y * 0.8 + rng.normal(0, 0.5, n)).astype(np.float32)
    disp = FBetaCurveDisplay.from_predictions(y, s, max_points=2000)
    exact = fbeta_curve(y, s)
    assert exact.thresholds.shape[0] > 900_000
    x, f = disp.fbeta_lines_[0].get_data()
    assert len(x) <= 4 * 2000  # thinned
    best = tune_thresholds(y, s)
    assert f.max() == exact.fbeta.max() == pytest.approx(float(best.fbeta[0]), abs=1e-15)
    mx, my = disp.optimum_markers_[0].get_data()
    assert mx[0] == best.thresholds[0]
    assert my[0] == pytest.approx(float(fbeta_score(y, s, beta=1.0, thresholds=best.thresholds[0])), abs=1e-15)
    _, p = disp.precision_lines_[0].get_data()
    assert p.min() == exact.precision.min() and p.max() == exact.precision.max()


def test_decimation_keeps_every_columns_extremes():
    rng = np.random.default_rng(4)
    n, n_bins = 50_000, 97
    x = np.sort(rng.random(n))[::-1]  # decreasing, like the curves' thresholds
    ys = [np.cumsum(rng.normal(size=n)), rng.random(n)]
    keep = decimate_indices(x, ys, n_bins)
    assert keep.shape[0] < 10 * n_bins and (np.diff(keep) > 0).all()
    col = np.minimum(((x - x.min()) / (x.max() - x.min()) * n_bins).astype(int), n_bins - 1)
    kept = set(keep.tolist())
    for c in np.unique(col):
        idx = np.flatnonzero(col == c)
        assert idx[0] in kept and idx[-1] in kept
        for yv in ys:
            assert idx[np.argmax(yv[idx])] in kept and idx[np.argmin(yv[idx])] in kept
    np.testing.assert_array_equal(decimate_indices(x[:300], ys, n_bins), np.arange(300))


def test_histograms_split_by_class_with_the_threshold_marked():
    y, s = _data(n=2000, n_labels=2, seed=5, p_pos=0.5, noise=0.3)
    disp = ScoreHistogramDisplay.from_predictions(y, s, bins=20)
    tuned = tune_thresholds(y, s, average=None).thresholds
    assert len(disp.negative_patches_) == len(disp.positive_patches_) == 2
    for j, ax in enumerate(disp.axes_):
        edges = np.histogram_bin_edges(s[:, j].astype(np.float64), bins=20)
        np.testing.assert_array_equal(disp.positive_counts[j], np.histogram(s[y[:, j] == 1, j], bins=edges)[0])
        np.testing.assert_array_equal(disp.negative_counts[j], np.histogram(s[y[:, j] == 0, j], bins=edges)[0])
        np.testing.assert_array_equal(disp.positive_patches_[j].get_data().values, disp.positive_counts[j])
        assert disp.threshold_lines_[j].get_xdata()[0] == tuned[j]
        assert ax.get_xlabel() == "score" and ax.get_yscale() == "linear" and not disp.log_scale_[j]
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend[:2] == [f"true 0 ({int((y[:, j] == 0).sum()):,})", f"true 1 ({int((y[:, j] == 1).sum()):,})"]


def test_histogram_count_axis_goes_log_when_counts_span_decades():
    rng = np.random.default_rng(6)
    n = 20_000
    y = rng.random((n, 1)) < 0.01  # 1% positives: ~200 against ~20,000 negatives
    s = np.where(y, rng.beta(5, 2, (n, 1)), rng.beta(1, 8, (n, 1)))
    disp = ScoreHistogramDisplay.from_predictions(y, s, thresholds=0.5)
    assert disp.log_scale_ == [True] and disp.ax_.get_yscale() == "log"
    assert "log" in disp.ax_.get_ylabel()
    assert disp.threshold_lines_[0].get_xdata()[0] == 0.5
    forced = ScoreHistogramDisplay.from_predictions(y, s, thresholds=None, log_scale=False)
    assert forced.ax_.get_yscale() == "linear" and forced.threshold_lines_ == []


def test_threshold_spread_from_a_bootstrap_result():
    y, s = _data(n=300, n_labels=5, seed=7)
    res = tune_thresholds(y, s, n_bootstrap=15, random_state=0)
    disp = ThresholdSpreadDisplay.from_result(res, label_names=list("vwxyz"))
    np.testing.assert_array_equal(disp.threshold_points_.get_xdata(), res.thresholds)
    segments = disp.errorbar_.lines[2][0].get_segments()
    widths = np.array([seg[1][0] - seg[0][0] for seg in segments])
    np.testing.assert_allclose(widths, 2 * res.threshold_std, atol=1e-12)
    assert [t.get_text() for t in disp.ax_.get_yticklabels()] == list("vwxyz")
    assert disp.fold_points_ is None and disp.ax_.get_xlabel().startswith("threshold")
    with pytest.raises(ValueError, match="bootstrap ThresholdResult"):
        ThresholdSpreadDisplay.from_result(tune_thresholds(y, s))


def test_threshold_spread_from_the_meta_estimator():
    from sklearn.datasets import make_multilabel_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    from f1tune.sklearn import TunedThresholdsClassifierCV

    X, Y = make_multilabel_classification(n_samples=200, n_classes=3, random_state=0)
    clf = TunedThresholdsClassifierCV(
        OneVsRestClassifier(LogisticRegression()), cv=3, random_state=0, store_cv_results=True
    ).fit(X, Y)
    disp = ThresholdSpreadDisplay.from_estimator(clf)
    np.testing.assert_array_equal(disp.threshold_points_.get_xdata(), clf.thresholds_)
    offsets = disp.fold_points_.get_offsets()
    np.testing.assert_array_equal(offsets[:, 0], clf.cv_results_["fold_thresholds"].ravel())
    np.testing.assert_array_equal(offsets[:, 1], np.tile(np.arange(3), 3))
    assert disp.errorbar_ is None
    with pytest.raises(ValueError, match="store_cv_results=True"):
        ThresholdSpreadDisplay.from_estimator(TunedThresholdsClassifierCV(LogisticRegression()))


def test_strategy_summary_bars_are_the_strategies_fbeta():
    y, s = _data(n=500, n_labels=4, seed=8)
    y2, s2 = _data(n=300, n_labels=4, seed=9)
    disp = StrategySummaryDisplay.from_predictions(y, s, y_true_eval=y2, y_score_eval=s2)
    assert list(disp.bars_) == ["0.5", "global", "per label", "micro"]
    averages = {"global": "global", "per label": "macro", "micro": "micro"}
    for name, bars in disp.bars_.items():
        t = np.full(4, 0.5) if name == "0.5" else tune_thresholds(y, s, average=averages[name]).thresholds
        pred = s2 >= t
        heights = [b.get_height() for b in bars]
        assert len(heights) == 2
        assert heights[0] == pytest.approx(sk_fbeta_score(y2, pred, beta=1, average="micro"), abs=1e-12)
        assert heights[1] == pytest.approx(
            sk_fbeta_score(y2, pred, beta=1, average="macro", zero_division=0), abs=1e-12
        )
    assert [t.get_text() for t in disp.ax_.get_xticklabels()] == ["micro F1", "macro F1"]
    assert "held-out" in disp.ax_.get_title()
    assert "optimistic" in StrategySummaryDisplay.from_predictions(y, s).ax_.get_title()


def test_compare_strategies_reuses_only_an_exact_matching_result():
    from f1tune.plotting._strategies import compare_strategies

    y, s = _data(n=500, n_labels=4, seed=8)
    y2, s2 = _data(n=300, n_labels=4, seed=9)
    fresh = compare_strategies(y, s, y_eval=y2, s_eval=s2)
    for average in ("micro", "macro", "global"):
        reused = compare_strategies(y, s, y_eval=y2, s_eval=s2, tuned=tune_thresholds(y, s, average=average))
        for name in fresh.thresholds:
            np.testing.assert_array_equal(reused.thresholds[name], fresh.thresholds[name])
            np.testing.assert_array_equal(reused.per_label[name], fresh.per_label[name])
            assert reused.micro[name] == fresh.micro[name] and reused.macro[name] == fresh.macro[name]
    boot = tune_thresholds(y, s, average="micro", n_bootstrap=5, random_state=0)
    assert not np.array_equal(boot.thresholds, fresh.thresholds["micro"])  # so reusing it would show
    np.testing.assert_array_equal(compare_strategies(y, s, tuned=boot).thresholds["micro"], fresh.thresholds["micro"])
    other_beta = tune_thresholds(y, s, average="micro", beta=2.0)
    assert not np.array_equal(other_beta.thresholds, fresh.thresholds["micro"])
    np.testing.assert_array_equal(
        compare_strategies(y, s, tuned=other_beta).thresholds["micro"], fresh.thresholds["micro"]
    )


def test_given_axes_are_used_and_checked():
    y, s = _data(n=200, n_labels=2, seed=10)
    fig, axes = plt.subplots(1, 2)
    disp = FBetaCurveDisplay.from_predictions(y, s, ax=axes)
    assert disp.axes_ == list(axes) and disp.figure_ is fig
    with pytest.raises(ValueError, match=r"ax: expected one Axes per label drawn \(2\), got 1"):
        ScoreHistogramDisplay.from_predictions(y, s, ax=axes[0])
    with pytest.raises(ValueError, match=r"labels: expected indices in \[0, 2\), got 5"):
        FBetaCurveDisplay.from_predictions(y, s, labels=[5])
    with pytest.raises(ValueError, match=r"thresholds: expected a scalar or shape \(2,\), got shape \(3,\)"):
        ScoreHistogramDisplay.from_predictions(y, s, thresholds=[0.1, 0.2, 0.3])


def test_matplotlib_is_imported_only_when_a_figure_is_drawn():
    code = "import sys, f1tune, f1tune.plotting\nprint('matplotlib' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "name",
    [
        "f1tune.plotting._fbeta_curve",
        "f1tune.plotting._score_histogram",
        "f1tune.plotting._threshold_spread",
        "f1tune.plotting._strategy_summary",
    ],
)
def test_docstring_examples_run(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("thresholds", [None, 0.5])
def test_histogram_checks_values_like_the_library(thresholds):
    # Without tuning, nothing else reads the values: a label 2 must not count as positive.
    s = np.linspace(0, 1, 8).reshape(4, 2)
    with pytest.raises(ValueError, match="y_true"):
        ScoreHistogramDisplay.from_predictions(np.array([[0, 1], [1, 2], [0, 0], [1, 1]]), s, thresholds=thresholds)
    bad = s.copy()
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match="y_score"):
        ScoreHistogramDisplay.from_predictions(np.ones((4, 2), np.int8), bad, thresholds=thresholds)
    with pytest.raises(TypeError, match="y_score"):
        ScoreHistogramDisplay.from_predictions(
            np.ones((4, 2), np.int8), np.arange(8).reshape(4, 2), thresholds=thresholds
        )
    plt.close("all")
