// Bindings of cpp/f1tune/counting.hpp. Inputs are validated in python/f1tune/_validation.py.
#include "bindings.hpp"
#include "f1tune/counting.hpp"

namespace f1tune::bindings {

namespace {

NumpyLabelCounts to_python(LabelCounts&& c, py::ssize_t T, py::ssize_t L) {
    std::vector<py::ssize_t> shape = T < 0 ? std::vector<py::ssize_t>{L} : std::vector<py::ssize_t>{T, L};
    return {to_numpy(std::move(c.tp), shape), to_numpy(std::move(c.pp), shape), to_numpy(std::move(c.pos), {L}),
            c.flags};
}

// Label columns of a checked (y_true, y_score) pair.
py::ssize_t n_labels(const py::array& y_true, const py::array& y_score) {
    check_pair(y_true, y_score);
    return y_score.shape(1);
}

py::ssize_t n_settings(const py::array& thresholds) {
    if (thresholds.ndim() != 2 || thresholds.shape(0) < 1)
        throw py::value_error("thresholds: expected a 2-D (T, L) array with T >= 1, got shape " + shape_of(thresholds));
    return thresholds.shape(0);
}

}  // namespace

void register_counting(py::module_& m) {
    m.def(
        "count_at_thresholds",
        [](const py::array& y_true, const py::array& y_score, const py::array& thresholds, int n_threads) {
            const auto L = n_labels(y_true, y_score);
            const int nt = checked_threads(n_threads);
            const double* thr = float64_data(thresholds, {L}, "thresholds");
            LabelCounts c = dispatch(y_true, y_score, [&](auto yv, auto sv) {
                py::gil_scoped_release release;
                return count_at_thresholds(yv, sv, thr, nt);
            });
            return to_python(std::move(c), -1, L);
        },
        py::arg("y_true"), py::arg("y_score"), py::arg("thresholds"), py::arg("n_threads") = 0,
        "Per-label counts of y_score >= thresholds[l] (thresholds: float64 (L,)): tp, pp, pos of shape (L,).");

    m.def(
        "count_batch",
        [](const py::array& y_true, const py::array& y_score, const py::array& thresholds, int n_threads) {
            const auto L = n_labels(y_true, y_score);
            const auto T = n_settings(thresholds);
            const int nt = checked_threads(n_threads);
            const double* thr = float64_data(thresholds, {T, L}, "thresholds");
            LabelCounts c = dispatch(y_true, y_score, [&](auto yv, auto sv) {
                py::gil_scoped_release release;
                return count_batch(yv, sv, thr, static_cast<index_t>(T), nt);
            });
            return to_python(std::move(c), T, L);
        },
        py::arg("y_true"), py::arg("y_score"), py::arg("thresholds"), py::arg("n_threads") = 0,
        "Counts for T threshold settings (float64 (T, L)) in one pass: tp, pp of shape (T, L), pos (L,).");

    m.def(
        "sample_fbeta_sums",
        [](const py::array& y_true, const py::array& y_score, const py::array& thresholds, double beta,
           int n_threads) {
            const auto L = n_labels(y_true, y_score);
            const auto T = n_settings(thresholds);
            const int nt = checked_threads(n_threads);
            const double b = checked_beta(beta);
            const double* thr = float64_data(thresholds, {T, L}, "thresholds");
            SampleSums r = dispatch(y_true, y_score, [&](auto yv, auto sv) {
                py::gil_scoped_release release;
                return sample_fbeta_sums(yv, sv, thr, static_cast<index_t>(T), b * b, nt);
            });
            return NumpySampleSums{to_numpy(std::move(r.fbeta_sum)), to_numpy(std::move(r.n_undefined)), r.flags};
        },
        py::arg("y_true"), py::arg("y_score"), py::arg("thresholds"), py::arg("beta"), py::arg("n_threads") = 0,
        "Per-row F-beta for T threshold settings (float64 (T, L)), summed over rows: fbeta_sum, n_undefined (T,).");
}

}  // namespace f1tune::bindings
