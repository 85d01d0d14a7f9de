// The increments of a row tile of histogram slots into 16-bit per-label histograms.
//
// Labels two at a time: each row gives two independent increments (two histograms, adjacent
// slots of the tile), which keeps more loads and stores in flight than one label's chain of
// increments (measured: the scatter ~25% faster at 1M x 100 float32, one thread).
#pragma once

#include <cstdint>

#include "f1tune/common.hpp"

namespace f1tune::detail {

// slot[j * n_labels + l] (rows j < rows) into hist + l * stride, for labels l < n_labels.
inline void scatter_tile(std::uint16_t* __restrict hist, index_t stride, const std::uint16_t* __restrict slot,
                         index_t n_labels, index_t rows) {
    index_t l = 0;
    for (; l + 2 <= n_labels; l += 2) {
        std::uint16_t* __restrict ha = hist + l * stride;
        std::uint16_t* __restrict hb = ha + stride;
        const std::uint16_t* __restrict sl = slot + l;
        for (index_t j = 0; j < rows; ++j) {
            const std::uint16_t a = sl[j * n_labels], b = sl[j * n_labels + 1];
            ha[a] = static_cast<std::uint16_t>(ha[a] + 1);
            hb[b] = static_cast<std::uint16_t>(hb[b] + 1);
        }
    }
    if (l < n_labels) {
        std::uint16_t* __restrict hl = hist + l * stride;
        const std::uint16_t* __restrict sl = slot + l;
        for (index_t j = 0; j < rows; ++j) hl[sl[j * n_labels]] = static_cast<std::uint16_t>(hl[sl[j * n_labels]] + 1);
    }
}

}  // namespace f1tune::detail
