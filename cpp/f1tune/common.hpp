// Shared building blocks of the f1tune core: strided views, value checks, threading.
// Free of Python: the bindings describe numpy arrays as StridedMatrix views.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <thread>
#include <type_traits>
#include <vector>

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
        S f = static_cast<S>(t);
        if (static_cast<double>(f) < t) f = std::nextafter(f, std::numeric_limits<S>::infinity());
        return f;
    }
}

// Worker count for a job touching `work` elements: small jobs stay on one thread.
inline int choose_threads(int requested, index_t work, index_t parallel_items) {
    int hw = static_cast<int>(std::thread::hardware_concurrency());
    if (hw <= 0) hw = 1;
    int n = requested > 0 ? requested : hw;
    constexpr index_t min_work_per_thread = index_t{1} << 18;
    index_t by_work = std::max<index_t>(1, work / min_work_per_thread);
    n = static_cast<int>(std::min<index_t>({static_cast<index_t>(n), by_work, std::max<index_t>(parallel_items, 1)}));
    return std::max(n, 1);
}

// Runs fn(worker, begin, end) over contiguous slices of [0, items) on n_threads threads.
template <class Fn>
void parallel_for(index_t items, int n_threads, Fn&& fn) {
    if (n_threads <= 1 || items <= 1) {
        fn(0, index_t{0}, items);
        return;
    }
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(n_threads - 1));
    const index_t chunk = (items + n_threads - 1) / n_threads;
    for (int w = 1; w < n_threads; ++w) {
        index_t b = std::min(items, chunk * w);
        index_t e = std::min(items, b + chunk);
        pool.emplace_back([&fn, w, b, e] { fn(w, b, e); });
    }
    fn(0, index_t{0}, std::min(items, chunk));
    for (auto& t : pool) t.join();
}

// Flags raised by a kernel's single pass over the data; Python turns them into errors.
struct InputFlags {
    bool bad_label = false;
    bool bad_score = false;
    void merge(const InputFlags& o) {
        bad_label |= o.bad_label;
        bad_score |= o.bad_score;
    }
};

}  // namespace f1tune
