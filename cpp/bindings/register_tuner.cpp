// Bindings of the mergeable tuning state's steps (tuner_state.hpp): histograms of a batch under a
// fixed map, the candidate ranges a summary implies, the gather of those ranges from one shard,
// the exact finish from merged gathers, and the bounded answer from the histograms alone.
// Inputs are validated in python/f1tune/_tuner_*.py and python/f1tune/_validation.py.
#include "bindings.hpp"
#include "f1tune/tuner_state.hpp"

namespace f1tune::bindings {

namespace {

// A C-contiguous int64 (L, nb) array pair as a histogram view.
HistView hist_view(const py::array& pos, const py::array& tot) {
    for (const py::array* a : {&pos, &tot})
        if (a->ndim() != 2 || a->dtype().kind() != 'i' || a->itemsize() != 8 || !(a->flags() & py::array::c_style))
            throw py::type_error("histograms: expected C-contiguous int64 arrays of shape (n_labels, bins)");
    if (pos.shape(0) != tot.shape(0) || pos.shape(1) != tot.shape(1))
        throw py::value_error("histograms: pos and tot differ in shape");
    HistView h;
    h.pos = static_cast<const count_t*>(pos.data());
    h.tot = static_cast<const count_t*>(tot.data());
    h.L = static_cast<index_t>(pos.shape(0));
    h.nb = static_cast<index_t>(pos.shape(1));
    return h;
}

std::vector<BucketRange> as_ranges(const py::array& r, index_t L) {
    if (r.ndim() != 2 || r.shape(0) != L || r.shape(1) != 2 || r.dtype().kind() != 'i' || r.itemsize() != 8 ||
        !(r.flags() & py::array::c_style))
        throw py::type_error("ranges: expected a C-contiguous int64 array of shape (n_labels, 2)");
    const auto* d = static_cast<const std::int64_t*>(r.data());
    std::vector<BucketRange> out(static_cast<std::size_t>(L));
    for (index_t l = 0; l < L; ++l) out[static_cast<std::size_t>(l)] = {d[2 * l], d[2 * l + 1]};
    return out;
}

py::array_t<std::int64_t> ranges_array(const std::vector<BucketRange>& r) {
    std::vector<std::int64_t> v;
    v.reserve(2 * r.size());
    for (const auto& x : r) {
        v.push_back(x.empty() ? 0 : x.lo);
        v.push_back(x.empty() ? -1 : x.hi);
    }
    return to_numpy(std::move(v), {static_cast<py::ssize_t>(r.size()), 2});
}

TuneKind as_kind(int k) {
    if (k < 0 || k > 2) throw py::value_error("kind: expected 0 (per label), 1 (micro) or 2 (global)");
    return static_cast<TuneKind>(k);
}

// Calls fn(S{}) for the score type named by `is_double`.
template <class Fn>
decltype(auto) by_score_type(bool is_double, Fn&& fn) {
    if (is_double) return fn(double{});
    return fn(float{});
}

}  // namespace

void register_tuner(py::module_& m) {
    m.def(
        "tuner_histograms",
        [](const py::array& y_true, const py::array& y_score, double lo, double hi, index_t bins, int n_threads,
           bool extremes) {
            if (bins < 2 || bins > (index_t{1} << 24)) throw py::value_error("bins: expected 2 <= bins <= 2**24");
            return dispatch(y_true, y_score, [&](auto yv, auto sv) -> py::tuple {
                using S = std::remove_const_t<std::remove_pointer_t<decltype(sv.data)>>;
                TunerHistograms h;
                {
                    py::gil_scoped_release release;
                    h = fixed_histograms(yv, sv, fixed_map<S>(lo, hi, bins), n_threads, extremes);
                }
                const auto L = static_cast<py::ssize_t>(sv.cols);
                return py::make_tuple(to_numpy(std::move(h.pos), {L, static_cast<py::ssize_t>(bins)}),
                                      to_numpy(std::move(h.tot), {L, static_cast<py::ssize_t>(bins)}),
                                      to_numpy(std::move(h.min_score)), to_numpy(std::move(h.max_score)), h.flags);
            });
        },
        py::arg("y_true"), py::arg("y_score"), py::arg("lo"), py::arg("hi"), py::arg("bins"), py::arg("n_threads") = 0,
        py::arg("extremes") = true,
        "Per-label histograms (pos, tot: (L, bins)) of one batch under the fixed linear map of [lo, hi], "
        "per-label min and max score (empty without `extremes`: the histogram pass alone), and the input flags.");
    m.def(
        "tuner_plan",
        [](const py::array& pos, const py::array& tot, int kind, double beta, double zero_division) {
            const HistView h = hist_view(pos, tot);
            return ranges_array(plan_ranges(h, as_kind(kind), Beta2::of(checked_beta(beta)), zero_division));
        },
        py::arg("pos"), py::arg("tot"), py::arg("kind"), py::arg("beta"), py::arg("zero_division"),
        "Candidate bucket ranges (L, 2) (inclusive; empty when hi < lo) to gather for an objective.");
    m.def(
        "tuner_gather",
        [](const py::array& y_true, const py::array& y_score, double lo, double hi, index_t bins,
           const py::array& ranges, int n_threads) {
            return dispatch(y_true, y_score, [&](auto yv, auto sv) -> py::tuple {
                using S = std::remove_const_t<std::remove_pointer_t<decltype(sv.data)>>;
                using K = key_of_t<S>;
                const auto r = as_ranges(ranges, sv.cols);
                InputFlags flags;
                std::vector<K> keys;
                std::vector<std::uint8_t> ys;
                std::vector<std::int64_t> offsets(1, 0);
                {
                    py::gil_scoped_release release;
                    auto bufs = gather_fixed(yv, sv, fixed_map<S>(lo, hi, bins), r, n_threads, flags);
                    for (auto& b : bufs) {
                        keys.insert(keys.end(), b.keys.begin(), b.keys.end());
                        ys.insert(ys.end(), b.ys.begin(), b.ys.end());
                        offsets.push_back(static_cast<std::int64_t>(keys.size()));
                    }
                }
                return py::make_tuple(to_numpy(std::move(keys)), to_numpy(std::move(ys)), to_numpy(std::move(offsets)),
                                      flags);
            });
        },
        py::arg("y_true"), py::arg("y_score"), py::arg("lo"), py::arg("hi"), py::arg("bins"), py::arg("ranges"),
        py::arg("n_threads") = 0,
        "One shard's elements in the candidate ranges: keys (uint32 for float32, uint64 for float64), labels, "
        "per-label offsets (L + 1), and the input flags.");
    m.def(
        "tuner_finish",
        [](const py::array& pos, const py::array& tot, double lo, double hi, int kind, double beta,
           double zero_division, const py::array& have, const py::array& keys, const py::array& ys,
           const py::array& offsets) {
            const HistView h = hist_view(pos, tot);
            const auto r = as_ranges(have, h.L);
            const bool is_double = keys.itemsize() == 8;
            if (keys.ndim() != 1 || keys.dtype().kind() != 'u' || !(keys.itemsize() == 4 || is_double) ||
                ys.ndim() != 1 || ys.dtype().kind() != 'u' || ys.itemsize() != 1 || ys.size() != keys.size() ||
                offsets.ndim() != 1 || offsets.size() != h.L + 1 || offsets.dtype().kind() != 'i' ||
                offsets.itemsize() != 8 || !(keys.flags() & ys.flags() & offsets.flags() & py::array::c_style))
                throw py::type_error("gathers: expected contiguous keys (uint32/uint64), labels (uint8) and offsets");
            const auto* off = static_cast<const std::int64_t*>(offsets.data());
            for (index_t l = 0; l < h.L; ++l)
                if (off[0] != 0 || off[l] > off[l + 1] || off[h.L] != keys.size())
                    throw py::value_error("gathers: offsets are not a partition of the keys");
            return by_score_type(is_double, [&](auto zero) -> py::tuple {
                using S = decltype(zero);
                using K = key_of_t<S>;
                TuneResult out;
                std::vector<BucketRange> need;
                bool done;
                {
                    py::gil_scoped_release release;
                    std::vector<Buffer<K>> bufs(static_cast<std::size_t>(h.L));
                    const K* kd = static_cast<const K*>(keys.data());
                    const auto* yd = static_cast<const std::uint8_t*>(ys.data());
                    for (index_t l = 0; l < h.L; ++l) {
                        auto& b = bufs[static_cast<std::size_t>(l)];
                        b.keys.assign(kd + off[l], kd + off[l + 1]);
                        b.ys.assign(yd + off[l], yd + off[l + 1]);
                    }
                    done = finish_from_gathers<S>(h, fixed_map<S>(lo, hi, h.nb), as_kind(kind), Beta2::of(checked_beta(beta)),
                                                  zero_division, r, bufs, out, need);
                }
                if (!done) return py::make_tuple(false, ranges_array(need));
                return py::make_tuple(true, to_numpy(std::move(out.thresholds)), to_numpy(std::move(out.tp)),
                                      to_numpy(std::move(out.pp)), to_numpy(std::move(out.pos)));
            });
        },
        py::arg("pos"), py::arg("tot"), py::arg("lo"), py::arg("hi"), py::arg("kind"), py::arg("beta"),
        py::arg("zero_division"), py::arg("have"), py::arg("keys"), py::arg("ys"), py::arg("offsets"),
        "Exact thresholds from merged gathers: (True, thresholds, tp, pp, pos), or (False, ranges) when a "
        "micro step needs buckets not gathered yet.");
    m.def(
        "tuner_bounded",
        [](const py::array& pos, const py::array& tot, double lo, double hi, bool is_double, const py::array& min_score,
           const py::array& max_score, int kind, double beta, double zero_division) {
            const HistView h = hist_view(pos, tot);
            const double* mn = float64_data(min_score, {static_cast<py::ssize_t>(h.L)}, "min_score");
            const double* mx = float64_data(max_score, {static_cast<py::ssize_t>(h.L)}, "max_score");
            return by_score_type(is_double, [&](auto zero) -> py::tuple {
                using S = decltype(zero);
                TuneResult out;
                std::vector<double> upper;
                {
                    py::gil_scoped_release release;
                    bounded_tune<S>(h, fixed_map<S>(lo, hi, h.nb), as_kind(kind), Beta2::of(checked_beta(beta)), zero_division, mn, mx,
                                    out, upper);
                }
                return py::make_tuple(to_numpy(std::move(out.thresholds)), to_numpy(std::move(out.tp)),
                                      to_numpy(std::move(out.pp)), to_numpy(std::move(out.pos)),
                                      to_numpy(std::move(upper)));
            });
        },
        py::arg("pos"), py::arg("tot"), py::arg("lo"), py::arg("hi"), py::arg("is_double"), py::arg("min_score"),
        py::arg("max_score"), py::arg("kind"), py::arg("beta"), py::arg("zero_division"),
        "Thresholds at the best bucket edges, their counts, and certified upper bounds (L per label, or 1).");
}

}  // namespace f1tune::bindings
