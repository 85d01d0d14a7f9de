// Bindings of the three tuning strategies: tune_per_label.hpp, tune_micro.hpp, tune_global.hpp.
// Inputs are validated in python/f1tune/_validation.py.
#include "bindings.hpp"
#include "f1tune/tune_global.hpp"
#include "f1tune/tune_micro.hpp"
#include "f1tune/tune_per_label.hpp"

namespace f1tune::bindings {

namespace {

// Binds one strategy `tune(y, s, beta2, zero_division, n_threads)` under `name` (beta2: beta² exactly).
template <class Tune>
void def_tune(py::module_& m, const char* name, Tune tune, const char* doc) {
    m.def(
        name,
        [tune](const py::array& y_true, const py::array& y_score, double beta, double zero_division,
               int n_threads) {
            const Beta2 beta2 = Beta2::of(checked_beta(beta));
            const int nt = checked_threads(n_threads);
            TuneResult r = dispatch(y_true, y_score, [&](auto yv, auto sv) {
                py::gil_scoped_release release;
                return tune(yv, sv, beta2, zero_division, nt);
            });
            return NumpyTuneResult{to_numpy(std::move(r.thresholds)), to_numpy(std::move(r.tp)),
                                   to_numpy(std::move(r.pp)), to_numpy(std::move(r.pos)), r.flags,
                                   r.refine_passes};
        },
        py::arg("y_true"), py::arg("y_score"), py::arg("beta"), py::arg("zero_division"), py::arg("n_threads") = 0,
        doc);
}

}  // namespace

void register_tune(py::module_& m) {
    def_tune(
        m, "tune_per_label",
        [](const auto& y, const auto& s, const Beta2& b2, double zd, int nt) { return tune_per_label(y, s, b2, zd, nt); },
        "Each label's exact best F-beta threshold (average 'macro', 'weighted', None).");
    def_tune(
        m, "tune_micro",
        [](const auto& y, const auto& s, const Beta2& b2, double zd, int nt) { return tune_micro(y, s, b2, zd, nt); },
        "Per-label thresholds jointly maximizing micro F-beta, exactly (average 'micro').");
    def_tune(
        m, "tune_global",
        [](const auto& y, const auto& s, const Beta2& b2, double zd, int nt) { return tune_global(y, s, b2, zd, nt); },
        "One threshold shared by all labels maximizing micro F-beta, exactly (average 'global').");
}

}  // namespace f1tune::bindings
