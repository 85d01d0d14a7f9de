// What a per-label search maximizes (the cut it returns is in tune_common.hpp).
//
// A cut predicts positive every score >= some distinct score of the label ("predict none" and
// "predict all" included). Objectives are functions of the cut's counts (tp, pp); they must be
// non-decreasing in tp at fixed fp = pp - tp and non-increasing in fp at fixed tp, so that
// placing a bucket's positives first bounds every cut inside the bucket.
#pragma once

#include <cmath>

#include "f1tune/common.hpp"

namespace f1tune {

// F-beta of one label (or of a pooled set of labels): (1+b²)tp / (b²·P + pp).
// 0/0 (no positives, none predicted) scores zero_division; NaN counts as 1 so that, as NaN
// labels drop out of averages, "predict none" wins for labels without positives.
struct FbetaObjective {
    double beta2 = 1.0;
    double positives = 0.0;
    double zero_division = 0.0;

    double operator()(count_t tp, count_t pp) const {
        const double denom = beta2 * positives + static_cast<double>(pp);
        if (denom == 0.0) return std::isnan(zero_division) ? 1.0 : zero_division;
        return (1.0 + beta2) * static_cast<double>(tp) / denom;
    }
    // Equal counts ratios give equal doubles here, so plain > keeps the higher of tied cuts.
    bool better(double v, double best) const { return v > best; }
};

// One Dinkelbach step for micro F-beta at level lambda: (1+b²-lambda)·tp - lambda·fp.
// Its two terms cancel at ties, leaving rounding noise: `tol` (a few ulps of the largest term)
// lets an exact tie keep the higher cut, as the F-beta objective does.
struct LinearObjective {
    double gain = 1.0;   // 1 + b² - lambda (> 0 since lambda <= 1)
    double cost = 0.0;   // lambda
    double tol = 0.0;

    double operator()(count_t tp, count_t pp) const {
        return gain * static_cast<double>(tp) - cost * static_cast<double>(pp - tp);
    }
    bool better(double v, double best) const { return v > best + tol; }
    // Tolerance for one label with `pos` positives and `neg` negatives.
    LinearObjective for_label(count_t pos, count_t neg) const {
        LinearObjective o = *this;
        o.tol = 1e-13 * (gain * static_cast<double>(pos) + cost * static_cast<double>(neg));
        return o;
    }
};

// Bounds get a little slack so that rounding never prunes a bucket that could win or tie.
inline bool may_reach(double bound, double best) {
    return bound >= best - 1e-12 * (std::fabs(best) + 1.0);
}

}  // namespace f1tune
