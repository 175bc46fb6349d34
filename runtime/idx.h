/// \file idx.h
/// Reading IDX files, the format of MNIST and Fashion-MNIST
/// (http://yann.lecun.com/exdb/mnist/), plain or gzip-compressed. Shared by
/// the compiler (which reads an `idx(images:, labels:)` source's headers at
/// compile time to learn the image shape) and the runtime (which reads the
/// whole files when the program runs).
///
/// The format: a 4-byte magic `00 00 TT NN` (TT the element type, NN the
/// number of dimensions), NN big-endian uint32 sizes, then the elements,
/// big-endian, row-major. A file that starts with the gzip magic 1f 8b is
/// decompressed on the fly (zlib).
///
/// Plain C++17 with no exceptions, no MLIR and no fmt, so both sides can
/// include it. Errors come back as one line of text without the `error: `
/// prefix, e.g. `'t10k-images-idx3-ubyte.gz' is truncated: expected 7840000
/// bytes of data, found 4096`.
#ifndef MLP_RUNTIME_IDX_H
#define MLP_RUNTIME_IDX_H

#include <cstdint>
#include <string>
#include <vector>

namespace mlp {

struct IdxHeader {
  /// 0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double.
  int type = 0x08;
  /// dims[0] is the number of items; dims[1..] the shape of one item
  /// (empty for a label file).
  std::vector<int64_t> dims;
};

/// Reads only the header (decompressing only what it needs). Fails on a file
/// that cannot be opened, a bad magic, a header cut short, a gzip error or
/// absurd sizes. For an uncompressed file it also checks, from the file size,
/// that all the data is there (the cheap part of the truncation check; a
/// gzip file's data is only checked when it is read).
bool readIdxHeader(const std::string &path, IdxHeader &out, std::string &error);

/// Streams a file's data in pieces (the runtime converts each piece as it
/// arrives, so a 47 MB file needs no 47 MB buffer):
///   IdxReader in; in.open(path, header, error);
///   in.read(buffer, n, error) ... until dataBytes() are read; in.finish(error);
class IdxReader {
public:
  IdxReader();
  ~IdxReader();
  IdxReader(const IdxReader &) = delete;
  IdxReader &operator=(const IdxReader &) = delete;

  /// Opens the file and reads its header, with readIdxHeader's checks.
  bool open(const std::string &path, IdxHeader &header, std::string &error);
  /// The size of the data part the header announces: the product of the
  /// dims times the element size.
  int64_t dataBytes() const { return dataBytes_; }
  /// Reads the next `n` bytes of data; n must not go past dataBytes(). Fails
  /// when the file ends first (`'path' is truncated: expected N bytes of
  /// data, found M`) or on a read or gzip error.
  bool read(void *buffer, int64_t n, std::string &error);
  /// Once all the data is read: reads on to the end of the file, which checks
  /// the gzip trailer (CRC and length), and fails if more data follows
  /// (`'path' is too long: ...`).
  bool finish(std::string &error);

  struct Source; ///< the open file (idx.cpp)

private:
  Source *source_ = nullptr;
  std::string path_;
  int64_t dataBytes_ = 0;
  int64_t position_ = 0; ///< data bytes read so far
};

/// Bytes per element of `type` (1, 2, 4 or 8); 0 for an unknown type.
int idxElementSize(int type);
/// "ubyte", "byte", "short", "int", "float", "double"; "?" if unknown.
const char *idxTypeName(int type);
/// True for the integer types (ubyte, byte, short, int).
inline bool idxIsInteger(int type) { return type == 0x08 || type == 0x09 || type == 0x0B || type == 0x0C; }

/// The shape of one item as the runtime's `expect` argument spells it:
/// dims[1..] joined by 'x' ("28x28"), "" for a label file.
std::string idxItemShape(const IdxHeader &header);

} // namespace mlp

#endif // MLP_RUNTIME_IDX_H
