/// \file json.cpp
/// The strict JSON reader of json.h: a recursive-descent parser over the
/// RFC 8259 grammar, with a depth limit so a hostile file cannot overflow the
/// stack.

#include "runtime/json.h"

#include <charconv>

namespace mlp::rt {
namespace {

constexpr int kMaxDepth = 64;

class Parser {
public:
  explicit Parser(std::string_view text) : s_(text) {}

  bool parse(Json &out, std::string &error) {
    bool ok = value(out, 0);
    if (ok) {
      space();
      if (pos_ != s_.size()) ok = fail("unexpected text after the JSON value");
    }
    if (!ok) error = error_ + " at byte " + std::to_string(pos_);
    return ok;
  }

private:
  bool fail(const std::string &what) {
    if (error_.empty()) error_ = what;
    return false;
  }
  void space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return fail("invalid value");
    pos_ += word.size();
    return true;
  }
  bool digits() {
    size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    return pos_ > start || fail("expected a digit");
  }

  bool value(Json &out, int depth) {
    if (depth > kMaxDepth) return fail("nested too deeply");
    space();
    if (pos_ >= s_.size()) return fail("unexpected end of the JSON text");
    char c = s_[pos_];
    switch (c) {
    case '{': return object(out, depth);
    case '[': return array(out, depth);
    case '"': out.kind = Json::String; return string(out.text);
    case 't': out.kind = Json::Bool; out.boolean = true; return literal("true");
    case 'f': out.kind = Json::Bool; out.boolean = false; return literal("false");
    case 'n': out.kind = Json::Null; return literal("null");
    default:
      if (c == '-' || (c >= '0' && c <= '9')) return number(out);
      return fail("invalid value");
    }
  }

  bool number(Json &out) {
    size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') ++pos_; // no leading zeros
    else if (!digits()) return false;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (!digits()) return false;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digits()) return false;
    }
    out.kind = Json::Number;
    out.text = std::string(s_.substr(start, pos_ - start));
    return true;
  }

  bool hex4(uint32_t &out) {
    if (pos_ + 4 > s_.size()) return fail("bad \\u escape");
    auto [end, ec] = std::from_chars(s_.data() + pos_, s_.data() + pos_ + 4, out, 16);
    if (ec != std::errc() || end != s_.data() + pos_ + 4) return fail("bad \\u escape");
    pos_ += 4;
    return true;
  }

  static void append_utf8(std::string &out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  /// Checks one UTF-8 sequence starting at pos_ and copies it to `out`.
  bool utf8(std::string &out) {
    auto b = static_cast<unsigned char>(s_[pos_]);
    int more = b < 0x80 ? 0 : b >= 0xC2 && b <= 0xDF ? 1 : b >= 0xE0 && b <= 0xEF ? 2
             : b >= 0xF0 && b <= 0xF4 ? 3 : -1;
    if (more < 0 || pos_ + more >= s_.size()) return fail("invalid UTF-8");
    uint32_t cp = more == 0 ? b : b & (0x3F >> more);
    for (int i = 1; i <= more; ++i) {
      auto c = static_cast<unsigned char>(s_[pos_ + i]);
      if ((c & 0xC0) != 0x80) return fail("invalid UTF-8");
      cp = (cp << 6) | (c & 0x3F);
    }
    static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[more] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return fail("invalid UTF-8");
    out.append(s_.substr(pos_, more + 1));
    pos_ += more + 1;
    return true;
  }

  bool string(std::string &out) {
    ++pos_; // the opening quote
    out.clear();
    for (;;) {
      if (pos_ >= s_.size()) return fail("unterminated string");
      char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
      if (c != '\\') {
        if (!utf8(out)) return false;
        continue;
      }
      if (++pos_ >= s_.size()) return fail("unterminated string");
      char e = s_[pos_++];
      switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        uint32_t cp;
        if (!hex4(cp)) return false;
        if (cp >= 0xD800 && cp <= 0xDBFF) { // a surrogate pair
          uint32_t low;
          if (s_.substr(pos_, 2) != "\\u") return fail("unpaired surrogate");
          pos_ += 2;
          if (!hex4(low)) return false;
          if (low < 0xDC00 || low > 0xDFFF) return fail("unpaired surrogate");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return fail("unpaired surrogate");
        }
        append_utf8(out, cp);
        break;
      }
      default: --pos_; return fail("bad escape");
      }
    }
  }

  bool array(Json &out, int depth) {
    out.kind = Json::Array;
    ++pos_;
    space();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      out.items.emplace_back();
      if (!value(out.items.back(), depth + 1)) return false;
      space();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }

  bool object(Json &out, int depth) {
    out.kind = Json::Object;
    ++pos_;
    space();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      space();
      if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected a string key");
      std::string key;
      size_t keyAt = pos_;
      if (!string(key)) return false;
      if (out.member(key)) {
        pos_ = keyAt;
        return fail("duplicate key '" + key + "'");
      }
      space();
      if (pos_ >= s_.size() || s_[pos_] != ':') return fail("expected ':'");
      ++pos_;
      out.members.emplace_back(std::move(key), Json());
      if (!value(out.members.back().second, depth + 1)) return false;
      space();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or '}'");
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string error_;
};

} // namespace

bool Json::unsigned_integer(uint64_t &out) const {
  if (kind != Number || text.empty() || text[0] == '-') return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size(); // "1.0", "1e3" are not
}

const Json *Json::member(std::string_view key) const {
  for (const auto &m : members)
    if (m.first == key) return &m.second;
  return nullptr;
}

bool parse_json(std::string_view text, Json &out, std::string &error) {
  out = Json();
  return Parser(text).parse(out, error);
}

} // namespace mlp::rt
