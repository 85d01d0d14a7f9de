// Pass one of the histogram-then-refine search: per label, positives and negatives in
// nb buckets of the score (bucket_map.hpp: about rows / 16, 16 to kTopBuckets, so per-label
// memory follows the input), with the label and score checks on the way. Four ways through:
// row-major float32 with one-byte labels whose maps start high (map_floor.hpp) skip bucket 0's
// negatives (flat_offsets, rows back to back); other row-major input scatters tiles of slots
// two labels at a time; many labels go in label groups; other layouts label by label.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "f1tune/bucket_map.hpp"
#include "f1tune/common.hpp"
#include "f1tune/histogram_scatter.hpp"
#include "f1tune/parallel.hpp"

namespace f1tune {

struct Histograms {
    std::vector<count_t> pos, tot;  // (L, nb), ascending keys
    index_t nb = kTopBuckets;       // buckets per label (the maps' n_buckets)
    InputFlags flags;
    const count_t* pos_of(index_t l) const { return pos.data() + l * nb; }
    const count_t* tot_of(index_t l) const { return tot.data() + l * nb; }
};

namespace detail {

// Any layout, label by label over blocks of rows.
template <class S, class Y>
void strided_histograms(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const BucketMap<S>* maps, index_t NB,
                        index_t r0, index_t r1, std::uint16_t* __restrict hist, unsigned& bad_label,
                        unsigned& bad_score) {
    const index_t L = s.cols;
    const index_t R = block_rows<S, Y>(s);
    std::vector<std::uint16_t> slot(static_cast<std::size_t>(R));
    unsigned bl = 0, bs = 0;
    for (index_t rb = r0; rb < r1; rb += R) {
        const index_t re = std::min(r1, rb + R);
        for (index_t l = 0; l < L; ++l) {
            column_slots(s.data + l * s.col_stride + rb * s.row_stride, y.data + l * y.col_stride + rb * y.row_stride,
                         s.row_stride, y.row_stride, re - rb, maps[l].lo, maps[l].scale, maps[l].top(), slot.data(), bl, bs);
            std::uint16_t* __restrict hl = hist + l * NB * 2;
            const std::uint16_t* sl = slot.data();
            for (index_t i = 0; i < re - rb; ++i) hl[sl[i]] = static_cast<std::uint16_t>(hl[sl[i]] + 1);
        }
    }
    bad_label |= bl;
    bad_score |= bs;
}

// Row-major input with many labels (all their histograms far exceed L2): labels in groups of G
// whose 16-bit histograms fit L2, each group read down all rows (G contiguous scores a row);
// workers take whole groups, so there are no per-worker copies and no merge. When a group's
// counts are complete, on_group(l0, n_g, pos, tot) gets them (labels l0 .. l0 + n_g - 1, NB
// buckets each, in a worker's scratch). Returns the value checks' flags.
template <class S, class Y, class OnGroup>
InputFlags grouped_histograms(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const S* lo, const S* scale, S top,
                              index_t NB, index_t G, int n_threads, OnGroup&& on_group) {
    const index_t n = s.rows, L = s.cols;
    const index_t n_groups = (L + G - 1) / G;
    // Row tile: its slots (R x G x 2 bytes) stay in L1.
    const index_t R = std::clamp<index_t>((index_t{16} << 10) / (2 * G), 1, 256);
    const index_t flush_rows = 65535 / R * R;
    std::vector<InputFlags> flags(static_cast<std::size_t>(std::max(1, n_threads)));
    parallel_for(n_groups, n_threads, [&](int w, index_t gb, index_t ge) {
        std::vector<std::uint16_t> h(static_cast<std::size_t>(G * NB * 2), 0);
        std::vector<std::uint16_t> slot(static_cast<std::size_t>(G * R));
        std::vector<count_t> pos(static_cast<std::size_t>(G * NB)), tot(static_cast<std::size_t>(G * NB));
        unsigned bad_label = 0, bad_score = 0;
        for (index_t g = gb; g < ge; ++g) {
            const index_t l0 = g * G, l1 = std::min(L, l0 + G), n_g = l1 - l0;
            std::fill(pos.begin(), pos.end(), 0);
            std::fill(tot.begin(), tot.end(), 0);
            for (index_t c0 = 0; c0 < n; c0 += flush_rows) {
                const index_t c1 = std::min(n, c0 + flush_rows);
                for (index_t t0 = c0; t0 < c1; t0 += R) {
                    const index_t t1 = std::min(c1, t0 + R);
                    row_tile_slots(y, s, lo, scale, top, t0, t1, l0, l1, slot.data(), bad_label, bad_score);
                    scatter_tile(h.data(), NB * 2, slot.data(), n_g, t1 - t0);
                }
                for (index_t i = 0; i < n_g * NB; ++i) {
                    const auto u = static_cast<std::size_t>(i);
                    pos[u] += h[2 * u + 1];
                    tot[u] += count_t{h[2 * u]} + h[2 * u + 1];
                    h[2 * u] = h[2 * u + 1] = 0;
                }
            }
            on_group(l0, n_g, pos.data(), tot.data());
        }
        flags[static_cast<std::size_t>(w)].add(bad_label, bad_score);
    });
    InputFlags out;
    for (const auto& f : flags) out.merge(f);
    return out;
}

// Whether the offset kernel (histogram_avx2::flat_offsets) runs here: float32 scores, one-byte
// labels, an AVX2 CPU.
template <class S, class Y>
bool offsets_available() {
#if F1TUNE_HAVE_COUNT_AVX2
    if constexpr (std::is_same_v<S, float> && sizeof(Y) == 1) return count_avx2::available();
#endif
    return false;
}

#if F1TUNE_HAVE_COUNT_AVX2
using OffsetMaps = histogram_avx2::FlatMaps;
#else
struct OffsetMaps {};  // the kernel is AVX2 only: offsets_available() is false
#endif

template <class S>
std::unique_ptr<OffsetMaps> offset_maps(const S* lo, const S* scale, index_t L, index_t stride) {
#if F1TUNE_HAVE_COUNT_AVX2
    if constexpr (std::is_same_v<S, float>)
        return std::make_unique<OffsetMaps>(lo, scale, L, static_cast<std::uint32_t>(stride));
#endif
    (void)lo, (void)scale, (void)L, (void)stride;
    return nullptr;  // not reached: offsets_available() is false
}

// The offsets of rows [r0, r1) (histogram_avx2::flat_offsets), where offsets_available().
template <class S, class Y>
index_t flat_offsets(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const OffsetMaps& maps, S top, index_t r0,
                     index_t r1, std::uint32_t* out, unsigned& bad_label, unsigned& bad_score) {
#if F1TUNE_HAVE_COUNT_AVX2
    if constexpr (std::is_same_v<S, float> && sizeof(Y) == 1)
        return histogram_avx2::flat_offsets(y.data, s.data, s.cols, maps, top, r0, r1, out, bad_label, bad_score);
#endif
    (void)y, (void)s, (void)maps, (void)top, (void)r0, (void)r1, (void)out, (void)bad_label, (void)bad_score;
    return 0;  // not reached: offsets_available() is false
}

// Many labels: per-worker copies of every label's histogram would live in memory, not cache.
inline bool grouped(bool by_row, index_t L, index_t NB) {
    constexpr index_t kGroupedAbove = index_t{4} << 20;
    return by_row && L * NB * 4 > kGroupedAbove;
}

// Slot 0 (bucket 0's negatives) of each label's 16-bit histogram at hist + l * stride: the rows
// counted (`rows`, at most 65535) less every other slot of the label.
inline void complete_bucket0(std::uint16_t* hist, index_t L, index_t stride, index_t rows) {
    for (index_t l = 0; l < L; ++l) {
        std::uint16_t* hl = hist + l * stride;
        index_t others = 0;
        for (index_t j = 1; j < stride; ++j) others += hl[j];
        hl[0] = static_cast<std::uint16_t>(rows - others);
    }
}

}  // namespace detail

// Whether build_histograms skips bucket 0's negatives for this input (NB buckets a label): rows
// back to back (read as one flat run), float32 with one-byte labels. It makes maps that start
// high (map_floor.hpp) cheaper; elsewhere a crowded bucket 0 would make the increments a chain
// on one counter, so other inputs keep the maps' usual start.
template <class S, class Y>
bool skips_bucket0(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, index_t NB) {
    const bool back_to_back = read_by_row(y, s) && s.row_stride == s.cols && y.row_stride == s.cols;
    return back_to_back && !detail::grouped(true, s.cols, NB) && detail::offsets_available<S, Y>() &&
           s.cols * NB * 2 < (index_t{1} << 32);
}

// Whether a search should start its maps at the sample's floors (map_floor.hpp) and skip bucket
// 0: where the pass can skip it, on inputs large enough (2^24 elements) to repay the floors'
// work on the sample (~1 ms at 100 labels: 7% of tuning 100,000 x 100, 1% at 1,000,000).
template <class S, class Y>
bool raise_maps(const StridedMatrix<Y>& y, const StridedMatrix<S>& s) {
    return s.rows * s.cols >= (index_t{1} << 24) && skips_bucket0(y, s, buckets_for_rows(s.rows));
}

// Whether build_histograms works through label groups (many labels, row-major input) for this
// input: for_each_label_group then gives each group's histograms without storing them all.
template <class S, class Y>
bool label_groups(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, index_t NB) {
    return detail::grouped(read_by_row(y, s), s.cols, NB);
}

// The histograms of label_groups() input, a group at a time (detail::grouped_histograms'
// on_group, called on the worker threads); returns the value checks' flags.
template <class S, class Y, class OnGroup>
InputFlags for_each_label_group(const StridedMatrix<Y>& y, const StridedMatrix<S>& s,
                                const std::vector<BucketMap<S>>& maps, int n_threads, OnGroup&& on_group) {
    const index_t n = s.rows, L = s.cols;
    const index_t NB = maps.empty() ? kTopBuckets : maps[0].n_buckets;
    std::vector<S> lo(static_cast<std::size_t>(L)), scale(static_cast<std::size_t>(L));
    for (std::size_t l = 0; l < maps.size(); ++l) {
        lo[l] = maps[l].lo;
        scale[l] = maps[l].scale;
    }
    constexpr index_t kGroupBytes = index_t{192} << 10;  // a group's 16-bit histograms, in L2
    const index_t G = std::max<index_t>(16, kGroupBytes / (4 * NB));
    return detail::grouped_histograms(y, s, lo.data(), scale.data(), static_cast<S>(NB - 1), NB, G,
                                      choose_threads(n_threads, n * L, (L + G - 1) / G), on_group);
}

// `skip_bucket0` (honoured where skips_bucket0() allows it) is for maps that put many elements in
// bucket 0; elsewhere the label-pair scatter of a slot tile is faster.
template <class S, class Y>
Histograms build_histograms(const StridedMatrix<Y>& y, const StridedMatrix<S>& s,
                            const std::vector<BucketMap<S>>& maps, int n_threads, bool skip_bucket0 = false) {
    const index_t n = s.rows, L = s.cols;
    const index_t NB = maps.empty() ? kTopBuckets : maps[0].n_buckets;  // the same for every label
    const S top = static_cast<S>(NB - 1);
    const int workers = choose_threads(n_threads, n * L, n);
    std::vector<S> lo(static_cast<std::size_t>(L)), scale(static_cast<std::size_t>(L));
    for (std::size_t l = 0; l < maps.size(); ++l) {
        lo[l] = maps[l].lo;
        scale[l] = maps[l].scale;
    }
    const bool by_row = read_by_row(y, s);
    // Many labels: per-worker copies of every label's histogram would live in memory, not cache.
    if (detail::grouped(by_row, L, NB)) {
        Histograms out;
        out.nb = NB;
        out.pos.resize(static_cast<std::size_t>(L * NB));
        out.tot.resize(static_cast<std::size_t>(L * NB));
        out.flags = for_each_label_group(y, s, maps, n_threads,
                                         [&](index_t l0, index_t n_g, const count_t* pos, const count_t* tot) {
                                             std::copy(pos, pos + n_g * NB, out.pos.data() + l0 * NB);
                                             std::copy(tot, tot + n_g * NB, out.tot.data() + l0 * NB);
                                         });
        return out;
    }
    // Row tile: its slots (R x L x 2 bytes) stay in L2; very wide rows get shorter tiles.
    const index_t R = std::clamp<index_t>((index_t{256} << 10) / std::max<index_t>(1, 2 * L), 1, 256);
    // Parts count negatives and positives (the flush below reads them straight off the interleaved
    // 16-bit slots); totals are formed once, after the merge.
    struct Part {
        std::vector<count_t> neg, pos;  // (L, kTopBuckets)
        InputFlags flags;
    };
    // Row-major float32 with one-byte labels: offsets that skip bucket 0's negatives (many, where
    // map_floor raised the maps), one increment for each of the others.
    skip_bucket0 = skip_bucket0 && skips_bucket0(y, s, NB);
    // The offset kernel's per-position maps, where it runs (skip_bucket0: rows back to back).
    std::unique_ptr<detail::OffsetMaps> offset_maps;
    if (skip_bucket0) offset_maps = detail::offset_maps(lo.data(), scale.data(), L, NB * 2);
    auto count_rows = [&](Part& p, index_t b0, index_t e0) {
        // 16-bit counters (4 NB bytes per label), flushed every 65535 rows.
        std::vector<std::uint16_t> h(static_cast<std::size_t>(L * NB * 2), 0);
        std::vector<std::uint16_t> slot(by_row && !skip_bucket0 ? static_cast<std::size_t>(L * R) : 0);
        std::vector<std::uint32_t> off(skip_bucket0 ? static_cast<std::size_t>(L * R + 8) : 0);
        unsigned bad_label = 0, bad_score = 0;
        const index_t flush_rows = 65535 / R * R;
        for (index_t c0 = b0; c0 < e0; c0 += flush_rows) {
            const index_t c1 = std::min(e0, c0 + flush_rows);
            if (skip_bucket0) {
                for (index_t t0 = c0; t0 < c1; t0 += R) {
                    const index_t t1 = std::min(c1, t0 + R);
                    const index_t k =
                        detail::flat_offsets(y, s, *offset_maps, top, t0, t1, off.data(), bad_label, bad_score);
                    std::uint16_t* __restrict hh = h.data();
                    for (index_t i = 0; i < k; ++i) ++hh[off[static_cast<std::size_t>(i)]];
                }
                detail::complete_bucket0(h.data(), L, NB * 2, c1 - c0);
            } else if (by_row) {
                for (index_t t0 = c0; t0 < c1; t0 += R) {
                    const index_t t1 = std::min(c1, t0 + R);
                    detail::row_tile_slots(y, s, lo.data(), scale.data(), top, t0, t1, 0, L, slot.data(), bad_label,
                                           bad_score);
                    detail::scatter_tile(h.data(), NB * 2, slot.data(), L, t1 - t0);
                }
            } else {
                detail::strided_histograms(y, s, maps.data(), NB, c0, c1, h.data(), bad_label, bad_score);
            }
            for (index_t i = 0; i < L * NB; ++i) {
                const auto u = static_cast<std::size_t>(i);
                p.neg[u] += h[2 * u];
                p.pos[u] += h[2 * u + 1];
                h[2 * u] = h[2 * u + 1] = 0;
            }
        }
        p.flags.add(bad_label, bad_score);
    };
    Part all = accumulate_then_merge(
        n, workers,
        [&] {
            Part p;
            p.neg.assign(static_cast<std::size_t>(L * NB), 0);
            p.pos.assign(static_cast<std::size_t>(L * NB), 0);
            return p;
        },
        count_rows,
        [](Part& total, const Part& p) {
            for (std::size_t i = 0; i < total.pos.size(); ++i) {  // one loop for both (fewer passes)
                total.neg[i] += p.neg[i];
                total.pos[i] += p.pos[i];
            }
            total.flags.merge(p.flags);
        });
    Histograms out;
    out.nb = NB;
    out.tot = std::move(all.neg);
    add_into(out.tot, all.pos);
    out.pos = std::move(all.pos);
    out.flags = all.flags;
    return out;
}

}  // namespace f1tune
