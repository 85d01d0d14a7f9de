// The f1tune._core module: one register_<area> call per binding file.
#include "bindings.hpp"

PYBIND11_MODULE(_core, m) {
    m.doc() = "f1tune's compiled core: confusion counting and exact threshold sweeps.";
    m.attr("__version__") = F1TUNE_VERSION;
    f1tune::bindings::register_counting(m);
    f1tune::bindings::register_sweep(m);
}
