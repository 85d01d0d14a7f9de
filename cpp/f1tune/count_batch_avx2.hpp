// AVX2 kernels of count_batch for float32 scores and one-byte labels, over a BatchIndex.
//
// Two steps per run of elements (a row's labels, or a chunk of one label's column):
//   locate   8 elements at a time: the bucket g(v) (the same float operations as linear_bucket),
//            the bucket's entry in `start`, the histogram slot base of (label, label value), and
//            the value checks (count_avx2.hpp's fma fold and label maximum);
//   scatter  per element: one 8-float compare of v against the bucket's window of distinct
//            thresholds gives the interval, and its (label, interval, label value) bin gets + 1.
// Split in two, the scatter's loads do not wait on the long locate chain of the same element.
#pragma once

#include "f1tune/count_avx2.hpp"
#include "f1tune/count_batch_index.hpp"

#if F1TUNE_HAVE_COUNT_AVX2
#define F1TUNE_AVX2_POPCNT __attribute__((target("avx2,fma,popcnt")))

namespace f1tune::count_avx2 {

namespace detail {

// Bucket entry and slot base of 8 scores v with labels lab (int32 lanes), lane parameters given.
F1TUNE_AVX2 inline void locate8(__m256 v, __m256i lab, __m256 lo, __m256 scale, __m256 top, __m256i bucket_base,
                                __m256i slot_base, std::int32_t* entry, std::int32_t* slot, Lanes& lanes) {
    lanes.score_check = _mm256_fmadd_ps(v, _mm256_setzero_ps(), lanes.score_check);
    lanes.label_max = _mm256_max_epu32(lanes.label_max, lab);
    // linear_bucket: max(x, 0) gives 0 for NaN (the second operand), like `x > 0 ? x : 0`
    __m256 x = _mm256_mul_ps(_mm256_sub_ps(v, lo), scale);
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_setzero_ps()), top);
    const __m256i e = _mm256_add_epi32(_mm256_cvttps_epi32(x), bucket_base);
    const __m256i s = _mm256_add_epi32(_mm256_and_si256(lab, _mm256_set1_epi32(1)), slot_base);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(entry), e);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(slot), s);
}

F1TUNE_AVX2 inline __m256i load8(const std::int32_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

F1TUNE_AVX2 inline __m256i labels8(const std::uint8_t* y) {
    return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(y)));
}

// The scalar locate of one element (tails), identical to locate8's lanes.
inline void locate1(const BatchIndex& ix, index_t l, float v, std::uint8_t lab, std::int32_t& entry,
                    std::int32_t& slot, unsigned& bad_label, unsigned& bad_score) {
    const auto u = static_cast<std::size_t>(l);
    bad_label |= is_bad_label(lab) ? 1u : 0u;
    bad_score |= is_bad_score(v) ? 1u : 0u;
    entry = linear_bucket(v, ix.lo[u], ix.scale[u], ix.top[u]) + ix.bucket_base[u];
    slot = (lab & 1) + ix.slot_base[u];
}

}  // namespace detail

// The lane parameters of a BatchIndex as plain pointers (hoisted out of the loops).
struct IndexView {
    const float *lo, *scale, *top;
    const std::int32_t *bucket_base, *slot_base;
    explicit IndexView(const BatchIndex& ix)
        : lo(ix.lo.data()),
          scale(ix.scale.data()),
          top(ix.top.data()),
          bucket_base(ix.bucket_base.data()),
          slot_base(ix.slot_base.data()) {}
};

// Locates the n labels of one row (contiguous in s and y): entry and slot of each.
F1TUNE_AVX2 inline void locate_row(const BatchIndex& ix, const IndexView& v, const float* s, const std::uint8_t* y,
                                   index_t n, std::int32_t* entry, std::int32_t* slot, detail::Lanes& lanes,
                                   unsigned& bad_label, unsigned& bad_score) {
    if (n < 8) {
        for (index_t i = 0; i < n; ++i) detail::locate1(ix, i, s[i], y[i], entry[i], slot[i], bad_label, bad_score);
        return;
    }
    // 8 at a time; the last group overlaps the one before when n % 8 != 0 (locating is idempotent)
    for (index_t i0 = 0; i0 < n; i0 += 8) {
        const index_t i = std::min(i0, n - 8);
        detail::locate8(_mm256_loadu_ps(s + i), detail::labels8(y + i), _mm256_loadu_ps(v.lo + i),
                        _mm256_loadu_ps(v.scale + i), _mm256_loadu_ps(v.top + i), detail::load8(v.bucket_base + i),
                        detail::load8(v.slot_base + i), entry + i, slot + i, lanes);
    }
}

// Locates n consecutive rows of label l (column contiguous in s and y).
F1TUNE_AVX2 inline void locate_column(const BatchIndex& ix, const float* s, const std::uint8_t* y, index_t l, index_t n,
                                      std::int32_t* entry, std::int32_t* slot, detail::Lanes& lanes,
                                      unsigned& bad_label, unsigned& bad_score) {
    const auto u = static_cast<std::size_t>(l);
    const __m256 lo = _mm256_set1_ps(ix.lo[u]), scale = _mm256_set1_ps(ix.scale[u]), top = _mm256_set1_ps(ix.top[u]);
    const __m256i bb = _mm256_set1_epi32(ix.bucket_base[u]), sb = _mm256_set1_epi32(ix.slot_base[u]);
    if (n < 8) {
        for (index_t i = 0; i < n; ++i) detail::locate1(ix, l, s[i], y[i], entry[i], slot[i], bad_label, bad_score);
        return;
    }
    for (index_t i0 = 0; i0 < n; i0 += 8) {  // the last group may overlap, as in locate_row
        const index_t i = std::min(i0, n - 8);
        detail::locate8(_mm256_loadu_ps(s + i), detail::labels8(y + i), lo, scale, top, bb, sb, entry + i, slot + i,
                        lanes);
    }
}

namespace detail {

// slot += 2 * interval of score v, whose bucket entry is `entry`.
F1TUNE_AVX2_POPCNT inline void add_interval(const std::uint32_t* start, const float* values, float v,
                                            std::int32_t entry, std::int32_t& slot) {
    const index_t off = start[entry];
    const __m256 ge = _mm256_cmp_ps(_mm256_set1_ps(v), _mm256_loadu_ps(values + off), _CMP_GE_OQ);
    const index_t k = off + __builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(ge)));
    slot += static_cast<std::int32_t>(2 * k);
}

}  // namespace detail

// Adds n located elements (scores s[0..n)) to the 16-bit bins: bin slot + 2 * interval. Two
// loops: the intervals first, then the increments, whose store addresses would otherwise hold
// back the following elements' loads.
F1TUNE_AVX2_POPCNT inline void scatter(const BatchIndex& ix, const float* s, index_t n, const std::int32_t* entry,
                                       std::int32_t* slot, std::uint16_t* bins) {
    const std::uint32_t* start = ix.start.data();
    const float* values = ix.values.data();
    index_t i = 0;
    for (; i + 4 <= n; i += 4) {
        detail::add_interval(start, values, s[i], entry[i], slot[i]);
        detail::add_interval(start, values, s[i + 1], entry[i + 1], slot[i + 1]);
        detail::add_interval(start, values, s[i + 2], entry[i + 2], slot[i + 2]);
        detail::add_interval(start, values, s[i + 3], entry[i + 3], slot[i + 3]);
    }
    for (; i < n; ++i) detail::add_interval(start, values, s[i], entry[i], slot[i]);
    for (i = 0; i + 4 <= n; i += 4) {
        bins[slot[i]] += 1;
        bins[slot[i + 1]] += 1;
        bins[slot[i + 2]] += 1;
        bins[slot[i + 3]] += 1;
    }
    for (; i < n; ++i) bins[slot[i]] += 1;
}

// Bins rows [0, rows) of a pair with contiguous labels (L of them) into the 16-bit bins (at
// most 65535 rows per call, so no bin wraps). entry and slot: L int32 each.
F1TUNE_AVX2_POPCNT inline void bin_rows(const BatchIndex& ix, const float* s, index_t s_row_stride,
                                        const std::uint8_t* y, index_t y_row_stride, index_t L, index_t rows,
                                        std::int32_t* entry, std::int32_t* slot, std::uint16_t* bins,
                                        InputFlags& flags) {
    detail::Lanes lanes;
    unsigned bad_label = 0, bad_score = 0;
    const IndexView view(ix);
    for (index_t r = 0; r < rows; ++r) {
        const float* sr = s + r * s_row_stride;
        locate_row(ix, view, sr, y + r * y_row_stride, L, entry, slot, lanes, bad_label, bad_score);
        scatter(ix, sr, L, entry, slot, bins);
    }
    lanes.record(flags);
    flags.add(bad_label, bad_score);
}

// Bins rows [0, rows) of a pair with contiguous rows (columns at s + l * s_col_stride), label by
// label in chunks of `chunk` rows (at most 65535 rows per call). entry and slot: chunk int32 each.
F1TUNE_AVX2_POPCNT inline void bin_columns(const BatchIndex& ix, const float* s, index_t s_col_stride,
                                           const std::uint8_t* y, index_t y_col_stride, index_t L, index_t rows,
                                           index_t chunk, std::int32_t* entry, std::int32_t* slot,
                                           std::uint16_t* bins, InputFlags& flags) {
    detail::Lanes lanes;
    unsigned bad_label = 0, bad_score = 0;
    for (index_t l = 0; l < L; ++l) {
        const float* sc = s + l * s_col_stride;
        const std::uint8_t* yc = y + l * y_col_stride;
        for (index_t c = 0; c < rows; c += chunk) {
            const index_t m = std::min(chunk, rows - c);
            locate_column(ix, sc + c, yc + c, l, m, entry, slot, lanes, bad_label, bad_score);
            scatter(ix, sc + c, m, entry, slot, bins);
        }
    }
    lanes.record(flags);
    flags.add(bad_label, bad_score);
}

}  // namespace f1tune::count_avx2

#endif  // F1TUNE_HAVE_COUNT_AVX2
