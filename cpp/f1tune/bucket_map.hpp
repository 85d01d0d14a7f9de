// Scores to histogram buckets: the monotone bucket map, and the bucket "slots" of a block of data
// (bucket * 2 + label) in the read order that suits its memory layout.
//
// A BucketMap sends scores to buckets monotonically (clamped at both ends), so counts at bucket
// edges are exact cut counts. Maps come from a sample of rows: a poor sample only makes the search
// look at more elements, it never changes a result. Row-major input is read row by row in tiles;
// other layouts column by column in blocks of rows. The slot loops are written to vectorize;
// float32 scores with one-byte labels use histogram_avx2.hpp's kernels (bit-identical buckets)
// where the CPU has AVX2 and FMA.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "f1tune/common.hpp"
#include "f1tune/histogram_avx2.hpp"
#include "f1tune/linear_buckets.hpp"
#include "f1tune/map_floor.hpp"

namespace f1tune {

// The most buckets per label. Fewer when rows are few (buckets_for_rows): per-label work is sized by
// about rows / 16 buckets, so that memory stays O(input) at every shape (many labels, few rows).
constexpr index_t kTopBuckets = 2048;

// Buckets per label for `rows` rows: a power of two >= rows / 16, at least 16, at most kTopBuckets.
// About 16 rows a bucket: per-label bucket work (zeroing and scanning the int64 histograms,
// region searches, micro's scans) then stays a fraction of the data pass when labels are many
// and rows few. Measured against 4 rows a bucket: 10,000 labels x 10,000 rows macro 0.71x and
// micro 0.56x the time, 100,000 x 1,000 micro 0.6x (macro within 5%), 100 rows unchanged (16).
// Fewer buckets only make the refine gather more elements; results never depend on it.
inline index_t buckets_for_rows(index_t rows) {
    index_t nb = 16;
    while (nb * 16 < rows && nb < kTopBuckets) nb *= 2;
    return nb;
}

// Buckets linear in the score (linear_buckets.hpp) over [0, n_buckets).
template <class S>
struct BucketMap {
    S lo = 0;
    S scale = 1;
    index_t n_buckets = kTopBuckets;

    S top() const { return static_cast<S>(n_buckets - 1); }
    index_t bucket(S v) const { return linear_bucket(v, lo, scale, top()); }
};

// The map spreading [lo, hi] over n_buckets buckets.
template <class S>
BucketMap<S> map_for_range(S lo, S hi, index_t n_buckets) {
    BucketMap<S> m;
    m.lo = lo;
    m.n_buckets = n_buckets;
    m.scale = scale_for_span<S>(static_cast<double>(lo), static_cast<double>(hi), static_cast<double>(n_buckets));
    return m;
}

// Per-label maps from up to 4096 evenly spaced rows (fewer with many labels, below): from about the 0.1% quantile (a far low tail
// would waste buckets) to the maximum (the optimum of a rare label sits high). `shared` gives
// every label the map of the pooled sample (for one threshold shared by all labels; at most
// about 2^20 values). With the labels `y` (maps of an F-beta search, per label or pooled), each
// map starts no lower than its sample's map_floor (map_floor.hpp) under `rule`; `cuts` (per-label
// maps only) then receives each label's best cut in the sample. Every map has
// buckets_for_rows(rows) buckets.
template <class S, class Y = std::uint8_t>
std::vector<BucketMap<S>> sample_maps(const StridedMatrix<S>& s, bool shared, const StridedMatrix<Y>* y = nullptr,
                                      const FloorRule& rule = {}, std::vector<SampleCut>* cuts = nullptr) {
    const index_t n = s.rows, L = s.cols;
    // At most about 2^22 sampled values in all (many labels: fewer rows, at least 64): a map needs
    // only a rough range, and sampling every row of a short, wide input cost more than tuning it.
    const index_t per_label = std::clamp<index_t>((index_t{1} << 22) / std::max<index_t>(L, 1), 64, 4096);
    const index_t m = std::min<index_t>(n, shared ? std::clamp<index_t>((index_t{1} << 20) / std::max<index_t>(L, 1), 16, 4096) : per_label);
    const index_t nb = buckets_for_rows(n);
    auto sample_row = [&](index_t i) { return m > 1 ? i * (n - 1) / (m - 1) : index_t{0}; };
    // The map of the finite values v[0, k): [about the 0.1% quantile, max].
    auto map_of = [&](S* v, index_t k) {
        BucketMap<S> map;
        map.n_buckets = nb;
        if (k == 0) return map;
        const S hi = *std::max_element(v, v + k);
        const index_t q = k / 1000;
        S qv;
        if (q == 0) {
            qv = *std::min_element(v, v + k);
        } else if (q < 16) {  // the q+1 smallest, kept sorted in one pass (cheaper than nth_element)
            S low[16];
            index_t have = 0;
            for (index_t i = 0; i < k; ++i) {
                if (have == q + 1 && !(v[i] < low[q])) continue;
                index_t j = have < q + 1 ? have++ : q;
                while (j > 0 && v[i] < low[j - 1]) {
                    low[j] = low[j - 1];
                    --j;
                }
                low[j] = v[i];
            }
            qv = low[q];
        } else {
            std::nth_element(v, v + q, v + k);
            qv = v[q];
        }
        return map_for_range(qv, hi, nb);
    };
    // map_of, started no lower than the sample's floor when its labels yl are given (the floor
    // reads values and labels side by side, so it comes before map_of reorders the values).
    auto floored_map_of = [&](S* v, const std::uint8_t* yl, index_t k, SampleCut* cut) {
        if (yl == nullptr || k == 0) return map_of(v, k);
        const auto [vmin, vmax] = std::minmax_element(v, v + k);
        const S hi = *vmax;
        const S floor = map_floor(v, yl, k, *vmin, hi, rule, cut);
        const BucketMap<S> map = map_of(v, k);
        return floor > map.lo ? map_for_range(floor, hi, nb) : map;
    };
    std::vector<BucketMap<S>> maps(static_cast<std::size_t>(L));
    if (shared) {
        std::vector<S> vals;
        std::vector<std::uint8_t> labs;
        vals.reserve(static_cast<std::size_t>(m * L));
        for (index_t i = 0; i < m; ++i)
            for (index_t l = 0; l < L; ++l) {
                const S v = s(sample_row(i), l);
                if (is_bad_score(v)) continue;
                vals.push_back(v);
                if (y != nullptr) labs.push_back(static_cast<std::uint8_t>(static_cast<index_t>((*y)(sample_row(i), l)) & 1));
            }
        std::fill(maps.begin(), maps.end(),
                  floored_map_of(vals.data(), y != nullptr ? labs.data() : nullptr, static_cast<index_t>(vals.size()),
                                 nullptr));
        return maps;
    }
    // Labels in blocks whose sample (m x W values, label-major) stays in L2/L3: each sampled row's
    // block of labels is read contiguously (row-major input), then each label's values are adjacent.
    const index_t W = std::clamp<index_t>((index_t{1} << 18) / m, 1, std::max<index_t>(L, 1));
    std::vector<S> buf(static_cast<std::size_t>(m * std::min(W, L)));
    std::vector<std::uint8_t> ybuf(y != nullptr ? buf.size() : 0);
    std::vector<index_t> count(static_cast<std::size_t>(std::min(W, L)));
    for (index_t l0 = 0; l0 < L; l0 += W) {
        const index_t l1 = std::min(L, l0 + W);
        std::fill(count.begin(), count.end(), 0);
        for (index_t i = 0; i < m; ++i) {
            const index_t r = sample_row(i);
            for (index_t l = l0; l < l1; ++l) {
                const S v = s(r, l);
                const auto u = static_cast<std::size_t>(l - l0);
                if (is_bad_score(v)) continue;
                const std::size_t at = u * static_cast<std::size_t>(m) + static_cast<std::size_t>(count[u]++);
                buf[at] = v;
                if (y != nullptr) ybuf[at] = static_cast<std::uint8_t>(static_cast<index_t>((*y)(r, l)) & 1);
            }
        }
        for (index_t l = l0; l < l1; ++l) {
            const auto u = static_cast<std::size_t>(l - l0);
            maps[static_cast<std::size_t>(l)] =
                floored_map_of(buf.data() + u * static_cast<std::size_t>(m),
                               y != nullptr ? ybuf.data() + u * static_cast<std::size_t>(m) : nullptr, count[u],
                               cuts != nullptr ? &(*cuts)[static_cast<std::size_t>(l)] : nullptr);
        }
    }
    return maps;
}

namespace detail {

// Rows per block for the label-at-a-time loop. Contiguous columns: long runs, so that the
// prefetcher follows each column. Otherwise: the block's scores and labels stay in L2.
template <class S, class Y>
index_t block_rows(const StridedMatrix<S>& s) {
    if (s.rows_contiguous()) return 32768;
    const index_t row_bytes = std::max<index_t>(1, s.cols * static_cast<index_t>(sizeof(S) + sizeof(Y)));
    return std::clamp<index_t>((index_t{512} << 10) / row_bytes, 64, 8192);
}

// Row-major rows [r0, r1), labels [l0, l1): the bucket slot (bucket * 2 + label) of each
// element, row-major in slot[(r - r0) * (l1 - l0) + l - l0] (a vectorizable loop); the increments
// then run one label at a time with that label's histogram hot in L1.
template <class S, class Y>
void row_tile_slots(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const S* __restrict lo,
                    const S* __restrict scale, S top, index_t r0, index_t r1, index_t l0, index_t l1,
                    std::uint16_t* __restrict slot, unsigned& bad_label, unsigned& bad_score) {
#if F1TUNE_HAVE_COUNT_AVX2
    if constexpr (std::is_same_v<S, float> && sizeof(Y) == 1) {
        if (count_avx2::available()) {
            histogram_avx2::row_tile_slots(y, s, lo, scale, top, r0, r1, l0, l1, slot, bad_label, bad_score);
            return;
        }
    }
#endif
    const index_t L = l1 - l0;
    lo += l0;
    scale += l0;
    unsigned bl = 0, bs = 0;
    for (index_t r = r0; r < r1; ++r) {
        const S* __restrict srow = s.data + r * s.row_stride + l0;
        const Y* __restrict yrow = y.data + r * y.row_stride + l0;
        std::uint16_t* __restrict out = slot + (r - r0) * L;
        for (index_t l = 0; l < L; ++l) {
            const S v = srow[l];
            const Y lab = yrow[l];
            bl |= static_cast<unsigned>(is_bad_label(lab));
            bs |= static_cast<unsigned>(is_bad_score(v));
            out[l] = bucket_slot(linear_bucket(v, lo[l], scale[l], top), lab);
        }
    }
    bad_label |= bl;
    bad_score |= bs;
}

// The loop of column_slots, with unit strides known at compile time or not.
template <class S, class Y, bool Contiguous>
F1TUNE_ALWAYS_INLINE void column_slots_impl(const S* __restrict sc, const Y* __restrict yc, index_t ss, index_t ys, index_t n, S lo,
                       S scale, S top, std::uint16_t* __restrict out, unsigned& bad_label, unsigned& bad_score) {
    unsigned bl = 0, bs = 0;
    for (index_t i = 0; i < n; ++i) {
        const S v = Contiguous ? sc[i] : sc[i * ss];
        const Y lab = Contiguous ? yc[i] : yc[i * ys];
        bl |= static_cast<unsigned>(is_bad_label(lab));
        bs |= static_cast<unsigned>(is_bad_score(v));
        out[i] = bucket_slot(linear_bucket(v, lo, scale, top), lab);
    }
    bad_label |= bl;
    bad_score |= bs;
}

// Slots (bucket * 2 + label) of n elements read with strides ss, ys; contiguous columns get
// their own copy of the loop, which vectorizes.
template <class S, class Y>
F1TUNE_ALWAYS_INLINE void column_slots(const S* sc, const Y* yc, index_t ss, index_t ys, index_t n, S lo, S scale, S top,
                  std::uint16_t* out, unsigned& bad_label, unsigned& bad_score) {
#if F1TUNE_HAVE_COUNT_AVX2
    if constexpr (std::is_same_v<S, float> && sizeof(Y) == 1) {
        if (ss == 1 && ys == 1 && count_avx2::available()) {
            histogram_avx2::column_slots(sc, yc, n, lo, scale, top, out, bad_label, bad_score);
            return;
        }
    }
#endif
    if (ss == 1 && ys == 1)
        column_slots_impl<S, Y, true>(sc, yc, 1, 1, n, lo, scale, top, out, bad_label, bad_score);
    else
        column_slots_impl<S, Y, false>(sc, yc, ss, ys, n, lo, scale, top, out, bad_label, bad_score);
}

}  // namespace detail

}  // namespace f1tune
