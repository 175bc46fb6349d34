/// \file json.h
/// Strict JSON reading (RFC 8259) on top of nlohmann-json, for safetensors
/// headers and `json(path)` table sources. Strict because a file is only
/// trusted after it is fully checked: no comments, no trailing commas, no
/// duplicate keys, valid UTF-8, at most 64 levels of nesting.
///
/// nlohmann's header is large: only json.cpp, safetensors.cpp,
/// json_table.cpp, fit/fitted_file.cpp and transform_file.cpp include this
/// file.
#ifndef MLP_RUNTIME_JSON_H
#define MLP_RUNTIME_JSON_H

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace mlp::rt {

/// A parsed JSON value. Objects keep their keys in file order (a safetensors
/// file lists its tensors, a record its fields, as written); integers stay
/// exact (non-negative ones are number_unsigned, so uint64 offsets fit).
using Json = nlohmann::ordered_json;

/// Parses `text` as one JSON value (whitespace around it allowed). On
/// failure returns false and sets `error` to where and what, e.g.
/// `line 1, column 11: duplicate key 'a'`.
bool parse_json(std::string_view text, Json &out, std::string &error);

/// Reads a whole file into `out`. On failure returns false with `error`
/// `cannot open 'path': <reason>` or `cannot read 'path': <reason>`.
bool read_file(const std::string &path, std::string &out, std::string &error);

} // namespace mlp::rt

#endif // MLP_RUNTIME_JSON_H
