/// \file idx.cpp
/// The IDX reader of idx.h: plain files with read(2), gzip files with zlib,
/// chosen by the file's first two bytes.

#include "runtime/idx.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

namespace mlp {
namespace {

/// The largest data size accepted (bytes): far above any real data set,
/// small enough that sizes never overflow.
constexpr int64_t kMaxBytes = int64_t(1) << 48;

std::string quoted(const std::string &path) { return "'" + path + "'"; }

} // namespace

/// A file read from the start, decompressed if it is gzip.
struct IdxReader::Source {
  ~Source() {
    if (gz_) gzclose(gz_); // closes fd_ too
    else if (fd_ >= 0) ::close(fd_);
  }

  bool open(const std::string &path, std::string &error) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      error = "cannot open " + quoted(path) + ": " + std::strerror(errno);
      return false;
    }
    struct stat st;
    if (fstat(fd_, &st) != 0) return fail_errno(error);
    if (S_ISDIR(st.st_mode)) {
      error = "cannot read " + quoted(path) + ": " + std::strerror(EISDIR);
      return false;
    }
    size_ = S_ISREG(st.st_mode) ? static_cast<int64_t>(st.st_size) : -1;
    unsigned char magic[2];
    ssize_t n;
    do n = ::pread(fd_, magic, 2, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0) return fail_errno(error);
    if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
      gz_ = gzdopen(fd_, "rb");
      if (!gz_) {
        error = "cannot read " + quoted(path) + ": out of memory";
        return false;
      }
      gzbuffer(gz_, 1 << 18);
    }
    return true;
  }

  bool compressed() const { return gz_ != nullptr; }
  /// The size of an uncompressed regular file, else -1.
  int64_t plainSize() const { return gz_ ? -1 : size_; }

  /// Reads up to `n` bytes; fewer only at the end of the data. -1 on error.
  int64_t read(void *buffer, int64_t n, std::string &error) {
    auto *out = static_cast<unsigned char *>(buffer);
    int64_t got = 0;
    while (got < n) {
      int64_t want = std::min<int64_t>(n - got, int64_t(1) << 30);
      int64_t r;
      if (gz_) {
        r = gzread(gz_, out + got, static_cast<unsigned>(want));
        if (r < 0) {
          int code = Z_OK;
          const char *message = gzerror(gz_, &code);
          if (code == Z_ERRNO) return fail_errno(error), -1;
          // zlib prefixes the path it was given, "<fd:N>" for gzdopen.
          std::string text = message;
          if (text.compare(0, 4, "<fd:") == 0 && text.find(">: ") != std::string::npos)
            text.erase(0, text.find(">: ") + 3);
          error = quoted(path_) + " is not a valid gzip file (" + text + ")";
          return -1;
        }
        if (r == 0) {
          // The end; zlib reports a stream cut short only through gzerror.
          int code = Z_OK;
          gzerror(gz_, &code);
          cutShort_ = code == Z_BUF_ERROR;
          break;
        }
      } else {
        r = ::read(fd_, out + got, static_cast<size_t>(want));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return fail_errno(error), -1;
        if (r == 0) break;
      }
      got += r;
    }
    return got;
  }

  /// True once a read ended because a gzip stream stopped in the middle.
  bool cutShort() const { return cutShort_; }

private:
  bool fail_errno(std::string &error) {
    error = "cannot read " + quoted(path_) + ": " + std::strerror(errno);
    return false;
  }

  std::string path_;
  int fd_ = -1;
  gzFile gz_ = nullptr;
  int64_t size_ = -1;
  bool cutShort_ = false;
};

namespace {

std::string hex8(uint32_t v) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", v);
  return text;
}

std::string size_text(int64_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

/// Reads and checks the header. `headerBytes` and `dataBytes` are the sizes
/// of the two parts the header announces.
bool read_header(IdxReader::Source &in, const std::string &path, IdxHeader &out, int64_t &headerBytes,
                 int64_t &dataBytes, std::string &error) {
  unsigned char magic[4];
  int64_t got = in.read(magic, 4, error);
  if (got < 0) return false;
  if (got < 4) {
    error = quoted(path) + " is not an IDX file (" +
            (got == 0 ? std::string("it is empty") : "bad magic: it has only " + size_text(got)) + ")";
    return false;
  }
  uint32_t word = uint32_t(magic[0]) << 24 | uint32_t(magic[1]) << 16 | uint32_t(magic[2]) << 8 | magic[3];
  if (magic[0] != 0 || magic[1] != 0 || idxElementSize(magic[2]) == 0 || magic[3] == 0) {
    error = quoted(path) + " is not an IDX file (bad magic " + hex8(word) + ")";
    return false;
  }
  out.type = magic[2];
  const int rank = magic[3];
  headerBytes = 4 + 4 * int64_t(rank);
  unsigned char sizes[4 * 255];
  got = in.read(sizes, 4 * rank, error);
  if (got < 0) return false;
  if (got < 4 * rank) {
    error = quoted(path) + " is truncated: expected " + size_text(headerBytes) + " of header, found " +
            std::to_string(4 + got);
    return false;
  }
  out.dims.assign(rank, 0);
  // The bound applies to the product of the non-zero sizes: a file of 0
  // items still gives its item shape to the compiler and the runtime, which
  // multiply it out (0 x 2^32 x 2^32 x 2^32 would overflow there).
  int64_t nonZero = idxElementSize(out.type);
  bool tooLarge = false, empty = false;
  for (int k = 0; k < rank; ++k) {
    const unsigned char *p = sizes + 4 * k;
    out.dims[k] = int64_t(uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]);
    if (out.dims[k] == 0) empty = true;
    else if (nonZero > kMaxBytes / out.dims[k]) tooLarge = true;
    else nonZero *= out.dims[k];
  }
  dataBytes = empty ? 0 : nonZero;
  if (tooLarge) {
    std::string dims;
    for (int k = 0; k < rank; ++k) dims += (k ? "x" : "") + std::to_string(out.dims[k]);
    error = quoted(path) + " is not an IDX file (its sizes " + dims + " are too large)";
    return false;
  }
  return true;
}

/// `'path' is truncated: ...` or `'path' is too long: ...` for a data part
/// of `found` bytes where the header announced `expected`.
std::string wrong_length(const std::string &path, int64_t expected, int64_t found) {
  return quoted(path) + (found < expected ? " is truncated" : " is too long") + ": expected " +
         size_text(expected) + " of data, found " + std::to_string(found);
}

} // namespace

int idxElementSize(int type) {
  switch (type) {
  case 0x08: case 0x09: return 1;
  case 0x0B: return 2;
  case 0x0C: case 0x0D: return 4;
  case 0x0E: return 8;
  }
  return 0;
}

const char *idxTypeName(int type) {
  switch (type) {
  case 0x08: return "ubyte";
  case 0x09: return "byte";
  case 0x0B: return "short";
  case 0x0C: return "int";
  case 0x0D: return "float";
  case 0x0E: return "double";
  }
  return "?";
}

std::string idxItemShape(const IdxHeader &header) {
  std::string out;
  for (size_t k = 1; k < header.dims.size(); ++k) out += (k > 1 ? "x" : "") + std::to_string(header.dims[k]);
  return out;
}

IdxReader::IdxReader() = default;
IdxReader::~IdxReader() { delete source_; }

bool IdxReader::open(const std::string &path, IdxHeader &header, std::string &error) {
  delete source_;
  source_ = new Source;
  path_ = path;
  position_ = 0;
  int64_t headerBytes = 0;
  if (!source_->open(path, error) || !read_header(*source_, path, header, headerBytes, dataBytes_, error))
    return false;
  // An uncompressed file's size tells at once whether the data is all there.
  int64_t size = source_->plainSize();
  if (size >= 0 && size - headerBytes != dataBytes_) {
    error = wrong_length(path, dataBytes_, size - headerBytes);
    return false;
  }
  return true;
}

bool IdxReader::read(void *buffer, int64_t n, std::string &error) {
  if (!source_ || n < 0 || n > dataBytes_ - position_) {
    error = "internal error: bad IdxReader::read of " + std::to_string(n) + " bytes";
    return false;
  }
  int64_t got = source_->read(buffer, n, error);
  if (got < 0) return false;
  position_ += got;
  if (got < n) {
    error = wrong_length(path_, dataBytes_, position_);
    return false;
  }
  return true;
}

bool IdxReader::finish(std::string &error) {
  if (!source_ || position_ != dataBytes_) {
    error = "internal error: IdxReader::finish before the end of the data";
    return false;
  }
  int64_t extra = 0;
  unsigned char scratch[1 << 14];
  for (;;) {
    int64_t r = source_->read(scratch, sizeof scratch, error);
    if (r < 0) return false;
    extra += r;
    if (r < static_cast<int64_t>(sizeof scratch)) break;
  }
  if (extra > 0) {
    error = wrong_length(path_, dataBytes_, dataBytes_ + extra);
    return false;
  }
  if (source_->cutShort()) {
    error = quoted(path_) + " is not a valid gzip file (unexpected end of file)";
    return false;
  }
  return true;
}

bool readIdxHeader(const std::string &path, IdxHeader &out, std::string &error) {
  IdxReader in;
  return in.open(path, out, error);
}

} // namespace mlp
