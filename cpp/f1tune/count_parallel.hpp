// Dynamic row chunks for the counting passes: workers take chunks of rows from a shared counter
// until none is left, each accumulating into its own part. On a shared machine a worker that
// loses its core for a while no longer holds the whole pass back (a static split waits for the
// slowest half). The parts hold integer counts, so the merged result does not depend on which
// worker counted which chunk.
#pragma once

#include <atomic>
#include <type_traits>
#include <utility>
#include <vector>

#include "f1tune/common.hpp"
#include "f1tune/parallel.hpp"

namespace f1tune {

// Rows per chunk: about 8 chunks per worker, a multiple of `align` rows, at most max_rows.
inline index_t chunk_rows(index_t rows, int workers, index_t align, index_t max_rows) {
    const index_t target = (rows + 8 * workers - 1) / (8 * static_cast<index_t>(workers));
    index_t c = (std::max<index_t>(target, 1) + align - 1) / align * align;
    if (c > max_rows) c = std::max<index_t>(align, max_rows / align * align);
    return c;
}

// accumulate_then_merge with dynamic chunks: fn(part, begin, end) is called for chunks of
// `chunk` rows (the last one shorter) in any order; parts are merged in worker order.
template <class Make, class Fn, class Merge>
auto accumulate_chunks_then_merge(index_t items, int workers, index_t chunk, Make&& make, Fn&& fn, Merge&& merge) {
    using Part = std::decay_t<decltype(make())>;
    std::vector<Part> parts;
    parts.reserve(static_cast<std::size_t>(workers));
    for (int w = 0; w < workers; ++w) parts.push_back(make());
    std::atomic<index_t> next{0};
    parallel_for(workers, workers, [&](int w, index_t, index_t) {
        for (;;) {
            const index_t b = next.fetch_add(chunk, std::memory_order_relaxed);
            if (b >= items) break;
            fn(parts[static_cast<std::size_t>(w)], b, std::min(items, b + chunk));
        }
    });
    Part total = std::move(parts[0]);
    for (std::size_t w = 1; w < parts.size(); ++w) merge(total, parts[w]);
    return total;
}

}  // namespace f1tune
