// Bindings of the exact threshold searches (cpp/f1tune/sweep.hpp, micro.hpp, curve.hpp).
// Inputs are validated in python/f1tune/_validation.py.
#include "bindings.hpp"
#include "f1tune/curve.hpp"
#include "f1tune/micro.hpp"
#include "f1tune/sweep.hpp"

namespace f1tune::bindings {

namespace {

py::tuple result_tuple(const TuneResult& r, py::ssize_t L) {
    return py::make_tuple(to_numpy(r.thresholds, {L}), to_numpy(r.tp, {L}), to_numpy(r.pp, {L}),
                          to_numpy(r.pos, {L}), flags_dict(r.flags), r.refine_passes);
}

// mode: "label" (each label its own optimum), "micro", "global".
TuneResult run_tune(const py::array& y_true, const py::array& y_score, const std::string& mode, double beta,
                    double zero_division, int n_threads) {
    if (mode != "label" && mode != "micro" && mode != "global")
        throw py::value_error("mode: expected 'label', 'micro' or 'global', got '" + mode + "'");
    return dispatch(y_true, y_score, [&](auto yv, auto sv) {
        py::gil_scoped_release release;
        const double b2 = beta * beta;
        if (mode == "micro") return tune_micro(yv, sv, b2, zero_division, n_threads);
        if (mode == "global") return tune_global(yv, sv, b2, zero_division, n_threads);
        return tune_per_label(yv, sv, b2, zero_division, n_threads);
    });
}

}  // namespace

void register_sweep(py::module_& m) {
    m.def(
        "tune",
        [](const py::array& y_true, const py::array& y_score, const std::string& mode, double beta,
           double zero_division, int n_threads) -> py::tuple {
            const auto L = y_score.ndim() == 2 ? y_score.shape(1) : 0;
            const TuneResult r = run_tune(y_true, y_score, mode, beta, zero_division, n_threads);
            if (r.flags.bad_label || r.flags.bad_score)
                return py::make_tuple(py::none(), py::none(), py::none(), py::none(), flags_dict(r.flags), 0);
            return result_tuple(r, L);
        },
        py::arg("y_true"), py::arg("y_score"), py::arg("mode"), py::arg("beta"), py::arg("zero_division"),
        py::arg("n_threads") = 0,
        "Exact F-beta thresholds: (thresholds (L,), tp (L,), pp (L,), pos (L,), flags, refine passes).");

    m.def(
        "fbeta_curve",
        [](const py::array& y_true, const py::array& y_score) {
            Curve c = dispatch(y_true, y_score, [&](auto yv, auto sv) {
                py::gil_scoped_release release;
                return label_curve(yv, sv);
            });
            const auto C = static_cast<py::ssize_t>(c.thresholds.size());
            return py::make_tuple(to_numpy(c.thresholds, {C}), to_numpy(c.tp, {C}), to_numpy(c.pp, {C}), c.pos,
                                  flags_dict(c.flags));
        },
        py::arg("y_true"), py::arg("y_score"),
        "Column 0's exact curve: (thresholds (C,) decreasing, tp (C,), pp (C,), positives, flags).");
}

}  // namespace f1tune::bindings
