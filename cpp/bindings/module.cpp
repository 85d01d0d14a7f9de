// The f1tune._core module: one register_<area> call per binding file.
#include "bindings.hpp"

PYBIND11_MODULE(_core, m) {
    m.doc() = "f1tune's compiled core: confusion counting, exact threshold tuning, exact curves.";
    m.attr("__version__") = F1TUNE_VERSION;
    f1tune::bindings::register_results(m);  // first: the other bindings' signatures name these classes
    f1tune::bindings::register_counting(m);
    f1tune::bindings::register_tune(m);
    f1tune::bindings::register_curve(m);
    f1tune::bindings::register_tuner(m);
}
