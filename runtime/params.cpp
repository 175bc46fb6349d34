/// \file params.cpp
/// Pipeline parameters: `param lr: f32 = 0.01` becomes the flag `--lr`.
///
/// Generated code declares every param, calls mlp_rt_params_parse once, then
/// reads values with the typed getters. Errors on the command line are the
/// user's: they get one clear line and exit status 2. Errors in how the
/// runtime is called are the compiler's: exit status 1.

#include "runtime/internal.h"
#include "runtime/mlp_runtime.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <system_error>

namespace mlp::rt {
namespace {

enum class ParamType { F32, F64, I32, I64, Bool, Str };

const char *type_name(ParamType t) {
  switch (t) {
  case ParamType::F32: return "f32";
  case ParamType::F64: return "f64";
  case ParamType::I32: return "i32";
  case ParamType::I64: return "i64";
  case ParamType::Bool: return "bool";
  case ParamType::Str: return "str";
  }
  return "?";
}

bool type_from_name(std::string_view s, ParamType &out) {
  if (s == "f32" || s == "float") out = ParamType::F32;
  else if (s == "f64") out = ParamType::F64;
  else if (s == "i32") out = ParamType::I32;
  else if (s == "i64" || s == "int") out = ParamType::I64;
  else if (s == "bool") out = ParamType::Bool;
  else if (s == "str") out = ParamType::Str;
  else return false;
  return true;
}

/// A parsed value. Every numeric type fits exactly in one of the fields.
struct Value {
  std::string text; ///< as given (a str param's value; mlp_rt_param_str of any param)
  double f = 0;     ///< f32 and f64 (an f32 widens to double exactly)
  int64_t i = 0;    ///< i32 and i64
  bool b = false;
};

struct Param {
  std::string name;
  ParamType type = ParamType::Str;
  bool has_default = false;
  std::string default_text;
  bool has_value = false; ///< from the default or from a flag
  Value value;
  /// The smallest value the program accepts (mlp_rt_param_at_least), and
  /// what the param is, for the message.
  bool has_minimum = false;
  double minimum = 0;
  std::string meaning;
};

/// Declaration order is kept for `--help`; there are few params, so a linear
/// lookup is as fast as a map and keeps the order for free.
std::vector<Param> g_params;

std::string lower(std::string_view s) {
  std::string r(s);
  for (char &c : r)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return r;
}

bool parse_bool(std::string_view text, bool &out) {
  std::string t = lower(text);
  if (t == "true" || t == "1" || t == "yes" || t == "on") out = true;
  else if (t == "false" || t == "0" || t == "no" || t == "off") out = false;
  else return false;
  return true;
}

/// Parses `text` as a value of type `t`. On failure returns false and sets
/// `why` to the end of an error sentence ("expected an integer (i32)").
/// std::from_chars is used because it is exact, locale-independent and
/// rejects trailing junk and leading blanks, unlike strtod/strtol.
bool parse_value(ParamType t, std::string_view text, Value &out, std::string &why) {
  out.text = std::string(text);
  std::string_view digits = text;
  // from_chars rejects a leading '+', which people do type ("+5").
  if (digits.size() > 1 && digits[0] == '+' && digits[1] != '-') digits.remove_prefix(1);
  const char *first = digits.data();
  const char *last = digits.data() + digits.size();
  switch (t) {
  case ParamType::I32:
  case ParamType::I64: {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(first, last, v);
    bool whole = !digits.empty() && ptr == last;
    bool in_range = ec == std::errc() &&
                    (t == ParamType::I64 || (v >= std::numeric_limits<int32_t>::min() &&
                                             v <= std::numeric_limits<int32_t>::max()));
    if (whole && (ec == std::errc::result_out_of_range || (ec == std::errc() && !in_range))) {
      why = std::string("out of range for ") + type_name(t);
      return false;
    }
    if (ec != std::errc() || !whole) {
      why = std::string("expected an integer (") + type_name(t) + ")";
      return false;
    }
    out.i = v;
    return true;
  }
  case ParamType::F32:
  case ParamType::F64: {
    double v = 0;
    std::errc ec{};
    const char *ptr = first;
    if (t == ParamType::F32) {
      float fv = 0;
      auto r = std::from_chars(first, last, fv);
      ptr = r.ptr, ec = r.ec, v = fv;
    } else {
      auto r = std::from_chars(first, last, v);
      ptr = r.ptr, ec = r.ec;
    }
    bool whole = !digits.empty() && ptr == last;
    if (ec == std::errc::result_out_of_range && whole) {
      why = std::string("out of range for ") + type_name(t);
      return false;
    }
    if (ec != std::errc() || !whole) {
      why = std::string("expected a number (") + type_name(t) + ")";
      return false;
    }
    out.f = v;
    return true;
  }
  case ParamType::Bool:
    if (!parse_bool(text, out.b)) {
      why = "expected true or false (bool)";
      return false;
    }
    out.text = out.b ? "true" : "false";
    return true;
  case ParamType::Str:
    return true;
  }
  return false;
}

Param *find_param(std::string_view name) {
  for (Param &p : g_params)
    if (p.name == name) return &p;
  return nullptr;
}

/// Flag names match param names with '-' read as '_', so both
/// `--batch_size` and the more usual `--batch-size` work.
Param *find_flag(std::string_view flag_name) {
  std::string n(flag_name);
  std::replace(n.begin(), n.end(), '-', '_');
  return find_param(n);
}

std::string usage_synopsis();

/// `1`, `0.5`: a minimum as the message shows it.
std::string fmt_minimum(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

/// A bad command line: the usage synopsis, as argparse shows it, then the
/// error (exit status 2).
[[noreturn]] void usage_error(const std::string &message) {
  std::fflush(stdout);
  std::string synopsis = usage_synopsis();
  std::fwrite(synopsis.data(), 1, synopsis.size(), stderr);
  die(message + " (run with --help to list the options)", 2);
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

/// The declared param closest to a mistyped flag, if one is close enough to
/// be a plausible typo ("--lrr" -> "--lr").
const Param *suggestion_for(std::string_view flag_name) {
  std::string n(flag_name);
  std::replace(n.begin(), n.end(), '-', '_');
  const Param *best = nullptr;
  size_t best_distance = std::max<size_t>(1, n.size() / 3) + 1;
  for (const Param &p : g_params) {
    size_t d = edit_distance(n, p.name);
    if (d < best_distance) best = &p, best_distance = d;
  }
  return best;
}

std::string upper(std::string_view s) {
  std::string r(s);
  for (char &c : r)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return r;
}

/// `usage: prog [--lr F32] ...`, wrapped at 80 columns, with its newline.
std::string usage_synopsis() {
  std::string out = "usage: " + program_name();
  const size_t indent = out.size() + 1;
  size_t line_start = 0;
  for (const Param &p : g_params) {
    std::string item = "--" + p.name + " " + upper(type_name(p.type));
    if (p.has_default) item = "[" + item + "]";
    if (out.size() - line_start + 1 + item.size() > 80 && out.size() - line_start > indent) {
      out += "\n";
      line_start = out.size();
      out += std::string(indent - 1, ' ');
    }
    out += " " + item;
  }
  return out + "\n";
}

/// argparse-style usage: the synopsis, then a table of the options.
void print_usage() {
  std::string out = usage_synopsis() + "\noptions:\n";

  std::vector<std::pair<std::string, std::string>> rows;
  rows.emplace_back("-h, --help", "show this help and exit");
  for (const Param &p : g_params) {
    std::string left = "--" + p.name + " <" + type_name(p.type) + ">";
    std::string right;
    if (!p.has_default) right = "(required)";
    else if (p.type == ParamType::Str) right = "(default \"" + p.default_text + "\")";
    else right = "(default " + p.default_text + ")";
    rows.emplace_back(std::move(left), std::move(right));
  }
  if (!find_param("threads"))
    rows.emplace_back("--threads <n>", "threads for matmul, convolution and large loops (default 0: every core)");
  size_t width = 0;
  for (const auto &row : rows) width = std::max(width, row.first.size());
  for (const auto &row : rows)
    out += "  " + row.first + std::string(width - row.first.size() + 2, ' ') + row.second + "\n";

  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

Param &param_for_getter(const char *name, ParamType wanted) {
  Param *p = find_param(name ? name : "");
  if (!p) die(std::string("internal error: no param named '") + (name ? name : "") + "'", 1);
  if (p->type != wanted)
    die("internal error: param '" + p->name + "' is " + type_name(p->type) + ", read as " +
            type_name(wanted),
        1);
  if (!p->has_value) usage_error("missing required option --" + p->name + " <" + type_name(p->type) + ">");
  return *p;
}

} // namespace

void reset_params() { g_params.clear(); }

} // namespace mlp::rt

using namespace mlp::rt;

extern "C" void mlp_rt_param_declare(const char *name, const char *type, const char *default_text) {
  std::string n = name ? name : "";
  ParamType t;
  if (!type_from_name(type ? type : "", t))
    die("internal error: param '" + n + "' has unknown type '" + (type ? type : "") + "'", 1);

  Param fresh;
  fresh.name = n;
  fresh.type = t;
  if (default_text) {
    fresh.has_default = true;
    fresh.default_text = default_text;
    std::string why;
    if (!parse_value(t, default_text, fresh.value, why))
      die("internal error: default '" + fresh.default_text + "' of param '" + n + "': " + why, 1);
    fresh.has_value = true;
  }
  if (Param *old = find_param(n)) *old = std::move(fresh);
  else g_params.push_back(std::move(fresh));
}

extern "C" void mlp_rt_param_at_least(const char *name, const char *minimum, const char *meaning) {
  Param *p = find_param(name ? name : "");
  if (!p) die("internal error: mlp_rt_param_at_least: no param '" + std::string(name ? name : "") + "'", 1);
  p->has_minimum = true;
  p->minimum = std::strtod(minimum ? minimum : "0", nullptr);
  p->meaning = meaning ? meaning : "";
}

extern "C" void mlp_rt_params_parse(void) {
  // Start from the defaults each time, so parsing twice (the REPL) is harmless.
  for (Param &p : g_params) {
    p.has_value = false;
    if (p.has_default) {
      std::string why;
      p.has_value = parse_value(p.type, p.default_text, p.value, why);
    }
  }

  int64_t threads = 0;
  const std::vector<std::string> &args = program_args();
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &arg = args[i];
    if (arg == "-h" || arg == "--help") {
      print_usage();
      std::exit(0);
    }
    // The runtime's own option, unless the program declares a param of that name.
    if ((arg == "--threads" || arg.rfind("--threads=", 0) == 0) && !find_param("threads")) {
      std::string value = arg.size() > 9 ? arg.substr(10) : i + 1 < args.size() ? args[++i] : "";
      Value parsed;
      std::string why;
      if (!parse_value(ParamType::I64, value, parsed, why) || parsed.i < 0 || parsed.i > 1024)
        usage_error("invalid value '" + value + "' for --threads: expected a count of threads, 0 for every core");
      threads = parsed.i;
      continue;
    }
    if (arg.size() <= 2 || arg.compare(0, 2, "--") != 0) {
      if (arg.size() > 1 && arg[0] == '-') usage_error("unknown option '" + arg + "'");
      usage_error("unexpected argument '" + arg + "'");
    }

    size_t eq = arg.find('=');
    std::string flag = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    Param *p = find_flag(flag);
    if (!p) {
      std::string message = "unknown option '--" + flag + "'";
      if (const Param *s = suggestion_for(flag)) message += "; did you mean '--" + s->name + "'?";
      usage_error(message);
    }

    std::string value;
    bool bool_next = false;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (p->type == ParamType::Bool) {
      // `--verbose` alone means true; `--verbose false` also works.
      value = "true";
      if (i + 1 < args.size() && parse_bool(args[i + 1], bool_next)) value = args[++i];
    } else if (i + 1 < args.size() && args[i + 1].compare(0, 2, "--") != 0) {
      // A value may start with one '-' (negative numbers), not with "--":
      // `--lr --epochs 5` forgot the value of --lr.
      value = args[++i];
    } else {
      usage_error("missing value for --" + flag + " <" + type_name(p->type) + ">");
    }

    Value parsed;
    std::string why;
    if (!parse_value(p->type, value, parsed, why))
      usage_error("invalid value '" + value + "' for --" + flag + ": " + why);
    bool integer = p->type == ParamType::I32 || p->type == ParamType::I64;
    if (p->has_minimum && (integer ? static_cast<double>(parsed.i) : parsed.f) < p->minimum)
      usage_error("invalid value '" + value + "' for --" + flag + ": " + p->meaning + " must be at least " +
                  fmt_minimum(p->minimum));
    p->value = std::move(parsed);
    p->has_value = true;
  }

  for (const Param &p : g_params)
    if (!p.has_value)
      usage_error("missing required option --" + p.name + " <" + type_name(p.type) + ">");
  set_thread_count(threads == 0 ? available_cores() : static_cast<int>(threads));
}

extern "C" float mlp_rt_param_f32(const char *name) {
  return static_cast<float>(param_for_getter(name, ParamType::F32).value.f);
}

extern "C" double mlp_rt_param_f64(const char *name) {
  return param_for_getter(name, ParamType::F64).value.f;
}

extern "C" int32_t mlp_rt_param_i32(const char *name) {
  return static_cast<int32_t>(param_for_getter(name, ParamType::I32).value.i);
}

extern "C" int64_t mlp_rt_param_i64(const char *name) {
  return param_for_getter(name, ParamType::I64).value.i;
}

extern "C" int32_t mlp_rt_param_bool(const char *name) {
  return param_for_getter(name, ParamType::Bool).value.b ? 1 : 0;
}

extern "C" const char *mlp_rt_param_str(const char *name) {
  Param *p = find_param(name ? name : "");
  if (!p) die(std::string("internal error: no param named '") + (name ? name : "") + "'", 1);
  return param_for_getter(name, p->type).value.text.c_str();
}
