// How the one-row dense pair kernel (kernels.cpp, densePairOnRow) splits a
// layer's rows between its threads, balanced from call to call. Plain logic
// on row counts and tick counts, tested on its own.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace mlp::rt {

/// `rows` rows split into one fixed band per part, [band(p), band(p + 1)),
/// whose edges may move: part p computes rows [first(p), first(p + 1)).
/// A part that computes rows of a neighbour's band hands them over, so the
/// result is the same for every split (see densePairOnRow); only the time
/// depends on it. The cores do not run at one speed: a busy sibling
/// hyperthread can halve one core's L2 bandwidth for minutes, and the
/// caller starts before the worker its ticket wakes. So the parts time
/// themselves now and then (record), and an edge moves by kStep rows toward
/// the part that finished first once that part has, on average, waited
/// 1.5 steps: a move changes the wait by two steps, so it never overshoots
/// the balance by more than half a step.
class RowSplit {
public:
  static constexpr int64_t kStep = 8; // dotRows' block of rows

  /// A part's ticks when it began and finished, on a line of its own.
  struct alignas(64) Stamp {
    uint64_t start = 0, end = 0;
  };

  RowSplit(int64_t rows, int parts) : rows_(rows), parts_(parts), shift_(parts + 1, 0), late_(parts + 1, 0) {}

  int parts() const { return parts_; }
  int64_t band(int p) const { return rows_ * p / parts_; }
  int64_t first(int p) const { return band(p) + shift_[p]; }
  /// Each edge's shift (first(p) - band(p)), edges 0 and parts() included.
  const int64_t *shifts() const { return shift_.data(); }

  /// Takes one call's stamps, a part's each.
  void record(const Stamp *stamps) {
    // A step's worth of ticks, at part 0's pace.
    const double step = kStep * double(stamps[0].end - stamps[0].start) /
                        double(std::max<int64_t>(1, first(1) - first(0)));
    for (int p = 1; p < parts_; ++p) {
      // How much later part p finished than part p - 1; an interrupted
      // call counts as at most four steps.
      const double late = std::clamp(double(int64_t(stamps[p].end - stamps[p - 1].end)), -4 * step, 4 * step);
      late_[p] += (late - late_[p]) / 8;
      if (late_[p] > 1.5 * step) move(p, kStep);
      else if (late_[p] < -1.5 * step) move(p, -kStep);
    }
  }

  /// Sets edge p's shift (rows of band p that part p - 1 computes; negative:
  /// rows of band p - 1 that part p computes), within the limits.
  void force(int p, int64_t shift) { shift_[p] = std::clamp(shift, lowest(p), highest(p)); }

private:
  // An edge moves at most half a band either way, so a band's two edges
  // can take at most all of it between them.
  int64_t lowest(int p) const { return -((band(p) - band(p - 1)) / 2 / kStep * kStep); }
  int64_t highest(int p) const { return (band(p + 1) - band(p)) / 2 / kStep * kStep; }

  void move(int p, int64_t rows) {
    const int64_t next = shift_[p] + rows;
    if (next >= lowest(p) && next <= highest(p)) shift_[p] = next;
    late_[p] = 0;
  }

  int64_t rows_;
  int parts_;
  std::vector<int64_t> shift_; // per edge; edges 0 and parts_ stay at 0
  std::vector<double> late_;   // per edge: the average of part p's lateness
};

} // namespace mlp::rt
