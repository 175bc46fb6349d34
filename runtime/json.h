/// \file json.h
/// A small strict JSON reader (RFC 8259) for the headers of safetensors
/// files. Strict because a file is only trusted after it is fully checked:
/// no comments, no trailing commas, no duplicate keys, valid UTF-8, valid
/// escapes. Numbers keep their text, so 64-bit offsets are read exactly.
#ifndef MLP_RUNTIME_JSON_H
#define MLP_RUNTIME_JSON_H

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlp::rt {

struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool boolean = false;
  std::string text; ///< String: the unescaped value; Number: as written
  std::vector<Json> items;                            ///< Array
  std::vector<std::pair<std::string, Json>> members; ///< Object, in file order

  /// A Number that is a non-negative integer fitting in uint64.
  bool unsigned_integer(uint64_t &out) const;
  /// The member called `key`, or null.
  const Json *member(std::string_view key) const;
};

/// Parses `text` as one JSON value; trailing whitespace is allowed, anything
/// else after the value is not. On failure returns false and sets `error`
/// (e.g. `expected ':' at byte 17`).
bool parse_json(std::string_view text, Json &out, std::string &error);

} // namespace mlp::rt

#endif // MLP_RUNTIME_JSON_H
