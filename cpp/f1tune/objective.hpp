// What a per-label search maximizes (the cut it returns is in tune_common.hpp).
//
// A cut predicts positive every score >= some distinct score of the label ("predict none" and
// "predict all" included). Objectives are functions of the cut's counts (tp, pp); they must be
// non-decreasing in tp at fixed fp = pp - tp and non-increasing in fp at fixed tp, so that
// placing a bucket's positives first bounds every cut inside the bucket.
//
// Each objective gives a double estimate of a cut's value (operator()) and compares two cuts
// exactly (compare): estimates further apart than `tol`, a bound on their rounding error, decide;
// closer ones are compared exactly on the counts (exact_sign.hpp). So no tolerance ever swallows a
// strictly better cut, and exact ties are found as ties (the searches keep the higher cut).
#pragma once

#include <cmath>

#include "f1tune/common.hpp"
#include "f1tune/exact_sign.hpp"

namespace f1tune {

// A cut as the searches carry it: counts and the estimate of their value.
struct Scored {
    double value;
    count_t tp, pp;
};

// F-beta of one label (or of a pooled set of labels): (1+b²)tp / (b²·P + pp).
// 0/0 (no positives, none predicted) scores zero_division; NaN counts as 1 so that, as NaN
// labels drop out of averages, "predict none" wins for labels without positives.
struct FbetaObjective {
    Beta2 beta2;
    count_t positives = 0;
    double zero_division = 0.0;
    // Estimates are within 8·2^-53 of the exact F (<= 1) each: 1e-14 bounds two of them.
    static constexpr double tol = 1e-14;

    double operator()(count_t tp, count_t pp) const {
        // pp = 0 has tp = 0: F is 0, or zero_division at 0/0 (decided on counts, not on a rounded b²P).
        if (pp == 0) return positives != 0 ? 0.0 : (std::isnan(zero_division) ? 1.0 : zero_division);
        const double denom = beta2.value * static_cast<double>(positives) + static_cast<double>(pp);
        return (1.0 + beta2.value) * static_cast<double>(tp) / denom;
    }
    // False only if the estimate obj(tp, pp) is surely below `rival`: a test without the division
    // (the estimate's relative rounding, ~1e-16, is far inside the 1e-12 slack), which rejects most
    // cuts of a scan.
    bool may_reach(count_t tp, count_t pp, double rival) const {
        if (pp == 0) return true;
        const double denom = beta2.value * static_cast<double>(positives) + static_cast<double>(pp);
        const double need = rival * denom;
        return (1.0 + beta2.value) * static_cast<double>(tp) >= need - std::fabs(need) * 1e-12;
    }
    // Sign of F(a) - F(b), exactly.
    int compare_exact(const Scored& a, const Scored& b) const {
        // Without positives every value is 0 or zero_division, both exact doubles.
        if (positives == 0) return (a.value > b.value) - (a.value < b.value);
        // Denominators are positive: F(a) > F(b) iff tp_a(b²P + pp_b) > tp_b(b²P + pp_a).
        const i128 x = static_cast<i128>(positives) * (a.tp - b.tp);
        const i128 y = static_cast<i128>(a.tp) * b.pp - static_cast<i128>(b.tp) * a.pp;
        return sign_b2x_plus_y(beta2, x, y);
    }
    int compare(const Scored& a, const Scored& b) const {
        if (a.value > b.value + tol) return 1;
        if (a.value < b.value - tol) return -1;
        return compare_exact(a, b);
    }
};

// One Dinkelbach step for micro F-beta at level lambda = F(TP*, PP*), the micro F-beta of some
// cuts: maximize (1+b²-lambda)·tp - lambda·fp. Scaled by the positive (b²P + PP*)/(1+b²) this is
// (b²P + PP* - TP*)·tp - TP*·fp, whose differences compare exactly (sign_b2x_plus_y). Without
// counts (has_counts false: a lambda between two bounds, for planning what to gather) the
// comparisons are the estimates' alone.
struct LinearObjective {
    double gain = 1.0;   // 1 + b² - lambda (> 0 since lambda <= 1)
    double cost = 0.0;   // lambda
    double tol = 0.0;    // bounds the rounding of two estimates (for_label)
    Beta2 beta2;
    count_t positives = 0, lambda_tp = 0, lambda_pp = 0;
    bool has_counts = false;

    double operator()(count_t tp, count_t pp) const {
        return gain * static_cast<double>(tp) - cost * static_cast<double>(pp - tp);
    }
    bool may_reach(count_t, count_t, double) const { return true; }  // the estimate is cheap
    int compare_exact(const Scored& a, const Scored& b) const {
        if (!has_counts) return (a.value > b.value) - (a.value < b.value);
        const count_t dtp = a.tp - b.tp, dfp = (a.pp - a.tp) - (b.pp - b.tp);
        if (lambda_tp == 0) return (dtp > 0) - (dtp < 0);  // lambda = 0: more tp is better
        const i128 x = static_cast<i128>(positives) * dtp;
        const i128 y = static_cast<i128>(lambda_pp - lambda_tp) * dtp - static_cast<i128>(lambda_tp) * dfp;
        return sign_b2x_plus_y(beta2, x, y);
    }
    int compare(const Scored& a, const Scored& b) const {
        if (a.value > b.value + tol) return 1;
        if (a.value < b.value - tol) return -1;
        return compare_exact(a, b);
    }
    // For one label with `pos` positives and `neg` negatives: estimates are within
    // ~1.2e-15·((1+b²)·pos + neg) of the scaled exact value (lambda, b², products and difference
    // rounded), so 1e-13 of that bounds two of them with a wide margin.
    LinearObjective for_label(count_t pos, count_t neg) const {
        LinearObjective o = *this;
        o.tol = 1e-13 * ((1.0 + beta2.value) * static_cast<double>(pos) + static_cast<double>(neg));
        return o;
    }
};

}  // namespace f1tune
