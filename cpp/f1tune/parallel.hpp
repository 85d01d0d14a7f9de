// Threading: how many workers a job gets, how they split rows, and how their partial results
// come back together (each worker accumulates into its own part; parts are merged in order).
#pragma once

#include <algorithm>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "f1tune/common.hpp"

namespace f1tune {

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

// The per-worker accumulate-then-merge pattern: each of `workers` threads gets its own part from
// make() and accumulates rows [begin, end) into it with fn(part, begin, end); the parts are then
// folded in worker order with merge(total, part). No locks, and a deterministic result.
template <class Make, class Fn, class Merge>
auto accumulate_then_merge(index_t items, int workers, Make&& make, Fn&& fn, Merge&& merge) {
    using Part = std::decay_t<decltype(make())>;
    std::vector<Part> parts;
    parts.reserve(static_cast<std::size_t>(workers));
    for (int w = 0; w < workers; ++w) parts.push_back(make());
    parallel_for(items, workers, [&](int w, index_t b, index_t e) { fn(parts[static_cast<std::size_t>(w)], b, e); });
    Part total = std::move(parts[0]);
    for (std::size_t w = 1; w < parts.size(); ++w) merge(total, parts[w]);
    return total;
}

// Element-wise a += b (the merge of most parts).
template <class T>
void add_into(std::vector<T>& a, const std::vector<T>& b) {
    for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
}

}  // namespace f1tune
