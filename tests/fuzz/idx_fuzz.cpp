// libFuzzer target for the IDX reader of runtime/idx.h: the header reader
// the compiler runs on an idx() source (readIdxHeader) and the full read the
// runtime does (IdxReader: open, read the data in pieces, finish). Any bytes
// must read cleanly or give one error, never a crash, a leak, a hang or a
// read out of bounds (built with ASan + UBSan; LeakSanitizer is on).
//
// The reader takes a path, so the input is written to an in-memory file
// (memfd, opened again through /proc/self/fd: a file on disk made the
// fuzzer wait on the disk) as it is: plain IDX, or a gzip stream when it
// starts with 1f 8b. An input that is not gzip is also written
// gzip-compressed and read again: the two reads must agree (same header,
// same data, both fail or both succeed), which takes the fuzzer through
// valid gzip streams it could not find itself.
#include "runtime/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace {

struct MemFile {
  int fd = -1;
  std::string path; ///< /proc/self/fd/N
};
MemFile plainFile, gzipFile;

void fail(const char *what) {
  std::perror(what);
  std::abort();
}

MemFile makeFile(const char *name) {
  MemFile f;
  f.fd = memfd_create(name, 0);
  if (f.fd < 0) fail("memfd_create");
  f.path = "/proc/self/fd/" + std::to_string(f.fd);
  return f;
}

/// Empties `f` and leaves its offset at 0.
void clear(const MemFile &f) {
  if (ftruncate(f.fd, 0) != 0 || lseek(f.fd, 0, SEEK_SET) != 0) fail("ftruncate");
}

void writeFile(const MemFile &f, const uint8_t *data, size_t size) {
  clear(f);
  for (size_t done = 0; done < size;) {
    ssize_t n = write(f.fd, data + done, size - done);
    if (n <= 0) fail("write");
    done += static_cast<size_t>(n);
  }
}

void writeGzip(const MemFile &f, const uint8_t *data, size_t size) {
  clear(f);
  gzFile g = gzdopen(dup(f.fd), "wb"); // gzclose closes the dup
  if (!g || (size && gzwrite(g, data, static_cast<unsigned>(size)) != static_cast<int>(size)) ||
      gzclose(g) != Z_OK)
    fail("gzwrite");
}

struct Result {
  bool headerOk = false; ///< readIdxHeader succeeded
  bool readOk = false;   ///< the full read succeeded
  mlp::IdxHeader header;
  std::string data;      ///< the data part, when readOk
};

Result readAll(const std::string &path) {
  Result r;
  std::string error;
  r.headerOk = mlp::readIdxHeader(path, r.header, error);
  if (r.headerOk != error.empty()) __builtin_trap(); // a failure says why, a success says nothing
  if (r.headerOk) {
    // Whoever reads the header multiplies its sizes (the compiler and the
    // runtime take the item size, dims[1..], even of a file with 0 items):
    // no product of them may overflow.
    int64_t bytes = mlp::idxElementSize(r.header.type);
    if (bytes == 0 || r.header.dims.empty()) __builtin_trap();
    for (int64_t d : r.header.dims)
      if (d < 0 || __builtin_mul_overflow(bytes, d ? d : 1, &bytes)) __builtin_trap();
    (void)mlp::idxItemShape(r.header);
    (void)mlp::idxTypeName(r.header.type);
  }

  error.clear();
  mlp::IdxReader in;
  mlp::IdxHeader header;
  if (!in.open(path, header, error)) {
    if (error.empty()) __builtin_trap();
    return r;
  }
  if (!r.headerOk || header.type != r.header.type || header.dims != r.header.dims) __builtin_trap();
  int64_t expected = mlp::idxElementSize(header.type);
  for (int64_t d : header.dims) expected *= d;
  if (in.dataBytes() != expected) __builtin_trap();
  char buffer[1 << 12];
  int64_t left = in.dataBytes();
  // Reads in uneven pieces, as the runtime's converters may.
  for (int64_t piece = 1; left > 0; piece = piece * 3 + 1) {
    int64_t n = std::min<int64_t>({left, piece, static_cast<int64_t>(sizeof buffer)});
    if (!in.read(buffer, n, error)) {
      if (error.empty()) __builtin_trap();
      return r;
    }
    r.data.append(buffer, static_cast<size_t>(n));
    left -= n;
  }
  // One byte more is an error (past dataBytes()), not a read.
  if (in.read(buffer, 1, error)) __builtin_trap();
  error.clear();
  if (!in.finish(error)) {
    if (error.empty()) __builtin_trap();
    return r;
  }
  r.readOk = true;
  return r;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  plainFile = makeFile("mlp-idx-fuzz");
  gzipFile = makeFile("mlp-idx-fuzz.gz");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const bool gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  writeFile(plainFile, data, size);
  Result plain = readAll(plainFile.path);
  if (gzip) return 0;
  // A plain file that reads is exactly its header and its data.
  if (plain.readOk && 4 + 4 * plain.header.dims.size() + plain.data.size() != size) __builtin_trap();

  writeGzip(gzipFile, data, size);
  Result gz = readAll(gzipFile.path);
  // The gzip header check cannot see the file size, so it may pass where the
  // plain one found the data cut short; the full reads must agree.
  if (plain.headerOk && !gz.headerOk) __builtin_trap();
  if (plain.readOk != gz.readOk) __builtin_trap();
  if (plain.readOk && (plain.header.type != gz.header.type || plain.header.dims != gz.header.dims ||
                       plain.data != gz.data))
    __builtin_trap();
  return 0;
}
