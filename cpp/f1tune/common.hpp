// Shared building blocks of the f1tune core: strided views, the layout decision, value checks.
// Free of Python: the bindings describe numpy arrays as StridedMatrix views.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

// For the few small kernels whose callers' vectorized loops must see them inlined (GCC stops
// inlining them once the callers are wrapped in the threading lambdas, costing ~1% in callgrind).
#if defined(__GNUC__)
#define F1TUNE_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define F1TUNE_ALWAYS_INLINE inline
#endif

namespace f1tune {

using index_t = std::int64_t;
using count_t = std::int64_t;

// A read-only 2-D view of shape (rows, cols) with strides counted in elements.
template <class T>
struct StridedMatrix {
    const T* data = nullptr;
    index_t rows = 0;
    index_t cols = 0;
    index_t row_stride = 0;
    index_t col_stride = 0;

    const T& operator()(index_t r, index_t c) const { return data[r * row_stride + c * col_stride]; }
    bool labels_contiguous() const { return col_stride == 1 || cols == 1; }
    bool rows_contiguous() const { return row_stride == 1 || rows == 1; }
};

// The one layout decision of every pass over (y, s): row-major input (labels contiguous in both,
// rows not) is read row by row, with per-label state indexed along the row; everything else
// (Fortran order, one label, one row, any strides) label by label down the rows.
template <class S, class Y>
bool read_by_row(const StridedMatrix<Y>& y, const StridedMatrix<S>& s) {
    return s.labels_contiguous() && y.labels_contiguous() && !s.rows_contiguous();
}

// Labels must be 0 or 1: any other value (negative included) maps above 1 as unsigned.
template <class Y>
inline bool is_bad_label(Y y) {
    using U = std::make_unsigned_t<Y>;
    return static_cast<U>(y) > U{1};
}

// Scores must be finite: NaN fails every comparison, so !(|s| <= max) catches NaN and inf.
template <class S>
inline bool is_bad_score(S s) {
    return !(std::fabs(s) <= std::numeric_limits<S>::max());
}

// The smallest S that is >= t, so that `s >= t` (exact, in double) equals `s >= converted`
// for every S-valued s. Lets float kernels compare in float without changing any decision.
template <class S>
inline S threshold_as(double t) {
    if constexpr (std::is_same_v<S, double>) {
        return t;
    } else {
        if (std::isinf(t)) return static_cast<S>(t);
        if (t > static_cast<double>(std::numeric_limits<S>::max())) return std::numeric_limits<S>::infinity();
        if (t < -static_cast<double>(std::numeric_limits<S>::max())) return std::numeric_limits<S>::lowest();
        S f = static_cast<S>(t);
        if (static_cast<double>(f) < t) f = std::nextafter(f, std::numeric_limits<S>::infinity());
        return f;
    }
}

// Flags raised by a kernel's single pass over the data; Python turns them into errors.
struct InputFlags {
    bool bad_label = false;
    bool bad_score = false;
    void merge(const InputFlags& o) {
        bad_label |= o.bad_label;
        bad_score |= o.bad_score;
    }
    // Kernels OR per-element checks into unsigned bits (that vectorizes); this records them.
    void add(unsigned bad_label_bits, unsigned bad_score_bits) {
        bad_label |= bad_label_bits != 0;
        bad_score |= bad_score_bits != 0;
    }
};

}  // namespace f1tune
