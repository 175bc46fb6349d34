/// \file tensor_format.cpp
/// Prints tensors the way NumPy's str() does, with commas between elements
/// (`[[1.0, 2.0],\n [3.0, 4.0]]`) so the output also reads as a nested list.
///
/// The layout is a port of NumPy's `_formatArray` (numpy/core/arrayprint.py,
/// non-legacy mode), so people who know NumPy see what they expect: one
/// common element width, rows wrapped at 75 columns, blank lines between the
/// blocks of rank >= 3 tensors, and `...` summaries for large tensors.
/// Elements are read through the memref's strides, so transposed or sliced
/// views need no copy.

#include "runtime/internal.h"
#include "runtime/mlp_runtime.h"

#include <algorithm>

namespace mlp::rt {
namespace {

constexpr int64_t kSummaryThreshold = 1000; ///< NumPy's `threshold`
constexpr int64_t kEdgeItems = 3;           ///< NumPy's `edgeitems`
constexpr long kLineWidth = 75;             ///< NumPy's `linewidth`
constexpr int64_t kMaxRank = 64;

/// The layout of an MLIR ranked memref descriptor up to its sizes; sizes[rank]
/// and strides[rank] follow directly (all 8-byte fields, no padding).
struct DescriptorHeader {
  const void *allocated;
  const void *aligned;
  int64_t offset;
};
static_assert(sizeof(DescriptorHeader) == 3 * sizeof(int64_t), "memref descriptor layout");

/// Appends the element at linear index `index` (offset and strides applied).
void append_element(std::string &out, const StridedView &v, ElementType t, int64_t index,
                    std::string_view spec) {
  switch (t) {
  case ElementType::F32: append_f32(out, static_cast<const float *>(v.aligned)[index], spec); break;
  case ElementType::F64: append_f64(out, static_cast<const double *>(v.aligned)[index], spec); break;
  case ElementType::I64:
    append_int(out, static_cast<const int64_t *>(v.aligned)[index], spec, "i64");
    break;
  case ElementType::I32:
    append_int(out, static_cast<const int32_t *>(v.aligned)[index], spec, "i32");
    break;
  case ElementType::Bool:
    // i1 is stored as one byte; read any non-zero byte as true.
    append_bool(out, static_cast<const uint8_t *>(v.aligned)[index] != 0, spec);
    break;
  }
}

/// Formats one tensor. Two passes: `collect` formats every shown element (in
/// print order) to learn the common width; `render` lays them out.
class TensorPrinter {
public:
  TensorPrinter(const StridedView &view, ElementType type, std::string_view spec)
      : view_(view), type_(type), spec_(spec),
        decimal_align_(spec.empty() && (type == ElementType::F32 || type == ElementType::F64)) {
    int64_t total = 1;
    for (int64_t a = 0; a < view_.rank; ++a) {
      int64_t n = view_.sizes[a];
      // Saturate instead of overflowing; anything this big is summarized anyway.
      total = (n != 0 && total > (int64_t(1) << 62) / n) ? (int64_t(1) << 62) : total * n;
    }
    summarize_ = total > kSummaryThreshold;
    collect(0, view_.offset);
  }

  std::string render(size_t column, bool pad) {
    pad_ = pad;
    cursor_ = 0;
    // Continuation lines start under the tensor's first '[' plus one, like
    // NumPy's hanging indent; the first line already holds `column` chars.
    std::string hanging(column + 1, ' ');
    return recurse(0, hanging, kLineWidth);
  }

private:
  bool summarized(int64_t axis) const {
    return summarize_ && view_.sizes[axis] > 2 * kEdgeItems;
  }

  /// Calls f(i) for the indices shown along `axis`, in print order.
  template <class F> void for_shown(int64_t axis, F f) const {
    int64_t n = view_.sizes[axis];
    if (summarized(axis)) {
      for (int64_t i = 0; i < kEdgeItems; ++i) f(i);
      for (int64_t i = n - kEdgeItems; i < n; ++i) f(i);
    } else {
      for (int64_t i = 0; i < n; ++i) f(i);
    }
  }

  void collect(int64_t axis, int64_t index) {
    if (axis == view_.rank) {
      size_t start = texts_.size();
      append_element(texts_, view_, type_, index, spec_);
      size_t width = text_width(std::string_view(texts_).substr(start));
      ends_.push_back(texts_.size());
      widths_.push_back(width);
      max_width_ = std::max(max_width_, width);
      if (decimal_align_) {
        size_t dot = texts_.find('.', start);
        if (dot == std::string::npos) {
          int_widths_.push_back(kNoPoint);
        } else {
          int_widths_.push_back(dot - start);
          max_int_width_ = std::max(max_int_width_, dot - start);
          max_frac_width_ = std::max(max_frac_width_, texts_.size() - dot);
        }
        max_width_ = std::max(max_width_, max_int_width_ + max_frac_width_);
      }
      return;
    }
    int64_t stride = view_.strides[axis];
    for_shown(axis, [&](int64_t i) { collect(axis + 1, index + i * stride); });
  }

  /// The next element's text padded to the common width: right-aligned, or
  /// for floats printed in shortest form, with the decimal points lined up
  /// (`  0.0 ` over ` 0.37`), as NumPy does. A float without a point (inf,
  /// nan, 1e+20) is right-aligned, as NumPy does for inf and nan.
  std::string next_word() {
    size_t begin = cursor_ == 0 ? 0 : ends_[cursor_ - 1];
    size_t width = widths_[cursor_];
    size_t left = 0, right = 0;
    if (pad_ && decimal_align_ && int_widths_[cursor_] != kNoPoint) {
      size_t frac = width - int_widths_[cursor_];
      right = max_frac_width_ - frac;
      left = max_width_ - max_frac_width_ - int_widths_[cursor_];
    } else if (pad_) {
      left = max_width_ - width;
    }
    std::string word(left, ' ');
    word.append(texts_, begin, ends_[cursor_] - begin);
    word.append(right, ' ');
    ++cursor_;
    return word;
  }

  /// NumPy's `recurser`: the text of the sub-tensor along `axis` and below.
  /// `hanging` is the indent of its continuation lines, `width` the columns
  /// left for it (each nesting level reserves one for its closing ']').
  std::string recurse(int64_t axis, const std::string &hanging, long width) {
    if (axis == view_.rank) return next_word();
    const int64_t n = view_.sizes[axis];
    if (n == 0) return "[]";

    const std::string next_hanging = hanging + ' ';
    const long next_width = width - 1;
    const bool summary = summarized(axis);
    const int64_t leading = summary ? kEdgeItems : 0;
    const int64_t trailing = summary ? kEdgeItems : n;
    std::string s;

    if (view_.rank - axis == 1) {
      // Innermost axis: words separated by ", ", wrapped to the width.
      const long elem_width = width - 1; // room for the ',' or ']' after a word
      std::string line = hanging;
      long line_len = static_cast<long>(hanging.size());
      auto extend = [&](const std::string &word) {
        long word_len = static_cast<long>(text_width(word));
        bool wrap = line_len + word_len > elem_width && line_len > static_cast<long>(hanging.size());
        if (wrap) {
          while (!line.empty() && line.back() == ' ') line.pop_back();
          s += line;
          s += '\n';
          line = hanging;
          line_len = static_cast<long>(hanging.size());
        }
        line += word;
        line_len += word_len;
      };
      auto separator = [&] {
        line += ", ";
        line_len += 2;
      };
      for (int64_t i = 0; i < leading; ++i) {
        extend(recurse(axis + 1, next_hanging, next_width));
        separator();
      }
      if (summary) {
        extend("...");
        separator();
      }
      for (int64_t i = trailing; i > 1; --i) {
        extend(recurse(axis + 1, next_hanging, next_width));
        separator();
      }
      extend(recurse(axis + 1, next_hanging, next_width));
      s += line;
    } else {
      // Outer axes: one sub-tensor per line, plus a blank line per extra axis.
      const std::string line_sep = "," + std::string(static_cast<size_t>(view_.rank - axis - 1), '\n');
      for (int64_t i = 0; i < leading; ++i) s += hanging + recurse(axis + 1, next_hanging, next_width) + line_sep;
      if (summary) s += hanging + "..." + line_sep;
      for (int64_t i = trailing; i > 1; --i) s += hanging + recurse(axis + 1, next_hanging, next_width) + line_sep;
      s += hanging + recurse(axis + 1, next_hanging, next_width);
    }
    return "[" + s.substr(hanging.size()) + "]";
  }

  const StridedView &view_;
  ElementType type_;
  std::string_view spec_;
  bool summarize_ = false;
  bool pad_ = true;
  std::string texts_;         ///< every shown element's text, back to back
  std::vector<size_t> ends_;  ///< end offset of each element's text in texts_
  std::vector<size_t> widths_;
  size_t max_width_ = 0;
  /// Decimal alignment (floats in shortest form): the width before the
  /// point of each element (kNoPoint if none) and the widest parts.
  static constexpr size_t kNoPoint = static_cast<size_t>(-1);
  bool decimal_align_ = false;
  std::vector<size_t> int_widths_;
  size_t max_int_width_ = 0;
  size_t max_frac_width_ = 0;
  size_t cursor_ = 0;         ///< next element to lay out
};

/// The column the next text will start at: code points after the last '\n'.
size_t current_column(const std::string &line) {
  size_t nl = line.rfind('\n');
  return text_width(nl == std::string::npos ? std::string_view(line)
                                            : std::string_view(line).substr(nl + 1));
}

void append_tensor(int64_t rank, void *descriptor, const char *spec, ElementType type) {
  std::string &line = line_buffer();
  StridedView view = view_from_descriptor(rank, descriptor);
  line += format_tensor(view, type, spec ? std::string_view(spec) : std::string_view(),
                        current_column(line));
}

} // namespace

StridedView view_from_descriptor(int64_t rank, const void *descriptor) {
  if (!descriptor) die("internal error: null tensor descriptor", 1);
  if (rank < 0 || rank > kMaxRank) die("internal error: bad tensor rank " + std::to_string(rank), 1);
  const auto *header = static_cast<const DescriptorHeader *>(descriptor);
  const auto *dims = reinterpret_cast<const int64_t *>(header + 1);
  StridedView view;
  view.aligned = header->aligned;
  view.offset = header->offset;
  view.rank = rank;
  view.sizes = dims;
  view.strides = dims + rank;
  for (int64_t a = 0; a < rank; ++a)
    if (view.sizes[a] < 0) die("internal error: negative tensor size", 1);
  return view;
}

std::string format_tensor(const StridedView &view, ElementType type, std::string_view spec,
                          size_t column) {
  if (view.rank == 0) { // a bare scalar, like NumPy's str() of a 0-d array
    std::string out;
    append_element(out, view, type, view.offset, spec);
    return out;
  }
  if (!spec.empty()) {
    // Check the spec even when there is no element to format it with, so a
    // bad spec fails the same way for an empty tensor.
    std::string scratch;
    switch (type) {
    case ElementType::F32: append_f32(scratch, 0.0f, spec); break;
    case ElementType::F64: append_f64(scratch, 0.0, spec); break;
    case ElementType::I64: append_int(scratch, 0, spec, "i64"); break;
    case ElementType::I32: append_int(scratch, 0, spec, "i32"); break;
    case ElementType::Bool: append_bool(scratch, false, spec); break;
    }
  }
  TensorPrinter printer(view, type, spec);
  if (view.rank >= 2) return printer.render(column, /*pad=*/true);
  // A vector that fits on one line reads best unpadded (`[1.0, 10.0]`);
  // once it wraps, padding lines the wrapped rows up into columns.
  std::string flat = printer.render(column, /*pad=*/false);
  if (flat.find('\n') == std::string::npos) return flat;
  return printer.render(column, /*pad=*/true);
}

} // namespace mlp::rt

using namespace mlp::rt;

extern "C" void mlp_rt_fmt_tensor_f32(int64_t rank, void *descriptor, const char *spec) {
  append_tensor(rank, descriptor, spec, ElementType::F32);
}

extern "C" void mlp_rt_fmt_tensor_f64(int64_t rank, void *descriptor, const char *spec) {
  append_tensor(rank, descriptor, spec, ElementType::F64);
}

extern "C" void mlp_rt_fmt_tensor_i64(int64_t rank, void *descriptor, const char *spec) {
  append_tensor(rank, descriptor, spec, ElementType::I64);
}

extern "C" void mlp_rt_fmt_tensor_i32(int64_t rank, void *descriptor, const char *spec) {
  append_tensor(rank, descriptor, spec, ElementType::I32);
}

extern "C" void mlp_rt_fmt_tensor_bool(int64_t rank, void *descriptor, const char *spec) {
  append_tensor(rank, descriptor, spec, ElementType::Bool);
}
