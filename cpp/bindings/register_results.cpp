// The core's results as read-only Python classes with named attributes (numpy arrays built once).
#include "bindings.hpp"

namespace f1tune::bindings {

void register_results(py::module_& m) {
    py::class_<InputFlags>(m, "InputFlags", "Value problems a kernel found during its pass over the data.")
        .def_readonly("bad_label", &InputFlags::bad_label, "y_true holds a value other than 0 or 1.")
        .def_readonly("bad_score", &InputFlags::bad_score, "y_score holds NaN or inf.")
        .def("__repr__", [](const InputFlags& f) {
            return std::string("InputFlags(bad_label=") + (f.bad_label ? "True" : "False") +
                   ", bad_score=" + (f.bad_score ? "True" : "False") + ")";
        });

    py::class_<NumpyLabelCounts>(m, "LabelCounts",
                                 "Per-label counts: tp (true positives) and pp (predicted positives) per "
                                 "setting, pos (actual positives) per label, flags.")
        .def_readonly("tp", &NumpyLabelCounts::tp)
        .def_readonly("pp", &NumpyLabelCounts::pp)
        .def_readonly("pos", &NumpyLabelCounts::pos)
        .def_readonly("flags", &NumpyLabelCounts::flags);

    py::class_<NumpySampleSums>(m, "SampleSums",
                                "Per setting: the sum of per-row F-beta over defined rows, the number of "
                                "undefined rows (no true and no predicted positive), flags.")
        .def_readonly("fbeta_sum", &NumpySampleSums::fbeta_sum)
        .def_readonly("n_undefined", &NumpySampleSums::n_undefined)
        .def_readonly("flags", &NumpySampleSums::flags);

    py::class_<NumpyTuneResult>(m, "TuneResult",
                                "Tuned thresholds (L,) with tp, pp, pos (L,) at them, flags, and the passes "
                                "over the data after the histogram (refine_passes). Arrays are empty when a "
                                "flag is set.")
        .def_readonly("thresholds", &NumpyTuneResult::thresholds)
        .def_readonly("tp", &NumpyTuneResult::tp)
        .def_readonly("pp", &NumpyTuneResult::pp)
        .def_readonly("pos", &NumpyTuneResult::pos)
        .def_readonly("flags", &NumpyTuneResult::flags)
        .def_readonly("refine_passes", &NumpyTuneResult::refine_passes);

    py::class_<NumpyCurve>(m, "Curve",
                           "One label's counts at every distinct cut, highest threshold first: thresholds, "
                           "tp, pp (C,), pos (actual positives), flags.")
        .def_readonly("thresholds", &NumpyCurve::thresholds)
        .def_readonly("tp", &NumpyCurve::tp)
        .def_readonly("pp", &NumpyCurve::pp)
        .def_readonly("pos", &NumpyCurve::pos)
        .def_readonly("flags", &NumpyCurve::flags);
}

}  // namespace f1tune::bindings
