/// \file tokens.h
/// How `tokenize` splits text, shared by the compiler (which builds the
/// vocabulary from the values it sees) and the runtime (which encodes).
#ifndef MLP_RUNTIME_TOKENS_H
#define MLP_RUNTIME_TOKENS_H

#include <cctype>
#include <string_view>
#include <vector>

namespace mlp {

/// The tokens of `text`: its words (split at white space), or with `chars`
/// its UTF-8 characters.
inline std::vector<std::string_view> splitTokens(std::string_view text, bool chars) {
  std::vector<std::string_view> out;
  for (size_t k = 0; k < text.size();) {
    if (chars) {
      auto lead = static_cast<unsigned char>(text[k]);
      size_t n = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
      out.push_back(text.substr(k, n));
      k += n;
      continue;
    }
    while (k < text.size() && std::isspace(static_cast<unsigned char>(text[k]))) ++k;
    size_t end = k;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    if (end > k) out.push_back(text.substr(k, end - k));
    k = end;
  }
  return out;
}

} // namespace mlp

#endif // MLP_RUNTIME_TOKENS_H
