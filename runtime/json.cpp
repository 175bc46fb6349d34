/// \file json.cpp
/// The strict JSON reader of json.h. nlohmann already rejects comments
/// (ignore_comments is off), trailing commas, bad escapes and invalid UTF-8;
/// StrictBuilder rejects what it accepts by default: duplicate keys (it
/// keeps the last) and unbounded nesting.

#include "runtime/json.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <set>
#include <vector>

namespace mlp::rt {
namespace {

constexpr int kMaxDepth = 64;

/// Walks the text like a `const char *`, noting how far the parser has
/// read: SAX events say what was parsed but not where, and an error found
/// in one should say where.
struct TrackingIterator {
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char *;
  using reference = const char &;

  const char *at;
  const char **read; ///< where the parser has read up to

  reference operator*() const { return *at; }
  TrackingIterator &operator++() {
    *read = ++at;
    return *this;
  }
  bool operator==(const TrackingIterator &other) const { return at == other.at; }
  bool operator!=(const TrackingIterator &other) const { return at != other.at; }
};

/// nlohmann's DOM builder with the checks it lacks. parse() with a callback
/// could make them too, but it rescans the enclosing array after each object
/// (quadratic in the records of a json() source); these SAX events cost
/// nothing extra. A check that fails stops the parse and says why.
class StrictBuilder : public nlohmann::detail::json_sax_dom_parser<Json> {
public:
  using Base = nlohmann::detail::json_sax_dom_parser<Json>;
  using Base::Base;
  std::string rejected; ///< why the parse stopped, when a check did

  bool start_object(std::size_t size) {
    keys_.emplace_back();
    return enter() && Base::start_object(size);
  }
  bool end_object() {
    keys_.pop_back();
    --depth_;
    return Base::end_object();
  }
  bool start_array(std::size_t size) { return enter() && Base::start_array(size); }
  bool end_array() {
    --depth_;
    return Base::end_array();
  }
  bool key(std::string &name) {
    if (!keys_.back().insert(name).second) return reject("duplicate key '" + name + "'");
    return Base::key(name);
  }

private:
  bool reject(std::string why) {
    rejected = std::move(why);
    return false;
  }
  bool enter() { return ++depth_ <= kMaxDepth || reject("nested deeper than " + std::to_string(kMaxDepth) + " levels"); }

  int depth_ = 0;
  std::vector<std::set<std::string>> keys_; ///< of each object being read
};

/// `line L, column C` of the byte before `end`, counted as nlohmann counts
/// in its own messages (the column is the bytes read on that line).
std::string position(std::string_view text, size_t end) {
  size_t newline = text.substr(0, end).rfind('\n');
  size_t lineStart = newline == std::string_view::npos ? 0 : newline + 1;
  size_t line = 1 + std::count(text.begin(), text.begin() + lineStart, '\n');
  return "line " + std::to_string(line) + ", column " + std::to_string(end - lineStart);
}

/// nlohmann's message without its `[json.exception.parse_error.101] parse
/// error at ` prefix; bytes that are not ASCII shown as <FF>, since the
/// text it quotes may be the invalid UTF-8 it complains about.
std::string readable(std::string what) {
  const std::string prefix = "parse error at ";
  if (size_t at = what.find(prefix); at != std::string::npos) what.erase(0, at + prefix.size());
  else if (size_t end = what.find("] "); what[0] == '[' && end != std::string::npos) what.erase(0, end + 2);
  std::string out;
  for (char c : what) {
    static const char kHex[] = "0123456789ABCDEF";
    auto b = static_cast<unsigned char>(c);
    if (b < 0x80) out += c;
    else out += std::string("<") + kHex[b >> 4] + kHex[b & 15] + ">";
  }
  return out;
}

} // namespace

bool parse_json(std::string_view text, Json &out, std::string &error) {
  const char *read = text.data();
  StrictBuilder builder(out);
  try {
    if (Json::sax_parse(TrackingIterator{text.data(), &read}, TrackingIterator{text.data() + text.size(), &read},
                        &builder, Json::input_format_t::json, /*strict=*/true,
                        /*ignore_comments=*/false))
      return true;
    error = position(text, static_cast<size_t>(read - text.data())) + ": " + builder.rejected;
  } catch (const Json::exception &e) { // a syntax error, or a number too large for a double
    error = readable(e.what());
  }
  out = Json();
  return false;
}

bool read_file(const std::string &path, std::string &out, std::string &error) {
  FILE *in = std::fopen(path.c_str(), "rb");
  if (!in) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  out.clear();
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, in)) > 0) out.append(buf, n);
  bool failed = std::ferror(in);
  int err = errno;
  std::fclose(in);
  if (failed) { // e.g. the path is a directory
    error = "cannot read '" + path + "': " + std::strerror(err);
    return false;
  }
  return true;
}

} // namespace mlp::rt
