/// \file pipeline.cpp
/// Small helpers shared by the data-pipeline files (see pipeline.h): object
/// ownership, name lists, shape checks, the seeded permutation, and
/// all-or-nothing output files.

#include "runtime/pipeline.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace mlp::rt {

std::unordered_map<const void *, std::shared_ptr<void>> &kept_objects() {
  static std::unordered_map<const void *, std::shared_ptr<void>> objects;
  return objects;
}

void release(const void *object, const char *function) {
  if (!object) return;
  if (kept_objects().erase(object) == 0) internal_error(std::string(function) + ": unknown or freed handle");
}

void internal_error(const std::string &what) { die("internal error: " + what, 1); }

std::vector<std::string> split_list(std::string_view text, bool trim) {
  std::vector<std::string> names;
  auto trimmed = [&](std::string_view s) {
    while (trim && !s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (trim && !s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  if (text.empty() || trimmed(text).empty()) return names;
  for (;;) {
    size_t comma = text.find(',');
    names.emplace_back(trimmed(text.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return names;
}

std::string join(const std::vector<std::string> &names, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += sep;
    out += names[i];
  }
  return out;
}

std::string shape_text(const int64_t *sizes, int64_t rank) {
  std::string out = "[";
  for (int64_t i = 0; i < rank; ++i) {
    if (i) out += ", ";
    out += std::to_string(sizes[i]);
  }
  return out + "]";
}

StridedView expect_shape(int64_t rank, const void *descriptor, std::initializer_list<int64_t> sizes,
                         const char *what) {
  StridedView v = view_from_descriptor(rank, descriptor);
  bool same = rank == static_cast<int64_t>(sizes.size());
  for (int64_t i = 0; same && i < rank; ++i) same = v.sizes[i] == sizes.begin()[i];
  if (!same)
    internal_error(std::string(what) + " has shape " + shape_text(v.sizes, rank) + ", expected " +
                   shape_text(sizes.begin(), static_cast<int64_t>(sizes.size())));
  return v;
}

namespace {
/// SplitMix64's output function on its own: a strong 64-bit mixer.
uint64_t mix(uint64_t x) { return SplitMix64{x}.next(); }
} // namespace

std::vector<int64_t> permutation(int64_t n, int64_t seed, int64_t stream) {
  std::vector<int64_t> p(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  if (seed < 0) return p;
  SplitMix64 rng{mix(static_cast<uint64_t>(seed) + mix(static_cast<uint64_t>(stream)))};
  for (int64_t i = n - 1; i > 0; --i) {
    // j uniform in [0, i]: the high half of a 64x64-bit product (Lemire),
    // no division and a bias below 2^-40 for any realistic table size.
    auto j = static_cast<int64_t>((static_cast<unsigned __int128>(rng.next()) *
                                   static_cast<uint64_t>(i + 1)) >> 64);
    std::swap(p[i], p[j]);
  }
  return p;
}

/* ------------------------------------------------------------- OutputFile */

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  size_t slash = path_.find_last_of('/');
  std::string dir = slash == std::string::npos ? "" : path_.substr(0, slash + 1);
  std::string name = slash == std::string::npos ? path_ : path_.substr(slash + 1);
  temp_ = dir + "." + name + ".tmp-XXXXXX";
  int fd = mkstemp(temp_.data());
  if (fd < 0) {
    int err = errno;
    temp_.clear();
    fail(err);
  }
  // mkstemp makes the file 0600; give it the mode a plain fopen would.
  mode_t mask = umask(0);
  umask(mask);
  fchmod(fd, 0666 & ~mask);
  file_ = fdopen(fd, "wb");
  if (!file_) {
    int err = errno;
    close(fd);
    fail(err);
  }
}

OutputFile::~OutputFile() {
  if (file_) std::fclose(file_);
  if (!temp_.empty()) std::remove(temp_.c_str());
}

void OutputFile::write(const void *data, size_t size) {
  if (size && std::fwrite(data, 1, size, file_) != size) fail(errno);
}

void OutputFile::commit() {
  FILE *f = file_;
  file_ = nullptr;
  if (std::fclose(f) != 0) fail(errno);
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) fail(errno);
  temp_.clear();
}

void OutputFile::fail(int err) {
  if (file_) std::fclose(file_);
  file_ = nullptr;
  if (!temp_.empty()) std::remove(temp_.c_str());
  temp_.clear();
  die("cannot write '" + path_ + "': " + std::strerror(err), 1);
}

} // namespace mlp::rt
