/// \file scalar_format.cpp
/// Formats one scalar with a Python / fmt format spec.
///
/// `.mlp` strings interpolate `{expr:spec}` with specs "as in fmt/Python".
/// fmt does nearly all of it and is fast, so a spec goes straight to fmt
/// unless it uses something only Python has:
///  - `,` / `_` digit grouping, the `%` and `n` types, `=` alignment, `0`
///    together with an explicit alignment;
///  - a float spec with no type (`>8`, `.3`): Python keeps a ".0" on integral
///    values there (`3.0`), fmt prints `3`;
///  - a float type on an integer (`{n:.2f}`), which Python converts.
/// Those take the slower "python path" below: format the bare number with
/// fmt, then group digits and pad by hand.

#include "runtime/internal.h"

// fmt is compiled in (header-only) so built binaries do not need libfmt.so.
#ifndef FMT_HEADER_ONLY
#error "build the runtime with FMT_HEADER_ONLY defined (see runtime/CMakeLists.txt)"
#endif
#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstring>
#include <iterator>

namespace mlp::rt {
namespace {

[[noreturn]] void bad_spec(std::string_view spec, const char *type_name) {
  die("bad format spec '" + std::string(spec) + "' for " + type_name, 1);
}

/// Python's format-spec mini-language:
///   [[fill]align][sign][z][#][0][width][grouping][.precision][type]
/// (without `z`, which fmt lacks too).
struct Spec {
  std::string fill; ///< empty: not given
  char align = 0;   ///< '<' '>' '^' '=' or 0
  char sign = 0;    ///< '+' '-' ' ' or 0
  bool alt = false; ///< '#'
  bool zero = false;
  int width = -1;
  char grouping = 0; ///< ',' '_' or 0
  int precision = -1;
  char type = 0;
};

size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

bool is_align(char c) { return c == '<' || c == '>' || c == '^' || c == '='; }

/// Reads a decimal count; caps it so a silly width cannot overflow.
bool read_count(std::string_view s, size_t &i, int &out) {
  size_t start = i;
  long v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    v = v * 10 + (s[i] - '0');
    if (v > 100000) return false;
    ++i;
  }
  out = static_cast<int>(v);
  return i > start;
}

/// Parses `s` with Python's grammar. False when it is not a Python spec; it
/// may still be an fmt one (`L`, `a`), so the caller then leaves it to fmt.
bool parse_spec(std::string_view s, Spec &sp) {
  size_t i = 0;
  size_t cp = s.empty() ? 0 : utf8_length(static_cast<unsigned char>(s[0]));
  if (!s.empty() && s.size() > cp && is_align(s[cp])) {
    sp.fill = std::string(s.substr(0, cp));
    sp.align = s[cp];
    i = cp + 1;
  } else if (!s.empty() && is_align(s[0])) {
    sp.align = s[0];
    i = 1;
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) sp.sign = s[i++];
  if (i < s.size() && s[i] == '#') sp.alt = true, ++i;
  if (i < s.size() && s[i] == '0') sp.zero = true, ++i;
  if (i < s.size() && s[i] >= '0' && s[i] <= '9' && !read_count(s, i, sp.width)) return false;
  if (i < s.size() && (s[i] == ',' || s[i] == '_')) sp.grouping = s[i++];
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!read_count(s, i, sp.precision)) return false;
  }
  if (i < s.size()) sp.type = s[i++];
  if (i != s.size()) return false;
  return sp.type == 0 || std::strchr("bcdeEfFgGnosxX%", sp.type) != nullptr;
}

bool is_float_type(char t) { return t && std::strchr("eEfFgG%n", t) != nullptr; }

enum class Kind { Float, Int };

bool needs_python_path(const Spec &sp, Kind kind) {
  if (sp.grouping || sp.type == '%' || sp.type == 'n' || sp.align == '=') return true;
  if (sp.zero && sp.align) return true;
  if (kind == Kind::Float) return sp.type == 0;
  return is_float_type(sp.type);
}

/// Formats `v` with the runtime spec through fmt; false if fmt rejects it.
template <class T> bool fmt_with_spec(std::string &out, std::string_view spec, T v) {
  std::string pattern;
  pattern.reserve(spec.size() + 3);
  pattern += "{:";
  pattern += spec;
  pattern += '}';
  size_t old_size = out.size();
  try {
    fmt::vformat_to(std::back_inserter(out), pattern, fmt::make_format_args(v));
    return true;
  } catch (const fmt::format_error &) {
    out.resize(old_size);
    return false;
  }
}

/// True when fmt's text for a float reads like an integer ("3", "-12"):
/// then Python (and we) add ".0" so the value visibly is a float.
bool looks_integral(std::string_view s, size_t from) {
  if (from < s.size() && (s[from] == '-' || s[from] == '+' || s[from] == ' ')) ++from;
  if (from >= s.size()) return false;
  for (size_t i = from; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

/// Shortest round-trip text (fmt's `{}`: Dragonbox, exact for the type, so
/// 0.1f prints `0.1`, not `0.100000001`), plus ".0" on integral values.
template <class T> void append_shortest(std::string &out, T v) {
  size_t start = out.size();
  fmt::format_to(std::back_inserter(out), "{}", v);
  if (looks_integral(out, start)) out += ".0";
}

/// Builds "{:<sign><#>.<precision><type>}" for the python path.
std::string core_pattern(const Spec &sp, int precision, char type) {
  std::string p = "{:";
  if (sp.sign) p += sp.sign;
  if (sp.alt) p += '#';
  if (precision >= 0) p += "." + std::to_string(precision);
  if (type) p += type;
  p += '}';
  return p;
}

template <class T> bool fmt_pattern(std::string &out, const std::string &pattern, T v) {
  try {
    fmt::vformat_to(std::back_inserter(out), pattern, fmt::make_format_args(v));
    return true;
  } catch (const fmt::format_error &) {
    return false;
  }
}

/// The number without width, fill or grouping, as Python would print it.
template <class T> bool float_core(std::string &core, T v, const Spec &sp) {
  switch (sp.type) {
  case '%':
    if (!fmt_pattern(core, core_pattern(sp, sp.precision < 0 ? 6 : sp.precision, 'f'), v * 100))
      return false;
    core += '%';
    return true;
  case 0:
    if (sp.precision < 0) {
      if (sp.sign == '+' && !std::signbit(v)) core += '+';
      if (sp.sign == ' ' && !std::signbit(v)) core += ' ';
      append_shortest(core, v);
      return true;
    }
    if (!fmt_pattern(core, core_pattern(sp, sp.precision, 0), v)) return false;
    if (looks_integral(core, 0)) core += ".0";
    return true;
  case 'n': // 'n' is 'g' with the locale's separators; the runtime has no locale.
    return fmt_pattern(core, core_pattern(sp, sp.precision, 'g'), v);
  default:
    return fmt_pattern(core, core_pattern(sp, sp.precision, sp.type), v);
  }
}

bool int_core(std::string &core, int64_t v, const Spec &sp) {
  if (is_float_type(sp.type) && sp.type != 'n')
    return float_core(core, static_cast<double>(v), sp);
  if (sp.precision >= 0) return false; // Python: "Precision not allowed in integer format specifier"
  if (sp.grouping && (sp.type == 'c' || sp.type == 'n')) return false;
  if (sp.grouping == ',' && sp.type && std::strchr("boxX", sp.type)) return false;
  return fmt_pattern(core, core_pattern(sp, -1, sp.type == 'n' ? 'd' : sp.type), v);
}

/// Splits a formatted number into sign + base prefix, the integer digits (the
/// run that grouping and '=' padding apply to), and the rest.
void split_number(const std::string &core, bool hex, std::string &prefix, std::string &digits,
                  std::string &rest) {
  size_t i = 0;
  if (i < core.size() && (core[i] == '+' || core[i] == '-' || core[i] == ' ')) ++i;
  if (i + 1 < core.size() && core[i] == '0' && std::strchr("xXbBoO", core[i + 1])) i += 2;
  size_t j = i;
  while (j < core.size() && (hex ? std::isxdigit(static_cast<unsigned char>(core[j]))
                                 : std::isdigit(static_cast<unsigned char>(core[j]))))
    ++j;
  prefix = core.substr(0, i);
  digits = core.substr(i, j - i);
  rest = core.substr(j);
}

std::string group_digits(const std::string &digits, char separator, size_t group) {
  std::string r;
  r.reserve(digits.size() + digits.size() / group);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % group == 0) r += separator;
    r += digits[i];
  }
  return r;
}

std::string repeat(const std::string &s, size_t n) {
  std::string r;
  r.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) r += s;
  return r;
}

/// Applies grouping, fill, alignment and width to `core` and appends it.
void finish_python(std::string &out, const std::string &core, const Spec &sp, bool numeric) {
  char align = sp.align;
  std::string fill = sp.fill;
  if (sp.zero && fill.empty()) fill = "0"; // Python: '0' means fill '0' ...
  if (sp.zero && !align) align = '=';      // ... after the sign, unless aligned otherwise
  if (fill.empty()) fill = " ";
  if (!align) align = numeric ? '>' : '<';
  const size_t width = sp.width < 0 ? 0 : static_cast<size_t>(sp.width);

  std::string prefix, digits, rest;
  bool hex = sp.type == 'x' || sp.type == 'X';
  split_number(core, hex, prefix, digits, rest);
  size_t group = (sp.type && std::strchr("bxXo", sp.type)) ? 4 : 3;

  std::string body;
  if (sp.grouping && align == '=' && fill == "0") {
    // Zero padding with grouping groups the padding too: `{:08,}` -> 0,001,234.
    std::string grouped = group_digits(digits, sp.grouping, group);
    while (prefix.size() + grouped.size() + text_width(rest) < width) {
      digits.insert(digits.begin(), '0');
      grouped = group_digits(digits, sp.grouping, group);
    }
    out += prefix + grouped + rest;
    return;
  }
  body = prefix + (sp.grouping ? group_digits(digits, sp.grouping, group) : digits) + rest;

  size_t w = text_width(body);
  if (w >= width) {
    out += body;
    return;
  }
  size_t n = width - w;
  switch (align) {
  case '<': out += body + repeat(fill, n); break;
  case '>': out += repeat(fill, n) + body; break;
  case '^': out += repeat(fill, n / 2) + body + repeat(fill, n - n / 2); break;
  default: // '=': padding between the sign (and base prefix) and the digits
    out += prefix + repeat(fill, n) + body.substr(prefix.size());
    break;
  }
}

template <class T> void append_float(std::string &out, T v, std::string_view spec, const char *type_name) {
  if (spec.empty()) { // the common case: `{x}`
    append_shortest(out, v);
    return;
  }
  Spec sp;
  if (!parse_spec(spec, sp) || !needs_python_path(sp, Kind::Float)) {
    if (!fmt_with_spec(out, spec, v)) bad_spec(spec, type_name);
    return;
  }
  std::string core;
  if (!float_core(core, v, sp)) bad_spec(spec, type_name);
  finish_python(out, core, sp, true);
}

} // namespace

size_t text_width(std::string_view text) {
  size_t n = 0;
  for (char c : text)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n; // skip continuation bytes
  return n;
}

void append_f32(std::string &out, float v, std::string_view spec) { append_float(out, v, spec, "f32"); }

void append_f64(std::string &out, double v, std::string_view spec) { append_float(out, v, spec, "f64"); }

void append_int(std::string &out, int64_t v, std::string_view spec, const char *type_name) {
  if (spec.empty()) {
    fmt::format_to(std::back_inserter(out), "{}", v);
    return;
  }
  Spec sp;
  if (!parse_spec(spec, sp) || !needs_python_path(sp, Kind::Int)) {
    if (!fmt_with_spec(out, spec, v)) bad_spec(spec, type_name);
    return;
  }
  std::string core;
  if (!int_core(core, v, sp)) bad_spec(spec, type_name);
  finish_python(out, core, sp, true);
}

void append_bool(std::string &out, bool v, std::string_view spec) {
  if (spec.empty()) {
    out += v ? "true" : "false";
    return;
  }
  // As in Python, a bool is text unless the spec asks for a number ({b:d} -> 1).
  Spec sp;
  bool as_text = !parse_spec(spec, sp) || sp.type == 0 || sp.type == 's';
  if (!as_text) {
    append_int(out, v ? 1 : 0, spec, "bool");
    return;
  }
  std::string_view text = v ? "true" : "false";
  if (!fmt_with_spec(out, spec, text)) bad_spec(spec, "bool");
}

} // namespace mlp::rt
