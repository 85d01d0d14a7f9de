// AVX2 kernels of the gather pass (gather.hpp) for float32 scores and one-byte labels: rows
// (row by row, or back-to-back rows as one flat run) and contiguous columns.
//
// Chosen at run time (count_avx2::available()), like the other AVX2 kernels. Eight scores at a
// time are tested against their labels' closed value intervals [lo, hi] (ordered compares: NaN
// is never in range); eight such masks make a 64-bit word, and only its set bits (the hits, a few
// percent of the elements) are visited. Each hit is appended as a score and a tag l * 2 + label;
// gather.hpp then moves the hits into per-label buffers. Labels are read only at hits, so their
// rows are prefetched. (Appending every group through a lane permutation, without a branch, was
// measured slower: its stores wait on the running count.)
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "f1tune/count_avx2.hpp"
#include "f1tune/flat_period.hpp"

#if F1TUNE_HAVE_COUNT_AVX2

namespace f1tune::gather_avx2 {

// The hits of one worker, in row order: score bits and tags (label index * 2 + label value).
// Storage grows by doubling without zero-filling (pages are touched only when hits land there).
struct Hits {
    std::unique_ptr<float[]> scores;
    std::unique_ptr<std::uint32_t[]> tags;
    std::size_t n = 0, capacity = 0;
    unsigned bad_label = 0, bad_score = 0;  // from check_values, where a gather checks its input

    // Room for `more` further lanes past n (stores write whole 8-lane vectors).
    void reserve_more(std::size_t more) {
        if (n + more <= capacity) return;
        const std::size_t cap = std::max(2 * capacity, n + more);
        std::unique_ptr<float[]> s(new float[cap]);
        std::unique_ptr<std::uint32_t[]> t(new std::uint32_t[cap]);
        if (n != 0) {
            std::memcpy(s.get(), scores.get(), n * sizeof(float));
            std::memcpy(t.get(), tags.get(), n * sizeof(std::uint32_t));
        }
        scores = std::move(s);
        tags = std::move(t);
        capacity = cap;
    }
};

// Lanes [0, n) set, for masked reads of a partial group (n < 8).
F1TUNE_AVX2 inline __m256i first_lanes(index_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<std::int32_t>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// The value checks of n contiguous scores and labels into out.bad_score / out.bad_label (a NaN
// or infinite score; a label above 1), for gathers from shards no histogram pass has checked.
// fma(s, 0, acc) turns NaN at the first NaN or inf score; the labels' byte-wise maximum must be <= 1.
template <class Y>
F1TUNE_AVX2 void check_values(const float* s, const Y* y, index_t n, Hits& out) {
    static_assert(sizeof(Y) == 1, "one-byte labels");
    __m256 acc = _mm256_setzero_ps();
    __m256i top = _mm256_setzero_si256();
    index_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256 zero = _mm256_setzero_ps();
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(s + i), zero, acc);
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(s + i + 8), zero, acc);
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(s + i + 16), zero, acc);
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(s + i + 24), zero, acc);
        top = _mm256_max_epu8(top, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y + i)));
    }
    unsigned bs = _mm256_movemask_ps(_mm256_cmp_ps(acc, acc, _CMP_UNORD_Q)) != 0;
    unsigned bl = !_mm256_testz_si256(top, _mm256_set1_epi8(static_cast<char>(0xFE)));
    for (; i < n; ++i) {
        bs |= static_cast<unsigned>(is_bad_score(s[i]));
        bl |= static_cast<unsigned>(is_bad_label(y[i]));
    }
    out.bad_score |= bs;
    out.bad_label |= bl;
}

// The hit mask (bit k: lo[k] <= s[k] <= hi[k]) of n <= 8 lanes at s (ordered compares: NaN is
// never in range), with the lanes' bounds already loaded. A partial group reads only its own lanes.
F1TUNE_AVX2 inline unsigned hit_mask8(const float* s, __m256 lo, __m256 hi, index_t n) {
    if (n >= 8) {
        const __m256 v = _mm256_loadu_ps(s);
        return static_cast<unsigned>(
            _mm256_movemask_ps(_mm256_and_ps(_mm256_cmp_ps(v, lo, _CMP_GE_OQ), _mm256_cmp_ps(v, hi, _CMP_LE_OQ))));
    }
    const __m256 v = _mm256_maskload_ps(s, first_lanes(n));
    const __m256 in = _mm256_and_ps(_mm256_cmp_ps(v, lo, _CMP_GE_OQ), _mm256_cmp_ps(v, hi, _CMP_LE_OQ));
    return static_cast<unsigned>(_mm256_movemask_ps(in)) & ((1u << n) - 1);
}

// Appends the hits of rows [r0, r1) (all L labels) to `out`. The labels' value checks are not
// repeated here: the histogram pass has made them. Needs L < 2^31.
template <class Y>
F1TUNE_AVX2 void gather_rows(const Y* y, index_t y_row_stride, const float* s, index_t s_row_stride, index_t L,
                             const float* __restrict lo, const float* __restrict hi, index_t r0, index_t r1, Hits& out) {
    static_assert(sizeof(Y) == 1, "one-byte labels");
    for (index_t r = r0; r < r1; ++r) {
        out.reserve_more(static_cast<std::size_t>(L));
        const float* __restrict srow = s + r * s_row_stride;
        const Y* __restrict yrow = y + r * y_row_stride;
        float* __restrict os = out.scores.get();
        std::uint32_t* __restrict ot = out.tags.get();
        std::size_t n = out.n;
        // The labels are read only at hits, a line here and there: prefetch the label rows ahead
        // (otherwise each hit waits on memory; measured ~25% of the pass at 1M x 100).
        for (index_t b = 0; b < L; b += 64) _mm_prefetch(reinterpret_cast<const char*>(yrow + 8 * y_row_stride + b), _MM_HINT_T0);
        // 64 labels a word: eight 8-lane masks, then one iteration per hit.
        for (index_t l0 = 0; l0 < L; l0 += 64) {
            const index_t width = std::min<index_t>(64, L - l0);
            std::uint64_t word = 0;
            for (index_t g = 0; g < width; g += 8) {
                const index_t at = l0 + g, left = width - g;
                const __m256 vlo = left >= 8 ? _mm256_loadu_ps(lo + at) : _mm256_maskload_ps(lo + at, first_lanes(left));
                const __m256 vhi = left >= 8 ? _mm256_loadu_ps(hi + at) : _mm256_maskload_ps(hi + at, first_lanes(left));
                word |= static_cast<std::uint64_t>(hit_mask8(srow + at, vlo, vhi, left)) << g;
            }
            while (word != 0) {
                const index_t l = l0 + static_cast<index_t>(__builtin_ctzll(word));
                word &= word - 1;
                os[n] = srow[l];
                ot[n++] = static_cast<std::uint32_t>(2 * l + (static_cast<index_t>(yrow[l]) & 1));
            }
        }
        out.n = n;
    }
}

// Per-position bounds and tags of a flat run (flat_period.hpp): label k % L's bounds, 2 * (k % L).
struct FlatBounds {
    index_t period;
    std::vector<float> lo, hi;
    std::vector<std::uint32_t> tag;

    FlatBounds(const float* lo_l, const float* hi_l, index_t L)
        : period(flat_period8(L)),
          lo(flat_table<float>(L, period, [&](index_t l) { return lo_l[l]; })),
          hi(flat_table<float>(L, period, [&](index_t l) { return hi_l[l]; })),
          tag(flat_table<std::uint32_t>(L, period, [](index_t l) { return static_cast<std::uint32_t>(2 * l); })) {}
};

// Appends the hits of rows [r0, r1) of back-to-back rows (s and y at row 0, row stride L).
template <class Y>
F1TUNE_AVX2 void gather_flat(const Y* y, const float* s, index_t L, const FlatBounds& fb, index_t r0, index_t r1,
                             Hits& out) {
    static_assert(sizeof(Y) == 1, "one-byte labels");
    const float* __restrict sp = s + r0 * L;
    const Y* __restrict yp = y + r0 * L;
    const index_t n = (r1 - r0) * L, C = fb.period;
    index_t k = r0 * L % C;  // period position of the next group
    constexpr index_t kChunk = index_t{1} << 12;  // a multiple of 64: groups never straddle chunks
    for (index_t c0 = 0; c0 < n; c0 += kChunk) {
        const index_t c1 = std::min(n, c0 + kChunk);
        out.reserve_more(static_cast<std::size_t>(c1 - c0));
        float* __restrict os = out.scores.get();
        std::uint32_t* __restrict ot = out.tags.get();
        std::size_t m = out.n;
        for (index_t i0 = c0; i0 < c1; i0 += 64) {
            _mm_prefetch(reinterpret_cast<const char*>(yp + i0 + 1024), _MM_HINT_T0);  // labels: read at hits only
            const index_t width = std::min<index_t>(64, c1 - i0);
            std::uint64_t word = 0;
            index_t at[8];
            for (index_t g = 0; g < width; g += 8) {
                at[g >> 3] = k;
                word |= static_cast<std::uint64_t>(hit_mask8(sp + i0 + g, _mm256_loadu_ps(fb.lo.data() + k),
                                                             _mm256_loadu_ps(fb.hi.data() + k), width - g))
                        << g;
                k += 8;
                if (k >= C) k -= C;
            }
            while (word != 0) {
                const auto bit = static_cast<index_t>(__builtin_ctzll(word));
                word &= word - 1;
                const index_t i = i0 + bit;
                os[m] = sp[i];
                ot[m++] = fb.tag[static_cast<std::size_t>(at[bit >> 3] + (bit & 7))] + (static_cast<std::uint32_t>(yp[i]) & 1u);
            }
        }
        out.n = m;
    }
}

// Appends the hits of one label's contiguous column: scores s[0, n) with labels y[0, n) in
// [lo, hi], tagged l * 2 + label.
template <class Y>
F1TUNE_AVX2 void gather_column(const Y* y, const float* s, index_t n, float lo, float hi, index_t l, Hits& out) {
    static_assert(sizeof(Y) == 1, "one-byte labels");
    out.reserve_more(static_cast<std::size_t>(n));
    float* __restrict os = out.scores.get();
    std::uint32_t* __restrict ot = out.tags.get();
    std::size_t k = out.n;
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    const auto tag = static_cast<std::uint32_t>(2 * l);
    for (index_t i0 = 0; i0 < n; i0 += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(y + i0 + 1024), _MM_HINT_T0);  // labels: read at hits only
        const index_t width = std::min<index_t>(64, n - i0);
        std::uint64_t word = 0;
        for (index_t g = 0; g < width; g += 8)
            word |= static_cast<std::uint64_t>(hit_mask8(s + i0 + g, vlo, vhi, width - g)) << g;
        while (word != 0) {
            const index_t i = i0 + static_cast<index_t>(__builtin_ctzll(word));
            word &= word - 1;
            os[k] = s[i];
            ot[k++] = tag + (static_cast<std::uint32_t>(y[i]) & 1u);
        }
    }
    out.n = k;
}

}  // namespace f1tune::gather_avx2

#endif
