// The exact best cut over a label's scores once they are in order: groups of equal keys visited
// from the highest down, and the radix sort that puts a gathered buffer in that order.
//
// A cut predicts positive every score >= some key, so it sits between two groups of equal keys.
// The sweep adds one group at a time and keeps the best cut; ties keep the higher cut (the first
// one found), and every comparison is exact (objective.hpp).
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "f1tune/common.hpp"
#include "f1tune/tune_common.hpp"

namespace f1tune::detail {

// The running best cut over groups (key, positives, total) added in descending key order, below a
// context (tp0, pp0) that counts everything above the first group.
template <class K, class Obj>
class GroupSweep {
public:
    GroupSweep(count_t tp0, count_t pp0, const Obj& obj) : obj_(obj), tp_(tp0), pp_(pp0) {
        best_.tp = tp0;
        best_.pp = pp0;
        best_.value = obj(tp0, pp0);
        rival_ = best_.value - obj.tol;
    }

    void add(K key, count_t positives, count_t total) {
        // The first group, or the group after the best cut, is the highest score below that cut.
        if (below_pending_) {
            best_.has_below = true;
            best_.below = key;
            below_pending_ = false;
        }
        tp_ += positives;
        pp_ += total;
        if (!obj_.may_reach(tp_, pp_, rival_)) return;
        const double v = obj_(tp_, pp_);
        // Estimates below `rival` (the best's less its rounding bound) cannot tie or beat it.
        if (v >= rival_ && obj_.compare({v, tp_, pp_}, {best_.value, best_.tp, best_.pp}) > 0) {
            rival_ = v - obj_.tol;
            best_.tp = tp_;
            best_.pp = pp_;
            best_.value = v;
            best_.has_lowest = true;
            best_.lowest = key;
            best_.has_below = false;
            best_.below = K{0};
            below_pending_ = true;
        }
    }

    const Cut<K>& best() const { return best_; }

private:
    const Obj& obj_;
    Cut<K> best_;
    double rival_;
    count_t tp_, pp_;
    bool below_pending_ = true;
};

// Sorts n (key, label) pairs ascending by key, as 64-bit words (key - kmin) << 1 | label, with an
// LSD radix sort over the bits of kmax - kmin (digits of 6 to 11 bits, about log2(n): small
// buffers, many labels with few rows each, then zero only small count tables; a digit every
// word shares is skipped). Returns false, leaving `out` untouched, when the span does not fit
// 63 bits (float64 keys far apart), for a comparison sort to take over.
template <class K>
bool radix_sort_pairs(const K* keys, const std::uint8_t* ys, std::size_t n, K kmin, K kmax,
                      std::vector<std::uint64_t>& out, std::vector<std::uint64_t>& scratch) {
    const auto span = static_cast<std::uint64_t>(kmax - kmin);
    if (span >= (std::uint64_t{1} << 63)) return false;
    unsigned digit = 6;
    while (digit < 11 && (std::size_t{1} << digit) < n) ++digit;
    const std::size_t radix = std::size_t{1} << digit;
    unsigned bits = 0;
    while (bits < 64 && (span >> bits) != 0) ++bits;
    const unsigned passes = (bits + digit - 1) / digit;
    out.resize(n);
    scratch.resize(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = (static_cast<std::uint64_t>(keys[i] - kmin) << 1) | (ys[i] & 1u);
    if (passes == 0) return true;
    // All digit counts in one read; sorting starts above the label bit.
    std::vector<std::size_t> count(passes * radix, 0);
    for (std::size_t i = 0; i < n; ++i)
        for (unsigned p = 0; p < passes; ++p) ++count[p * radix + ((out[i] >> (1 + digit * p)) & (radix - 1))];
    for (unsigned p = 0; p < passes; ++p) {
        const unsigned shift = 1 + digit * p;
        std::size_t* c = count.data() + p * radix;
        if (c[(out[0] >> shift) & (radix - 1)] == n) continue;  // one digit value: already in order
        std::size_t sum = 0;
        for (std::size_t d = 0; d < radix; ++d) {
            const std::size_t here = c[d];
            c[d] = sum;
            sum += here;
        }
        for (std::size_t i = 0; i < n; ++i) scratch[c[(out[i] >> shift) & (radix - 1)]++] = out[i];
        out.swap(scratch);
    }
    return true;
}

// The best cut over words sorted by radix_sort_pairs (keys kmin + word >> 1), highest first.
template <class K, class Obj>
Cut<K> sweep_sorted_pairs(const std::vector<std::uint64_t>& words, K kmin, count_t tp0, count_t pp0, const Obj& obj) {
    GroupSweep<K, Obj> sweep(tp0, pp0, obj);
    std::size_t i = words.size();
    while (i > 0) {
        const std::uint64_t k = words[i - 1] >> 1;
        count_t p = 0, t = 0;
        for (; i > 0 && (words[i - 1] >> 1) == k; --i, ++t) p += static_cast<count_t>(words[i - 1] & 1u);
        sweep.add(static_cast<K>(kmin + static_cast<K>(k)), p, t);
    }
    return sweep.best();
}

}  // namespace f1tune::detail
