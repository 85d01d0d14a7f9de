// Binding of cpp/f1tune/label_curve.hpp. Inputs are validated in python/f1tune/_validation.py.
#include "bindings.hpp"
#include "f1tune/label_curve.hpp"

namespace f1tune::bindings {

void register_curve(py::module_& m) {
    m.def(
        "label_curve",
        [](const py::array& y_true, const py::array& y_score) {
            Curve c = dispatch(y_true, y_score, [&](auto yv, auto sv) {
                py::gil_scoped_release release;
                return label_curve(yv, sv);
            });
            return NumpyCurve{to_numpy(std::move(c.thresholds)), to_numpy(std::move(c.tp)), to_numpy(std::move(c.pp)),
                              c.pos, c.flags};
        },
        py::arg("y_true"), py::arg("y_score"),
        "Column 0's counts at every distinct cut: thresholds (C,) decreasing, tp, pp (C,), pos.");
}

}  // namespace f1tune::bindings
