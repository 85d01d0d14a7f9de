// The only header that includes pybind11: numpy arrays in, algorithm views out.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "f1tune/common.hpp"
#include "f1tune/exact_sign.hpp"

namespace f1tune::bindings {

namespace py = pybind11;

// The core trusts no caller: every binding checks the shapes, alignment and values its kernel
// relies on here and raises a ValueError naming the argument (python/f1tune/_validation.py gives
// users the friendlier messages first).

inline std::string shape_of(const py::array& a) {
    std::string s = "(";
    for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
    return s + (a.ndim() == 1 ? ",)" : ")");
}

// Kernels load T directly: data and strides must be multiples of alignof(T), or loads are
// undefined behaviour (a byte-offset view, e.g. np.frombuffer(buf, offset=1)).
template <class T>
void check_aligned(const py::array& a, const char* name) {
    const auto align = static_cast<py::ssize_t>(alignof(T));
    bool ok = reinterpret_cast<std::uintptr_t>(a.data()) % alignof(T) == 0;
    for (py::ssize_t i = 0; i < a.ndim(); ++i) ok = ok && a.strides(i) % align == 0;
    if (!ok)
        throw py::value_error(std::string(name) + ": expected an aligned array (data address and strides multiples of " +
                              std::to_string(align) + " bytes), got an unaligned view; pass a copy, e.g. "
                              "numpy.require(a, requirements='A')");
}

// A 2-D numpy array described as a strided view (no copy). The array must outlive the view.
template <class T>
StridedMatrix<T> as_matrix(const py::array& a, const char* name) {
    if (a.ndim() != 2) throw py::value_error(std::string(name) + ": expected a 2-D array, got shape " + shape_of(a));
    const auto item = static_cast<py::ssize_t>(sizeof(T));
    if (a.itemsize() != item) throw py::type_error(std::string(name) + ": unexpected item size");
    if (a.strides(0) % item != 0 || a.strides(1) % item != 0)
        throw py::value_error(std::string(name) + ": strides must be multiples of the item size");
    check_aligned<T>(a, name);
    StridedMatrix<T> m;
    m.data = static_cast<const T*>(a.data());
    m.rows = static_cast<index_t>(a.shape(0));
    m.cols = static_cast<index_t>(a.shape(1));
    m.row_stride = static_cast<index_t>(a.strides(0) / item);
    m.col_stride = static_cast<index_t>(a.strides(1) / item);
    return m;
}

// Calls fn(y_view, s_view) with the C++ types matching the arrays' dtypes.
template <class Fn>
decltype(auto) dispatch_scores(const py::array& s, Fn&& fn) {
    const char kind = s.dtype().kind();
    if (kind == 'f' && s.itemsize() == 4) return fn(as_matrix<float>(s, "y_score"));
    if (kind == 'f' && s.itemsize() == 8) return fn(as_matrix<double>(s, "y_score"));
    throw py::type_error("y_score: expected float32 or float64, got " + std::string(py::str(s.dtype())));
}

template <class Fn>
decltype(auto) dispatch_labels(const py::array& y, Fn&& fn) {
    const char kind = y.dtype().kind();
    const auto size = y.itemsize();
    if ((kind == 'b' || kind == 'u') && size == 1) return fn(as_matrix<std::uint8_t>(y, "y_true"));
    if (kind == 'i' && size == 1) return fn(as_matrix<std::int8_t>(y, "y_true"));
    if (kind == 'i' && size == 4) return fn(as_matrix<std::int32_t>(y, "y_true"));
    if (kind == 'i' && size == 8) return fn(as_matrix<std::int64_t>(y, "y_true"));
    throw py::type_error("y_true: expected bool, uint8, int8, int32 or int64, got " +
                         std::string(py::str(y.dtype())));
}

// y_true and y_score: 2-D, the same shape, at least one row and one label column.
inline void check_pair(const py::array& y, const py::array& s) {
    if (y.ndim() != 2 || s.ndim() != 2 || y.shape(0) != s.shape(0) || y.shape(1) != s.shape(1))
        throw py::value_error("y_true and y_score: expected 2-D arrays of the same shape, got " + shape_of(y) +
                              " and " + shape_of(s));
    if (s.shape(0) < 1 || s.shape(1) < 1)
        throw py::value_error("y_true and y_score: expected at least one row and one label column, got shape " +
                              shape_of(s));
}

template <class Fn>
decltype(auto) dispatch(const py::array& y, const py::array& s, Fn&& fn) {
    check_pair(y, s);
    return dispatch_labels(y, [&](auto yv) { return dispatch_scores(s, [&](auto sv) { return fn(yv, sv); }); });
}

// A C-contiguous float64 array's data, checked against the expected shape.
inline const double* float64_data(const py::array& a, const std::vector<py::ssize_t>& shape, const char* name) {
    if (a.dtype().kind() != 'f' || a.itemsize() != 8 || !(a.flags() & py::array::c_style))
        throw py::type_error(std::string(name) + ": expected a C-contiguous float64 array, got dtype " +
                             std::string(py::str(a.dtype())));
    bool same = a.ndim() == static_cast<py::ssize_t>(shape.size());
    for (std::size_t i = 0; same && i < shape.size(); ++i) same = a.shape(static_cast<py::ssize_t>(i)) == shape[i];
    if (!same) {
        std::string want = "(";
        for (std::size_t i = 0; i < shape.size(); ++i) want += (i ? ", " : "") + std::to_string(shape[i]);
        throw py::value_error(std::string(name) + ": expected shape " + want + (shape.size() == 1 ? ",)" : ")") +
                              ", got " + shape_of(a));
    }
    check_aligned<double>(a, name);
    return static_cast<const double*>(a.data());
}

// beta as the kernels need it: finite, > 0, and small enough that estimates of (1+b²)·tp stay finite.
inline double checked_beta(double beta) {
    if (!(beta > 0.0 && beta <= 1e100))
        throw py::value_error("beta: expected a finite number in (0, 1e100], got " + std::to_string(beta));
    return beta;
}

inline int checked_threads(int n_threads) {
    if (n_threads < 0) throw py::value_error("n_threads: expected 0 (all cores) or more, got " + std::to_string(n_threads));
    return n_threads;
}

// A vector moved into a numpy array of the given shape, without a copy: the array owns it.
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& v, std::vector<py::ssize_t> shape) {
    if (v.empty()) return py::array_t<T>(shape);
    auto* owner = new std::vector<T>(std::move(v));
    py::capsule base(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return py::array_t<T>(shape, owner->data(), base);
}

// A vector as a 1-D numpy array of its own length.
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& v) {
    const auto n = static_cast<py::ssize_t>(v.size());
    return to_numpy(std::move(v), {n});
}

// Named results as Python sees them (_core.LabelCounts, ...): each C++ result's vectors moved into
// numpy arrays once, when the result crosses the binding. Bound in register_results.cpp.
struct NumpyLabelCounts {
    py::array_t<count_t> tp, pp, pos;
    InputFlags flags;
};

struct NumpySampleSums {
    py::array_t<double> fbeta_sum;
    py::array_t<count_t> n_undefined;
    InputFlags flags;
};

struct NumpyTuneResult {
    py::array_t<double> thresholds;
    py::array_t<count_t> tp, pp, pos;
    InputFlags flags;
    int refine_passes = 0;
};

struct NumpyCurve {
    py::array_t<double> thresholds;
    py::array_t<count_t> tp, pp;
    count_t pos = 0;
    InputFlags flags;
};

void register_results(py::module_& m);
void register_counting(py::module_& m);
void register_tune(py::module_& m);
void register_curve(py::module_& m);

}  // namespace f1tune::bindings
