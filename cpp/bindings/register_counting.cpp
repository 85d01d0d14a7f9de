// Bindings of cpp/f1tune/counting.hpp. Inputs are validated in python/f1tune/_validation.py.
#include "bindings.hpp"
#include "f1tune/counting.hpp"

namespace f1tune::bindings {

void register_counting(py::module_& m) {
    m.def(
        "count",
        [](const py::array& y_true, const py::array& y_score, const py::array& thresholds, int n_threads) {
            const auto L = y_score.ndim() == 2 ? y_score.shape(1) : 0;
            const double* thr = float64_data(thresholds, L, "thresholds");
            LabelCounts c = dispatch(y_true, y_score, [&](auto yv, auto sv) {
                py::gil_scoped_release release;
                return count_at_thresholds(yv, sv, thr, n_threads);
            });
            return py::make_tuple(to_numpy(c.tp, {L}), to_numpy(c.pp, {L}), to_numpy(c.pos, {L}),
                                  flags_dict(c.flags));
        },
        py::arg("y_true"), py::arg("y_score"), py::arg("thresholds"), py::arg("n_threads") = 0,
        "Per-label (tp, pp, pos, flags) of y_score >= thresholds[l]; thresholds is float64 (L,).");

    m.def(
        "count_batch",
        [](const py::array& y_true, const py::array& y_score, const py::array& thresholds, int n_threads) {
            if (thresholds.ndim() != 2) throw py::value_error("thresholds: expected a 2-D (T, L) array");
            const auto T = thresholds.shape(0);
            const auto L = y_score.ndim() == 2 ? y_score.shape(1) : 0;
            const double* thr = float64_data(thresholds, T * L, "thresholds");
            LabelCounts c = dispatch(y_true, y_score, [&](auto yv, auto sv) {
                py::gil_scoped_release release;
                return count_batch(yv, sv, thr, static_cast<index_t>(T), n_threads);
            });
            return py::make_tuple(to_numpy(c.tp, {T, L}), to_numpy(c.pp, {T, L}), to_numpy(c.pos, {L}),
                                  flags_dict(c.flags));
        },
        py::arg("y_true"), py::arg("y_score"), py::arg("thresholds"), py::arg("n_threads") = 0,
        "(tp (T, L), pp (T, L), pos (L,), flags) for T threshold settings in one pass.");

    m.def(
        "sample_fbeta_sums",
        [](const py::array& y_true, const py::array& y_score, const py::array& thresholds, double beta,
           int n_threads) {
            if (thresholds.ndim() != 2) throw py::value_error("thresholds: expected a 2-D (T, L) array");
            const auto T = thresholds.shape(0);
            const auto L = y_score.ndim() == 2 ? y_score.shape(1) : 0;
            const double* thr = float64_data(thresholds, T * L, "thresholds");
            SampleSums r = dispatch(y_true, y_score, [&](auto yv, auto sv) {
                py::gil_scoped_release release;
                return sample_fbeta_sums(yv, sv, thr, static_cast<index_t>(T), beta * beta, n_threads);
            });
            return py::make_tuple(to_numpy(r.fbeta_sum, {T}), to_numpy(r.n_undefined, {T}),
                                  flags_dict(r.flags));
        },
        py::arg("y_true"), py::arg("y_score"), py::arg("thresholds"), py::arg("beta"), py::arg("n_threads") = 0,
        "(sum of per-row F-beta over defined rows (T,), undefined rows (T,), flags).");
}

}  // namespace f1tune::bindings
