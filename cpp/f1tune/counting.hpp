// Confusion counts of multi-label predictions `y_score >= threshold`, in one pass over the data.
//
// Three entry points, all returning per-label sums from which every confusion cell follows:
//   count_at_thresholds  one threshold per label           -> tp[L], pp[L], pos[L]
//   count_batch          T threshold settings, one pass    -> tp[T][L], pp[T][L], pos[L]
//                        (float32 scores with one-byte labels: count_batch_index.hpp and
//                        count_batch_avx2.hpp; other inputs, or thresholds too clustered for
//                        that index: threshold_index.hpp)
//   sample_fbeta_sums    per-sample F-beta for T settings  -> sum of F over rows, undefined rows
// (pp = predicted positives, pos = actual positives; fp = pp - tp, fn = pos - tp, tn = n - pos - fp.)
// float32 scores with one-byte labels take the AVX2 kernels (count_avx2.hpp) where the CPU has
// them; rows are handed to the workers in dynamic chunks (count_parallel.hpp).
#pragma once

#include "f1tune/common.hpp"
#include "f1tune/count_avx2.hpp"
#include "f1tune/count_batch_avx2.hpp"
#include "f1tune/count_batch_index.hpp"
#include "f1tune/count_parallel.hpp"
#include "f1tune/parallel.hpp"
#include "f1tune/threshold_index.hpp"

namespace f1tune {

struct LabelCounts {
    std::vector<count_t> tp, pp, pos;
    InputFlags flags;

    LabelCounts() = default;
    LabelCounts(index_t n_counts, index_t n_labels)
        : tp(static_cast<std::size_t>(n_counts), 0),
          pp(static_cast<std::size_t>(n_counts), 0),
          pos(static_cast<std::size_t>(n_labels), 0) {}
    void merge(const LabelCounts& o) {
        add_into(tp, o.tp);
        add_into(pp, o.pp);
        add_into(pos, o.pos);
        flags.merge(o.flags);
    }
};

namespace detail {

// Rows per block accumulated in 32-bit counters (vectorizes better than 64-bit) before flushing.
constexpr index_t kBlockRows = index_t{1} << 20;

// Counts rows [r0, r1) of a view whose labels are contiguous (C order): the inner loop runs
// along the labels with unit stride, so it vectorizes.
template <class S, class Y>
void count_rows_label_contiguous(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const S* thr,
                                 index_t r0, index_t r1, count_t* tp, count_t* pp, count_t* pos,
                                 InputFlags& flags) {
    const index_t L = s.cols;
    std::vector<std::uint32_t> tp32(static_cast<std::size_t>(L)), pp32(static_cast<std::size_t>(L)),
        pos32(static_cast<std::size_t>(L));
    unsigned bad_label = 0, bad_score = 0;
    for (index_t b = r0; b < r1; b += kBlockRows) {
        const index_t be = std::min(r1, b + kBlockRows);
        std::fill(tp32.begin(), tp32.end(), 0u);
        std::fill(pp32.begin(), pp32.end(), 0u);
        std::fill(pos32.begin(), pos32.end(), 0u);
        std::uint32_t* __restrict t32 = tp32.data();
        std::uint32_t* __restrict p32 = pp32.data();
        std::uint32_t* __restrict q32 = pos32.data();
        for (index_t r = b; r < be; ++r) {
            const S* __restrict srow = s.data + r * s.row_stride;
            const Y* __restrict yrow = y.data + r * y.row_stride;
            for (index_t l = 0; l < L; ++l) {
                const S v = srow[l];
                const Y lab = yrow[l];
                const std::uint32_t p = v >= thr[l] ? 1u : 0u;
                const std::uint32_t t = static_cast<std::uint32_t>(lab) & 1u;
                p32[l] += p;
                t32[l] += p & t;
                q32[l] += t;
                bad_label |= is_bad_label(lab) ? 1u : 0u;
                bad_score |= is_bad_score(v) ? 1u : 0u;
            }
        }
        for (index_t l = 0; l < L; ++l) {
            tp[l] += tp32[static_cast<std::size_t>(l)];
            pp[l] += pp32[static_cast<std::size_t>(l)];
            pos[l] += pos32[static_cast<std::size_t>(l)];
        }
    }
    flags.add(bad_label, bad_score);
}

// Counts rows [r0, r1) one label at a time: fast when rows are contiguous (Fortran order, one
// label), correct for any strides. Unit strides get their own copy of the loop, which vectorizes.
template <class S, class Y, bool Contiguous>
void count_rows_by_label_impl(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const S* thr, index_t r0,
                              index_t r1, count_t* tp, count_t* pp, count_t* pos, InputFlags& flags) {
    unsigned bad_label = 0, bad_score = 0;
    for (index_t l = 0; l < s.cols; ++l) {
        const S* __restrict scol = s.data + l * s.col_stride;
        const Y* __restrict ycol = y.data + l * y.col_stride;
        const index_t ss = Contiguous ? 1 : s.row_stride, ys = Contiguous ? 1 : y.row_stride;
        const S th = thr[l];
        count_t t_sum = 0, p_sum = 0, q_sum = 0;
        for (index_t b = r0; b < r1; b += kBlockRows) {
            const index_t be = std::min(r1, b + kBlockRows);
            std::uint32_t t32 = 0, p32 = 0, q32 = 0;
            for (index_t r = b; r < be; ++r) {
                const S v = scol[r * ss];
                const Y lab = ycol[r * ys];
                const std::uint32_t p = v >= th ? 1u : 0u;
                const std::uint32_t t = static_cast<std::uint32_t>(lab) & 1u;
                p32 += p;
                t32 += p & t;
                q32 += t;
                bad_label |= is_bad_label(lab) ? 1u : 0u;
                bad_score |= is_bad_score(v) ? 1u : 0u;
            }
            t_sum += t32;
            p_sum += p32;
            q_sum += q32;
        }
        tp[l] += t_sum;
        pp[l] += p_sum;
        pos[l] += q_sum;
    }
    flags.add(bad_label, bad_score);
}

template <class S, class Y>
void count_rows_by_label(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const S* thr, index_t r0,
                         index_t r1, count_t* tp, count_t* pp, count_t* pos, InputFlags& flags) {
    if (s.row_stride == 1 && y.row_stride == 1)
        count_rows_by_label_impl<S, Y, true>(y, s, thr, r0, r1, tp, pp, pos, flags);
    else
        count_rows_by_label_impl<S, Y, false>(y, s, thr, r0, r1, tp, pp, pos, flags);
}

// The AVX2 kernels (count_avx2.hpp) on rows [r0, r1), for float32 scores and one-byte labels in
// the layouts they cover; false (nothing counted) for every other case, which the scalar kernels take.
template <class S, class Y>
bool count_rows_avx2(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const S* thr, bool by_row, index_t r0,
                     index_t r1, count_t* tp, count_t* pp, count_t* pos, InputFlags& flags) {
#if F1TUNE_HAVE_COUNT_AVX2
    if constexpr (std::is_same_v<S, float> && sizeof(Y) == 1) {
        if (!count_avx2::available() || r1 <= r0) return false;
        const index_t L = s.cols;
        const auto* yb = reinterpret_cast<const std::uint8_t*>(y.data);
        if (by_row) {
            const index_t C = count_avx2::flat_period(L);
            if (C != 0 && s.row_stride == L && y.row_stride == L) {
                // one flat run of whole periods, the < C / L rows left over by the scalar kernel
                std::vector<float> thr_period(static_cast<std::size_t>(C));
                for (index_t k = 0; k < C; ++k) thr_period[static_cast<std::size_t>(k)] = thr[k % L];
                std::vector<std::uint8_t> work(static_cast<std::size_t>(3 * C));
                const index_t P = C / L, periods = (r1 - r0) / P;
                count_avx2::count_flat(s.data + r0 * L, yb + r0 * L, L, C, thr_period.data(), periods, work.data(),
                                       tp, pp, pos, flags);
                if (r0 + periods * P < r1)
                    count_rows_label_contiguous(y, s, thr, r0 + periods * P, r1, tp, pp, pos, flags);
                return true;
            }
            if (L < 32) return false;
            std::vector<std::uint8_t> work(static_cast<std::size_t>(3 * L));
            count_avx2::count_rows(s.data + r0 * s.row_stride, s.row_stride, yb + r0 * y.row_stride, y.row_stride, L,
                                   thr, r1 - r0, work.data(), tp, pp, pos, flags);
            return true;
        }
        if (!(s.row_stride == 1 && y.row_stride == 1)) return false;
        unsigned bad_label = 0, bad_score = 0;
        for (index_t l = 0; l < L; ++l) {
            const float* scol = s.data + l * s.col_stride;
            const std::uint8_t* ycol = yb + l * y.col_stride;
            const index_t done =
                count_avx2::count_column(scol + r0, ycol + r0, thr[l], r1 - r0, tp[l], pp[l], pos[l], flags);
            for (index_t r = r0 + done; r < r1; ++r) {  // the < 32 rows left
                const float v = scol[r];
                const std::uint8_t lab = ycol[r];
                const count_t p = v >= thr[l] ? 1 : 0, t = lab & 1;
                pp[l] += p;
                tp[l] += p & t;
                pos[l] += t;
                bad_label |= is_bad_label(lab) ? 1u : 0u;
                bad_score |= is_bad_score(v) ? 1u : 0u;
            }
        }
        flags.add(bad_label, bad_score);
        return true;
    }
#endif
    (void)y, (void)s, (void)thr, (void)by_row, (void)r0, (void)r1, (void)tp, (void)pp, (void)pos, (void)flags;
    return false;
}

}  // namespace detail

// Per-label counts of `s >= thresholds[l]`. thresholds has s.cols entries.
template <class S, class Y>
LabelCounts count_at_thresholds(const StridedMatrix<Y>& y, const StridedMatrix<S>& s,
                                const double* thresholds, int n_threads) {
    const index_t n = s.rows, L = s.cols;
    std::vector<S> thr(static_cast<std::size_t>(L));
    for (index_t l = 0; l < L; ++l) thr[static_cast<std::size_t>(l)] = threshold_as<S>(thresholds[l]);

    const int workers = choose_threads(n_threads, n * L, n);
    const bool by_row = read_by_row(y, s);
    // chunks of a multiple of 32 rows: whole periods of the flat kernel, whole column groups
    return accumulate_chunks_then_merge(
        n, workers, chunk_rows(n, workers, 32, index_t{1} << 20), [&] { return LabelCounts(L, L); },
        [&](LabelCounts& p, index_t b, index_t e) {
            if (detail::count_rows_avx2(y, s, thr.data(), by_row, b, e, p.tp.data(), p.pp.data(), p.pos.data(),
                                        p.flags))
                return;
            if (by_row)
                detail::count_rows_label_contiguous(y, s, thr.data(), b, e, p.tp.data(), p.pp.data(), p.pos.data(),
                                                    p.flags);
            else
                detail::count_rows_by_label(y, s, thr.data(), b, e, p.tp.data(), p.pp.data(), p.pos.data(),
                                            p.flags);
        },
        [](LabelCounts& total, const LabelCounts& p) { total.merge(p); });
}

namespace detail {

// Labels per block of count_batch: the block's bins (T+1 per label, 64-bit per worker and 16-bit
// per worker) and threshold index (~T * 100 bytes) stay within ~64 MiB, so memory beyond the
// (T, L) output is bounded whatever L. One block when it all fits (the usual shapes).
inline index_t batch_label_block(index_t T, index_t L, int workers) {
    const index_t per_label = (T + 1) * 2 * 10 * std::max(1, workers) + T * 100;
    return std::clamp<index_t>((index_t{64} << 20) / std::max<index_t>(1, per_label), 1, std::max<index_t>(1, L));
}

// count_batch_block's AVX2 path (count_batch_avx2.hpp) for float32 scores and one-byte labels
// read along contiguous labels or contiguous rows; false (nothing written) for every other case,
// and when the thresholds are too clustered for a BatchIndex.
template <class S, class Y>
bool count_batch_block_avx2(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const double* thresholds,
                            index_t T, index_t ld, index_t l0, int n_threads, LabelCounts& out) {
#if F1TUNE_HAVE_COUNT_AVX2
    if constexpr (std::is_same_v<S, float> && sizeof(Y) == 1) {
        const index_t n = s.rows, L = s.cols;
        const bool by_row = read_by_row(y, s);
        if (!count_avx2::available()) return false;
        if (!by_row && !((s.row_stride == 1 && y.row_stride == 1) || n == 1)) return false;
        BatchIndex ix;
        if (!build_batch_index(thresholds, T, L, ld, [](double t) { return threshold_as<float>(t); }, ix))
            return false;
        const auto* yb = reinterpret_cast<const std::uint8_t*>(y.data);
        struct Bins {
            std::vector<count_t> counts;     // (n_bins, 2): [interval][is positive]
            std::vector<std::uint16_t> b16;  // the current chunk's counts
            std::vector<std::int32_t> entry, slot;
            InputFlags flags;
        };
        // 16-bit bins (a small working set); a row adds at most 1 to a bin, so chunks of at most
        // 65535 rows, each flushed into the 64-bit counts.
        constexpr index_t kColumnChunk = 512;
        const auto n_slots = static_cast<std::size_t>(2 * ix.n_bins);
        const auto buf = static_cast<std::size_t>(by_row ? L : kColumnChunk);
        auto bin_rows = [&](Bins& p, index_t b, index_t e) {
            if (by_row)
                count_avx2::bin_rows(ix, s.data + b * s.row_stride, s.row_stride, yb + b * y.row_stride, y.row_stride,
                                     L, e - b, p.entry.data(), p.slot.data(), p.b16.data(), p.flags);
            else
                count_avx2::bin_columns(ix, s.data + b, s.col_stride, yb + b, y.col_stride, L, e - b, kColumnChunk,
                                        p.entry.data(), p.slot.data(), p.b16.data(), p.flags);
            for (std::size_t i = 0; i < n_slots; ++i) p.counts[i] += p.b16[i];
            std::fill(p.b16.begin(), p.b16.end(), std::uint16_t{0});
        };
        const int workers = choose_threads(n_threads, n * L, n);
        const Bins all = accumulate_chunks_then_merge(
            n, workers, chunk_rows(n, workers, 32, 65535),
            [&] {
                return Bins{std::vector<count_t>(n_slots, 0), std::vector<std::uint16_t>(n_slots, 0),
                            std::vector<std::int32_t>(buf), std::vector<std::int32_t>(buf), {}};
            },
            bin_rows,
            [](Bins& total, const Bins& p) {
                add_into(total.counts, p.counts);
                total.flags.merge(p.flags);
            });
        out.flags.merge(all.flags);
        // Setting j predicts v positive iff v's interval k > rank(j): suffix sums over intervals.
        const index_t n_tables = ix.shared ? 1 : L;
        std::vector<count_t> pp_from, tp_from;  // counts of intervals >= k
        for (index_t l = 0; l < L; ++l) {
            const index_t t = ix.table_of(l);
            const index_t D = ix.n_distinct[static_cast<std::size_t>(t)];
            const count_t* bins = all.counts.data() + 2 * ix.bin_offset[static_cast<std::size_t>(l)];
            pp_from.assign(static_cast<std::size_t>(D + 2), 0);
            tp_from.assign(static_cast<std::size_t>(D + 2), 0);
            for (index_t k = D; k >= 0; --k) {
                const auto u = static_cast<std::size_t>(k);
                pp_from[u] = pp_from[u + 1] + bins[2 * k] + bins[2 * k + 1];
                tp_from[u] = tp_from[u + 1] + bins[2 * k + 1];
            }
            const index_t g = l0 + l;  // the label in the whole array
            for (index_t j = 0; j < T; ++j) {
                const auto r = static_cast<std::size_t>(ix.rank[static_cast<std::size_t>(j * n_tables + t)]);
                out.pp[static_cast<std::size_t>(j * ld + g)] = pp_from[r + 1];
                out.tp[static_cast<std::size_t>(j * ld + g)] = tp_from[r + 1];
            }
            out.pos[static_cast<std::size_t>(g)] = tp_from[0];
        }
        return true;
    }
#endif
    (void)y, (void)s, (void)thresholds, (void)T, (void)ld, (void)l0, (void)n_threads, (void)out;
    return false;
}

// count_batch on one block of labels: each score lands in one of T+1 bins (how many of its
// label's thresholds it clears); suffix sums over the bins give the counts for every setting.
// Writes the block's columns of out.tp / out.pp (ld = all labels) and out.pos[l0 + .].
template <class S, class Y>
void count_batch_block(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const double* thresholds, index_t T,
                       index_t ld, index_t l0, int n_threads, LabelCounts& out) {
    if (count_batch_block_avx2(y, s, thresholds, T, ld, l0, n_threads, out)) return;
    const index_t n = s.rows, L = s.cols, B = T + 1;
    std::vector<index_t> order;
    const ThresholdIndex<S> ix = build_threshold_index<S>(thresholds, T, L, ld, order);

    const int workers = choose_threads(n_threads, n * L, n);
    struct Bins {
        std::vector<count_t> counts;  // (L, T+1, 2): [label][bin][is positive]
        InputFlags flags;
    };
    const bool by_row = read_by_row(y, s);
    // Two loops per row: the lookups first (into a small buffer), then the bin increments.
    // Fused, each store's address waits on a long lookup chain and stalls the following loads.
    // 16-bit bins keep the working set small; a row adds at most 1 to a bin, so flush every 65535.
    constexpr index_t kFlushRows = 65535;
    auto bin_rows = [&](Bins& p, index_t b, index_t e) {
        std::vector<std::uint16_t> bins16(static_cast<std::size_t>(L * B * 2), 0);
        std::vector<std::uint32_t> slot(static_cast<std::size_t>(by_row ? L : std::min<index_t>(e - b, kFlushRows)));
        std::uint16_t* bins = bins16.data();
        std::uint32_t* sl = slot.data();
        unsigned bad_label = 0, bad_score = 0;
        for (index_t fb = b; fb < e; fb += kFlushRows) {
            const index_t fe = std::min(e, fb + kFlushRows);
            if (by_row) {
                for (index_t r = fb; r < fe; ++r) {
                    const S* srow = s.data + r * s.row_stride;
                    const Y* yrow = y.data + r * y.row_stride;
                    for (index_t l = 0; l < L; ++l) {
                        const S v = srow[l];
                        const Y lab = yrow[l];
                        bad_label |= is_bad_label(lab) ? 1u : 0u;
                        bad_score |= is_bad_score(v) ? 1u : 0u;
                        const index_t k = ix.count_not_above(l, v);
                        sl[l] = static_cast<std::uint32_t>((l * B + k) * 2 + (static_cast<index_t>(lab) & 1));
                    }
                    for (index_t l = 0; l < L; ++l) bins[sl[l]] += 1;
                }
            } else {
                for (index_t l = 0; l < L; ++l) {
                    for (index_t r = fb; r < fe; ++r) {
                        const S v = s(r, l);
                        const Y lab = y(r, l);
                        bad_label |= is_bad_label(lab) ? 1u : 0u;
                        bad_score |= is_bad_score(v) ? 1u : 0u;
                        const index_t k = ix.count_not_above(l, v);
                        sl[r - fb] = static_cast<std::uint32_t>((l * B + k) * 2 + (static_cast<index_t>(lab) & 1));
                    }
                    for (index_t r = fb; r < fe; ++r) bins[sl[r - fb]] += 1;
                }
            }
            for (std::size_t i = 0; i < bins16.size(); ++i) p.counts[i] += bins16[i];
            std::fill(bins16.begin(), bins16.end(), std::uint16_t{0});
        }
        p.flags.add(bad_label, bad_score);
    };
    const Bins all = accumulate_then_merge(
        n, workers, [&] { return Bins{std::vector<count_t>(static_cast<std::size_t>(L * B * 2), 0), {}}; },
        bin_rows,
        [](Bins& total, const Bins& p) {
            add_into(total.counts, p.counts);
            total.flags.merge(p.flags);
        });

    out.flags.merge(all.flags);
    for (index_t l = 0; l < L; ++l) {
        const count_t* bins = all.counts.data() + l * B * 2;
        const index_t g = l0 + l;  // the label in the whole array
        // A score in bin k clears the j-th smallest threshold iff j < k: suffix sums over bins.
        count_t pp_acc = 0, tp_acc = 0;
        for (index_t k = B - 1; k >= 1; --k) {
            pp_acc += bins[2 * k] + bins[2 * k + 1];
            tp_acc += bins[2 * k + 1];
            const index_t setting = order[static_cast<std::size_t>(l * T + (k - 1))];
            out.pp[static_cast<std::size_t>(setting * ld + g)] = pp_acc;
            out.tp[static_cast<std::size_t>(setting * ld + g)] = tp_acc;
        }
        out.pos[static_cast<std::size_t>(g)] = tp_acc + bins[1];
    }
}

}  // namespace detail

// Counts for T threshold settings at once. thresholds is a C-contiguous (T, L) array. One pass
// over the data per block of labels (detail::batch_label_block; one block for most shapes), so
// that the work memory beyond the (T, L) result stays bounded however many labels there are.
template <class S, class Y>
LabelCounts count_batch(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const double* thresholds,
                        index_t T, int n_threads) {
    const index_t n = s.rows, L = s.cols;
    LabelCounts out(T * L, L);
    const index_t Lb = detail::batch_label_block(T, L, choose_threads(n_threads, n * L, n));
    for (index_t l0 = 0; l0 < L; l0 += Lb) {
        const index_t l1 = std::min(L, l0 + Lb);
        StridedMatrix<S> sb = s;
        StridedMatrix<Y> yb = y;
        sb.data += l0 * s.col_stride;
        yb.data += l0 * y.col_stride;
        sb.cols = yb.cols = l1 - l0;
        detail::count_batch_block(yb, sb, thresholds + l0, T, L, l0, n_threads, out);
    }
    return out;
}

struct SampleSums {
    std::vector<double> fbeta_sum;      // (T,) sum over rows of the per-row F-beta, defined rows only
    std::vector<count_t> n_undefined;   // (T,) rows with no true and no predicted positive
    InputFlags flags;

    SampleSums() = default;
    explicit SampleSums(index_t T)
        : fbeta_sum(static_cast<std::size_t>(T), 0.0), n_undefined(static_cast<std::size_t>(T), 0) {}
};

// Per-sample (row-wise) F-beta for T settings, summed over rows. thresholds is C-contiguous (T, L).
template <class S, class Y>
SampleSums sample_fbeta_sums(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const double* thresholds,
                             index_t T, double beta2, int n_threads) {
    const index_t n = s.rows, L = s.cols;
    std::vector<S> thr(static_cast<std::size_t>(T * L));
    for (std::size_t i = 0; i < thr.size(); ++i) thr[i] = threshold_as<S>(thresholds[i]);
    const int workers = choose_threads(n_threads, n * L * T, n);
    auto score_rows = [&](SampleSums& p, index_t b, index_t e) {
        unsigned bad_label = 0, bad_score = 0;
        for (index_t r = b; r < e; ++r) {
            count_t pos = 0;
            for (index_t l = 0; l < L; ++l) {
                const Y lab = y(r, l);
                bad_label |= is_bad_label(lab) ? 1u : 0u;
                bad_score |= is_bad_score(s(r, l)) ? 1u : 0u;
                pos += static_cast<count_t>(lab) & 1;
            }
            for (index_t t = 0; t < T; ++t) {
                const S* th = thr.data() + t * L;
                count_t tp = 0, pp = 0;
                for (index_t l = 0; l < L; ++l) {
                    const count_t pred = s(r, l) >= th[l] ? 1 : 0;
                    pp += pred;
                    tp += pred & (static_cast<count_t>(y(r, l)) & 1);
                }
                const double denom = beta2 * static_cast<double>(pos) + static_cast<double>(pp);
                if (denom == 0.0)
                    p.n_undefined[static_cast<std::size_t>(t)] += 1;
                else
                    p.fbeta_sum[static_cast<std::size_t>(t)] += (1.0 + beta2) * static_cast<double>(tp) / denom;
            }
        }
        p.flags.add(bad_label, bad_score);
    };
    return accumulate_then_merge(
        n, workers, [&] { return SampleSums(T); }, score_rows, [](SampleSums& total, const SampleSums& p) {
            add_into(total.fbeta_sum, p.fbeta_sum);
            add_into(total.n_undefined, p.n_undefined);
            total.flags.merge(p.flags);
        });
}

}  // namespace f1tune
