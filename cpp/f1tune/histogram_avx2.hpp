// AVX2 slot kernels of the histogram pass for float32 scores and one-byte labels (uint8, int8).
//
// Chosen at run time (count_avx2::available()), like the counting kernels: the functions carry
// their own target attribute, the build does not use -mavx2. Each computes, 8 elements at a time,
// the slot bucket * 2 + label of bucket_map.hpp's row_tile_slots / column_slots with the same
// float operations as linear_bucket (sub, then mul, no fma; max(x, 0) gives 0 for NaN like
// `x > 0 ? x : 0`; min(x, top) like `x < top ? x : top`; truncation), so every bucket is
// bit-identical to the scalar one, and folds both value checks into the same pass:
// fma(s, 0, acc) turns NaN at the first NaN or inf score, and the byte-wise maximum of the labels
// must be <= 1. Tails (fewer than 8 elements) go through the scalar formula.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "f1tune/count_avx2.hpp"
#include "f1tune/flat_period.hpp"
#include "f1tune/linear_buckets.hpp"

#if F1TUNE_HAVE_COUNT_AVX2

namespace f1tune::histogram_avx2 {

namespace detail {

struct Checks {
    __m256 score;    // NaN once a NaN or inf score was seen
    __m128i labels;  // byte-wise maximum of the labels

    F1TUNE_AVX2 Checks() : score(_mm256_setzero_ps()), labels(_mm_setzero_si128()) {}

    F1TUNE_AVX2 void record(unsigned& bad_label, unsigned& bad_score) const {
        if (_mm256_movemask_ps(_mm256_cmp_ps(score, score, _CMP_UNORD_Q)) != 0) bad_score |= 1u;
        if (!_mm_testz_si128(labels, _mm_set1_epi8(static_cast<char>(0xFE)))) bad_label |= 1u;
    }
};

// Slots (int32 lanes) of 8 scores v with the 8 label bytes in the low half of yb.
F1TUNE_AVX2 inline __m256i slots8(__m256 v, __m128i yb, __m256 lo, __m256 scale, __m256 top, Checks& c) {
    c.score = _mm256_fmadd_ps(v, _mm256_setzero_ps(), c.score);
    c.labels = _mm_max_epu8(c.labels, yb);
    __m256 x = _mm256_mul_ps(_mm256_sub_ps(v, lo), scale);
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_setzero_ps()), top);
    const __m256i bucket = _mm256_cvttps_epi32(x);
    const __m256i lab = _mm256_and_si256(_mm256_cvtepu8_epi32(yb), _mm256_set1_epi32(1));
    return _mm256_add_epi32(_mm256_add_epi32(bucket, bucket), lab);
}

// 16 int32 slots (a: first 8, b: next 8; each < 2^16) stored as 16 uint16 in order.
F1TUNE_AVX2 inline void store16(std::uint16_t* out, __m256i a, __m256i b) {
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), 0xD8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), packed);
}

F1TUNE_AVX2 inline void store8(std::uint16_t* out, __m256i a) {
    const __m128i packed = _mm_packus_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), packed);
}

F1TUNE_AVX2 inline __m128i load_labels8(const void* y) { return _mm_loadl_epi64(static_cast<const __m128i*>(y)); }

template <class Y>
inline void slot1(float v, Y lab, float lo, float scale, float top, std::uint16_t& out, unsigned& bl, unsigned& bs) {
    bl |= static_cast<unsigned>(is_bad_label(lab));
    bs |= static_cast<unsigned>(is_bad_score(v));
    out = bucket_slot(linear_bucket(v, lo, scale, top), lab);
}

// For each 8-bit mask, the lane indices of its set bits first (in order), then the rest: the
// permutation that packs a vector's selected lanes to the front.
inline const std::array<std::array<std::int32_t, 8>, 256>& compress_table() {
    static const auto table = [] {
        std::array<std::array<std::int32_t, 8>, 256> t{};
        for (std::size_t m = 0; m < 256; ++m) {
            std::size_t k = 0;
            for (int lane = 0; lane < 8; ++lane)
                if (m & (std::size_t{1} << lane)) t[m][k++] = lane;
            for (int lane = 0; lane < 8; ++lane)
                if (!(m & (std::size_t{1} << lane))) t[m][k++] = lane;
        }
        return t;
    }();
    return table;
}

}  // namespace detail

// Per-position maps of a flat run of back-to-back rows (flat_period.hpp): label k % L's map and
// histogram base (k % L) * stride.
struct FlatMaps {
    index_t period;
    std::vector<float> lo, scale;
    std::vector<std::int32_t> base;

    FlatMaps(const float* lo_l, const float* scale_l, index_t L, std::uint32_t stride)
        : period(flat_period8(L)),
          lo(flat_table<float>(L, period, [&](index_t l) { return lo_l[l]; })),
          scale(flat_table<float>(L, period, [&](index_t l) { return scale_l[l]; })),
          base(flat_table<std::int32_t>(L, period, [&](index_t l) { return static_cast<std::int32_t>(l * stride); })) {}
};

// Histogram offsets (label * stride + slot) of rows [r0, r1) of back-to-back rows (s and y at
// row 0), in order, leaving out slot 0 (the negatives of bucket 0: their count is what the other
// slots leave of the rows). Packed without a branch (a lane permutation picked by the 8-bit mask
// of kept lanes), so a skipped element costs no increment and no misprediction. Returns how many
// offsets were written to `out` (room for (r1 - r0) * L + 8 needed).
template <class Y>
F1TUNE_AVX2 index_t flat_offsets(const Y* y, const float* s, index_t L, const FlatMaps& fm, float top, index_t r0,
                                 index_t r1, std::uint32_t* __restrict out, unsigned& bad_label, unsigned& bad_score) {
    static_assert(sizeof(Y) == 1, "one-byte labels");
    const auto& table = detail::compress_table();
    const __m256 vtop = _mm256_set1_ps(top);
    const float* __restrict sp = s + r0 * L;
    const Y* __restrict yp = y + r0 * L;
    const index_t n = (r1 - r0) * L, C = fm.period;
    index_t k = r0 * L % C;
    detail::Checks c;
    unsigned bl = 0, bs = 0;
    index_t m = 0;
    for (index_t i = 0; i < n; i += 8) {
        __m256 v;
        __m128i yb;
        unsigned lanes = 0xFF;
        if (n - i >= 8) {
            v = _mm256_loadu_ps(sp + i);
            yb = detail::load_labels8(yp + i);
        } else {  // the run's last, partial group: its own lanes only (zeros pass the checks)
            const index_t left = n - i;
            v = _mm256_maskload_ps(sp + i, _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<std::int32_t>(left)),
                                                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
            std::uint64_t bytes = 0;
            std::memcpy(&bytes, yp + i, static_cast<std::size_t>(left));
            yb = _mm_cvtsi64_si128(static_cast<long long>(bytes));
            lanes = (1u << left) - 1;
        }
        const __m256i slot =
            detail::slots8(v, yb, _mm256_loadu_ps(fm.lo.data() + k), _mm256_loadu_ps(fm.scale.data() + k), vtop, c);
        const __m256i off =
            _mm256_add_epi32(slot, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(fm.base.data() + k)));
        const unsigned keep =
            static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(slot, _mm256_setzero_si256())))) &
            lanes;
        const __m256i perm = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(table[keep].data()));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + m), _mm256_permutevar8x32_epi32(off, perm));
        m += __builtin_popcount(keep);
        k += 8;
        if (k >= C) k -= C;
    }
    c.record(bl, bs);
    bad_label |= bl;
    bad_score |= bs;
    return m;
}

// row_tile_slots (bucket_map.hpp) for row-major float32 scores and one-byte labels.
template <class Y>
F1TUNE_AVX2 void row_tile_slots(const StridedMatrix<Y>& y, const StridedMatrix<float>& s, const float* __restrict lo,
                                const float* __restrict scale, float top, index_t r0, index_t r1, index_t l0, index_t l1,
                                std::uint16_t* __restrict slot, unsigned& bad_label, unsigned& bad_score) {
    static_assert(sizeof(Y) == 1, "one-byte labels");
    const index_t L = l1 - l0;
    lo += l0;
    scale += l0;
    const __m256 vtop = _mm256_set1_ps(top);
    detail::Checks c;
    unsigned bl = 0, bs = 0;
    for (index_t r = r0; r < r1; ++r) {
        const float* __restrict srow = s.data + r * s.row_stride + l0;
        const Y* __restrict yrow = y.data + r * y.row_stride + l0;
        std::uint16_t* __restrict out = slot + (r - r0) * L;
        // A group of labels of long rows is a short piece of each row: the hardware prefetcher
        // does not follow that stride, so the rows 8 ahead are asked for here.
        if (s.row_stride > 4 * L) {
            for (index_t b = 0; b < L; b += 16) _mm_prefetch(reinterpret_cast<const char*>(srow + 8 * s.row_stride + b), _MM_HINT_T0);
            _mm_prefetch(reinterpret_cast<const char*>(yrow + 8 * y.row_stride), _MM_HINT_T0);
        }
        index_t l = 0;
        for (; l + 16 <= L; l += 16) {
            const __m256i a = detail::slots8(_mm256_loadu_ps(srow + l), detail::load_labels8(yrow + l),
                                             _mm256_loadu_ps(lo + l), _mm256_loadu_ps(scale + l), vtop, c);
            const __m256i b = detail::slots8(_mm256_loadu_ps(srow + l + 8), detail::load_labels8(yrow + l + 8),
                                             _mm256_loadu_ps(lo + l + 8), _mm256_loadu_ps(scale + l + 8), vtop, c);
            detail::store16(out + l, a, b);
        }
        if (l + 8 <= L) {
            detail::store8(out + l, detail::slots8(_mm256_loadu_ps(srow + l), detail::load_labels8(yrow + l),
                                                   _mm256_loadu_ps(lo + l), _mm256_loadu_ps(scale + l), vtop, c));
            l += 8;
        }
        for (; l < L; ++l) detail::slot1(srow[l], yrow[l], lo[l], scale[l], top, out[l], bl, bs);
    }
    c.record(bl, bs);
    bad_label |= bl;
    bad_score |= bs;
}

// column_slots (bucket_map.hpp) for one contiguous float32 column and its contiguous labels.
template <class Y>
F1TUNE_AVX2 void column_slots(const float* __restrict sc, const Y* __restrict yc, index_t n, float lo, float scale,
                              float top, std::uint16_t* __restrict out, unsigned& bad_label, unsigned& bad_score) {
    static_assert(sizeof(Y) == 1, "one-byte labels");
    const __m256 vlo = _mm256_set1_ps(lo), vscale = _mm256_set1_ps(scale), vtop = _mm256_set1_ps(top);
    detail::Checks c;
    unsigned bl = 0, bs = 0;
    index_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256i a = detail::slots8(_mm256_loadu_ps(sc + i), detail::load_labels8(yc + i), vlo, vscale, vtop, c);
        const __m256i b =
            detail::slots8(_mm256_loadu_ps(sc + i + 8), detail::load_labels8(yc + i + 8), vlo, vscale, vtop, c);
        detail::store16(out + i, a, b);
    }
    for (; i < n; ++i) detail::slot1(sc[i], yc[i], lo, scale, top, out[i], bl, bs);
    c.record(bl, bs);
    bad_label |= bl;
    bad_score |= bs;
}

}  // namespace f1tune::histogram_avx2

#endif
