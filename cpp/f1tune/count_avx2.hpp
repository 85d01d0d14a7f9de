// AVX2 kernels of count_at_thresholds for float32 scores and one-byte labels (bool, uint8, int8).
//
// Chosen at run time (count_avx2::available(): the CPU has AVX2 and FMA), so the module still
// runs on any x86-64; the functions carry their own target attribute instead of the build using
// -mavx2. One fused pass per element: the prediction `s >= t` (an ordered compare: NaN predicts
// nothing, as in the scalar code), tp / pp / pos counts and both value checks.
//   * 32 elements at a time: four 8-float compares packed into 32 one-byte masks, so one byte
//     counter per lane adds 1 per row; byte counters are flushed into int64 before they can wrap
//     (every 255 rows), which keeps the counters' loads and stores at 3 per 32 elements.
//   * Scores must be finite: fma(a, 0, b) is finite iff a and b are, so four fmas per 32 scores
//     fold every score into one accumulator that turns NaN at the first NaN or inf.
//   * Labels must be 0 or 1: the byte-wise maximum of all labels must be <= 1.
// The caller (counting.hpp) handles the leftovers (rows that do not fill a period, column tails)
// with the scalar kernels.
#pragma once

#include "f1tune/common.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define F1TUNE_HAVE_COUNT_AVX2 1
#include <immintrin.h>
#define F1TUNE_AVX2 __attribute__((target("avx2,fma")))
#else
#define F1TUNE_HAVE_COUNT_AVX2 0
#endif

namespace f1tune::count_avx2 {

// Whether this CPU (and OS) run the AVX2 + FMA (+ POPCNT) kernels.
inline bool available() {
#if F1TUNE_HAVE_COUNT_AVX2
    static const bool ok =
        __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("popcnt");
    return ok;
#else
    return false;
#endif
}

// Byte counters wrap after 255 increments: flush at least this often (rows, periods or chunks).
constexpr index_t kByteFlush = 255;

// The period of the flat kernel: lcm(L, 32) elements, i.e. P = lcm / L rows, after which label
// and lane line up again. 0 when the period is too long to keep its counters in L1.
inline index_t flat_period(index_t L) {
    if (L <= 0) return 0;
    index_t a = L, b = 32;
    while (b != 0) {
        const index_t r = a % b;
        a = b;
        b = r;
    }
    const index_t lcm = L / a * 32;
    return lcm <= 1024 ? lcm : 0;
}

#if F1TUNE_HAVE_COUNT_AVX2

namespace detail {

// Per-lane byte counters of one kernel call and the running value checks.
struct Lanes {
    __m256 score_check;  // NaN once a NaN or inf score was seen
    __m256i label_max;   // byte-wise maximum of the labels

    F1TUNE_AVX2 Lanes() : score_check(_mm256_setzero_ps()), label_max(_mm256_setzero_si256()) {}

    F1TUNE_AVX2 void record(InputFlags& flags) const {
        const bool bad_score = _mm256_movemask_ps(_mm256_cmp_ps(score_check, score_check, _CMP_UNORD_Q)) != 0;
        // a byte > 1 has a bit above bit 0 set
        const bool bad_label = !_mm256_testz_si256(label_max, _mm256_set1_epi8(static_cast<char>(0xFE)));
        flags.add(bad_label ? 1u : 0u, bad_score ? 1u : 0u);
    }
};

// 32 one-byte masks (0xFF where s[i] >= t[i]) of scores a..d (8 each, in order), and the score check.
F1TUNE_AVX2 inline __m256i predict32(__m256 a, __m256 b, __m256 c, __m256 d, __m256 ta, __m256 tb, __m256 tc,
                                     __m256 td, Lanes& lanes) {
    const __m256 zero = _mm256_setzero_ps();
    const __m256 ab = _mm256_fmadd_ps(a, zero, b), cd = _mm256_fmadd_ps(c, zero, d);
    lanes.score_check = _mm256_fmadd_ps(_mm256_fmadd_ps(ab, zero, cd), zero, lanes.score_check);
    const __m256i ma = _mm256_castps_si256(_mm256_cmp_ps(a, ta, _CMP_GE_OQ));
    const __m256i mb = _mm256_castps_si256(_mm256_cmp_ps(b, tb, _CMP_GE_OQ));
    const __m256i mc = _mm256_castps_si256(_mm256_cmp_ps(c, tc, _CMP_GE_OQ));
    const __m256i md = _mm256_castps_si256(_mm256_cmp_ps(d, td, _CMP_GE_OQ));
    // The packs interleave 128-bit lanes: dwords come out as a0 b0 c0 d0 a1 b1 c1 d1 (4 bytes each).
    const __m256i m = _mm256_packs_epi16(_mm256_packs_epi32(ma, mb), _mm256_packs_epi32(mc, md));
    return _mm256_permutevar8x32_epi32(m, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// Masks of 32 scores at s against 32 thresholds at t.
F1TUNE_AVX2 inline __m256i predict32(const float* s, const float* t, Lanes& lanes) {
    return predict32(_mm256_loadu_ps(s), _mm256_loadu_ps(s + 8), _mm256_loadu_ps(s + 16), _mm256_loadu_ps(s + 24),
                     _mm256_loadu_ps(t), _mm256_loadu_ps(t + 8), _mm256_loadu_ps(t + 16), _mm256_loadu_ps(t + 24),
                     lanes);
}

F1TUNE_AVX2 inline __m256i load_labels(const std::uint8_t* y, Lanes& lanes) {
    const __m256i lab = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y));
    lanes.label_max = _mm256_max_epu8(lanes.label_max, lab);
    return lab;
}

// Adds one element per lane to the byte counters at tp/pp/pos (32 each): pp += mask, tp += mask & y, pos += y.
F1TUNE_AVX2 inline void add32(__m256i mask, __m256i lab, std::uint8_t* tp, std::uint8_t* pp, std::uint8_t* pos) {
    auto at = [](std::uint8_t* p) { return reinterpret_cast<__m256i*>(p); };
    _mm256_storeu_si256(at(pp), _mm256_sub_epi8(_mm256_loadu_si256(at(pp)), mask));
    _mm256_storeu_si256(at(tp), _mm256_add_epi8(_mm256_loadu_si256(at(tp)), _mm256_and_si256(mask, lab)));
    _mm256_storeu_si256(at(pos), _mm256_add_epi8(_mm256_loadu_si256(at(pos)), lab));
}

// Sum of the 32 bytes of v, as 4 partial int64 sums.
F1TUNE_AVX2 inline __m256i byte_sums(__m256i v) { return _mm256_sad_epu8(v, _mm256_setzero_si256()); }

F1TUNE_AVX2 inline count_t horizontal_sum(__m256i v) {
    alignas(32) std::int64_t x[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(x), v);
    return x[0] + x[1] + x[2] + x[3];
}

}  // namespace detail

// C-contiguous rows read as one flat run. `s` and `y` point at a row start; the run covers
// n_periods periods of C = flat_period(L) elements (C / L rows). thr_period holds C thresholds
// (threshold of element k at thr[k % L]). Adds into tp/pp/pos (L each). work: 3 * C bytes.
F1TUNE_AVX2 inline void count_flat(const float* s, const std::uint8_t* y, index_t L, index_t C, const float* thr_period,
                                   index_t n_periods, std::uint8_t* work, count_t* tp, count_t* pp, count_t* pos,
                                   InputFlags& flags) {
    std::uint8_t* tp8 = work;
    std::uint8_t* pp8 = work + C;
    std::uint8_t* pos8 = work + 2 * C;
    detail::Lanes lanes;
    for (index_t p0 = 0; p0 < n_periods; p0 += kByteFlush) {
        const index_t p1 = std::min(n_periods, p0 + kByteFlush);
        std::memset(work, 0, static_cast<std::size_t>(3 * C));
        for (index_t p = p0; p < p1; ++p) {
            const float* sp = s + p * C;
            const std::uint8_t* yp = y + p * C;
            for (index_t k = 0; k < C; k += 32) {
                const __m256i m = detail::predict32(sp + k, thr_period + k, lanes);
                detail::add32(m, detail::load_labels(yp + k, lanes), tp8 + k, pp8 + k, pos8 + k);
            }
        }
        for (index_t k = 0, l = 0; k < C; ++k, l = (l + 1 == L ? 0 : l + 1)) {
            tp[l] += tp8[k];
            pp[l] += pp8[k];
            pos[l] += pos8[k];
        }
    }
    lanes.record(flags);
}

// Rows with contiguous labels (any row strides), L >= 32: 32 labels at a time; the last, partial
// group is the overlapping group [L - 32, L) with its already counted lanes masked off.
// work: 3 * L bytes.
F1TUNE_AVX2 inline void count_rows(const float* s, index_t s_row_stride, const std::uint8_t* y, index_t y_row_stride,
                                   index_t L, const float* thr, index_t rows, std::uint8_t* work, count_t* tp,
                                   count_t* pp, count_t* pos, InputFlags& flags) {
    std::uint8_t* tp8 = work;
    std::uint8_t* pp8 = work + L;
    std::uint8_t* pos8 = work + 2 * L;
    const index_t full = L / 32 * 32, rest = L - full;
    // lanes [0, 32 - rest) of the overlapping group were counted by the last full group
    alignas(32) std::uint8_t keep_bytes[32];
    for (index_t i = 0; i < 32; ++i) keep_bytes[i] = i >= 32 - rest ? 0xFF : 0;
    const __m256i keep = _mm256_load_si256(reinterpret_cast<const __m256i*>(keep_bytes));
    detail::Lanes lanes;
    for (index_t r0 = 0; r0 < rows; r0 += kByteFlush) {
        const index_t r1 = std::min(rows, r0 + kByteFlush);
        std::memset(work, 0, static_cast<std::size_t>(3 * L));
        for (index_t r = r0; r < r1; ++r) {
            const float* sr = s + r * s_row_stride;
            const std::uint8_t* yr = y + r * y_row_stride;
            for (index_t l = 0; l < full; l += 32) {
                const __m256i m = detail::predict32(sr + l, thr + l, lanes);
                detail::add32(m, detail::load_labels(yr + l, lanes), tp8 + l, pp8 + l, pos8 + l);
            }
            if (rest != 0) {
                const index_t l = L - 32;
                const __m256i m = _mm256_and_si256(detail::predict32(sr + l, thr + l, lanes), keep);
                const __m256i lab = _mm256_and_si256(detail::load_labels(yr + l, lanes), keep);
                detail::add32(m, lab, tp8 + l, pp8 + l, pos8 + l);
            }
        }
        for (index_t l = 0; l < L; ++l) {
            tp[l] += tp8[l];
            pp[l] += pp8[l];
            pos[l] += pos8[l];
        }
    }
    lanes.record(flags);
}

// One label's contiguous column of `rows` scores and labels against one threshold, 32 rows at a
// time with the byte counters in registers; the < 32 remaining rows are left to the caller.
// Returns the rows counted (a multiple of 32).
F1TUNE_AVX2 inline index_t count_column(const float* s, const std::uint8_t* y, float threshold, index_t rows,
                                        count_t& tp, count_t& pp, count_t& pos, InputFlags& flags) {
    const index_t chunks = rows / 32;
    const __m256 t = _mm256_set1_ps(threshold);
    detail::Lanes lanes;
    __m256i tp64 = _mm256_setzero_si256(), pp64 = _mm256_setzero_si256(), pos64 = _mm256_setzero_si256();
    for (index_t c0 = 0; c0 < chunks; c0 += kByteFlush) {
        const index_t c1 = std::min(chunks, c0 + kByteFlush);
        __m256i tp8 = _mm256_setzero_si256(), pp8 = _mm256_setzero_si256(), pos8 = _mm256_setzero_si256();
        for (index_t c = c0; c < c1; ++c) {
            const float* sc = s + 32 * c;
            const __m256i m = detail::predict32(_mm256_loadu_ps(sc), _mm256_loadu_ps(sc + 8), _mm256_loadu_ps(sc + 16),
                                                _mm256_loadu_ps(sc + 24), t, t, t, t, lanes);
            const __m256i lab = detail::load_labels(y + 32 * c, lanes);
            pp8 = _mm256_sub_epi8(pp8, m);
            tp8 = _mm256_add_epi8(tp8, _mm256_and_si256(m, lab));
            pos8 = _mm256_add_epi8(pos8, lab);
        }
        tp64 = _mm256_add_epi64(tp64, detail::byte_sums(tp8));
        pp64 = _mm256_add_epi64(pp64, detail::byte_sums(pp8));
        pos64 = _mm256_add_epi64(pos64, detail::byte_sums(pos8));
    }
    tp += detail::horizontal_sum(tp64);
    pp += detail::horizontal_sum(pp64);
    pos += detail::horizontal_sum(pos64);
    lanes.record(flags);
    return chunks * 32;
}

#endif  // F1TUNE_HAVE_COUNT_AVX2

}  // namespace f1tune::count_avx2
