/// \file safetensors.cpp
/// `save net to "x.safetensors"` and `load ... from`: model parameters in the
/// safetensors format (https://github.com/huggingface/safetensors), which
/// PyTorch, JAX and NumPy users can read with no code from us:
///
///     u64 little-endian N | N bytes of JSON header | data section
///
/// The header maps each tensor name to {"dtype", "shape", "data_offsets"},
/// offsets relative to the data section. We write like the reference
/// implementation (compact JSON, header padded with spaces to a multiple of
/// 8 so the data is aligned, "__metadata__" first) and read strictly: a file
/// is checked whole before any tensor is used.

#include "runtime/json.h"
#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian; a big-endian host needs byte swaps here");

struct MlpTensorFile {
  struct Tensor {
    std::string name;
    std::vector<int64_t> shape;
    uint64_t begin = 0, end = 0; ///< offsets into the data section
    std::string dtype = "F32";   ///< F32, or F64 (fitted models: fit/fitted_file.cpp)
  };
  std::string path;            ///< the file read (empty for one being written)
  std::vector<Tensor> tensors; ///< in header order (written: in order added)
  std::string data;            ///< the data section
  /// __metadata__ as read, in file order; to write, empty means {"format": "pt"}.
  std::vector<std::pair<std::string, std::string>> metadata;
};

namespace mlp::rt {
namespace {

/// A JSON string literal (names may hold any character).
std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

MlpTensorFile &checked(MlpTensorFile *f, const char *function) {
  if (!f) internal_error(std::string(function) + ": null tensor file");
  return *f;
}

/// Element count of a shape, or false on overflow.
bool element_count(const std::vector<int64_t> &shape, uint64_t &count) {
  count = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(count, static_cast<uint64_t>(d), &count)) return false;
  return true;
}

std::string shape_of(const std::vector<int64_t> &shape) {
  return shape_text(shape.data(), static_cast<int64_t>(shape.size()));
}

/// Calls `f(linear element index, memory index)` for every element of a
/// strided view in row-major order.
template <class F> void for_each_element(const StridedView &v, F f) {
  uint64_t total = 1;
  for (int64_t a = 0; a < v.rank; ++a) total *= static_cast<uint64_t>(v.sizes[a]);
  if (total == 0) return;
  std::vector<int64_t> index(static_cast<size_t>(v.rank), 0);
  int64_t at = v.offset;
  for (uint64_t i = 0; i < total; ++i) {
    f(i, at);
    for (int64_t a = v.rank; a-- > 0;) { // odometer step
      at += v.strides[a];
      if (++index[a] < v.sizes[a]) break;
      at -= v.strides[a] * v.sizes[a];
      index[a] = 0;
    }
  }
}

/// The member `key` of an object, or null.
const Json *member(const Json &object, const char *key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

/// A non-negative integer as written: "1.0" and "1e3" are not.
bool unsigned_integer(const Json &value, uint64_t &out) {
  if (!value.is_number_unsigned()) return false;
  out = value.get<uint64_t>();
  return true;
}

/// The header length from a file's first 8 bytes (of `size` in all); false
/// with `error` saying what is wrong.
bool header_length(std::string_view first, uint64_t size, uint64_t &length, std::string &error) {
  if (size < 8) {
    error = "it is too short (" + std::to_string(size) + " bytes)";
    return false;
  }
  length = 0;
  for (int i = 0; i < 8; ++i) length |= uint64_t(static_cast<unsigned char>(first[i])) << (8 * i);
  if (length > size - 8) {
    error = "its header length " + std::to_string(length) + " is larger than the file (" + std::to_string(size) +
            " bytes)";
    return false;
  }
  return true;
}

/// The header's "__metadata__" (free-form text pairs), if any; false with
/// `error` when the header is not an object or the metadata not text pairs.
bool header_metadata(const Json &header, std::vector<std::pair<std::string, std::string>> &out,
                     std::string &error) {
  if (!header.is_object()) {
    error = "the header is not a JSON object";
    return false;
  }
  const Json *info = member(header, "__metadata__");
  if (!info) return true;
  if (!info->is_object()) {
    error = "__metadata__ is not an object";
    return false;
  }
  for (const auto &[key, value] : info->items()) {
    if (!value.is_string()) {
      error = "__metadata__ '" + key + "' is not a string";
      return false;
    }
    out.emplace_back(key, value.get<std::string>());
  }
  return true;
}

/// Checks the parsed header and fills `f.tensors` and `f.metadata`; fails
/// naming the file.
void read_header(MlpTensorFile &f, const Json &header) {
  const std::string &path = f.path;
  auto bad = [&](const std::string &what) { die("'" + path + "' is not a valid safetensors file: " + what, 1); };
  std::string error;
  if (!header_metadata(header, f.metadata, error)) bad(error);
  for (const auto &[name, info] : header.items()) {
    if (name == "__metadata__") continue;
    std::string tensor = "tensor '" + name + "'";
    if (!info.is_object()) bad(tensor + " is not described by an object");
    // Other fields are ignored, as the reference reader (serde) does.
    const Json *dtype = member(info, "dtype");
    const Json *shape = member(info, "shape");
    const Json *offsets = member(info, "data_offsets");
    if (!dtype || !dtype->is_string()) bad(tensor + " has no dtype");
    if (!shape || !shape->is_array()) bad(tensor + " has no shape");
    if (!offsets || !offsets->is_array() || offsets->size() != 2) bad(tensor + " has no data_offsets [begin, end]");
    const std::string &type = dtype->get_ref<const std::string &>();
    if (type != "F32" && type != "F64")
      die("'" + path + "': " + tensor + " has dtype " + type + "; only F32 and F64 are supported", 1);
    MlpTensorFile::Tensor t;
    t.name = name;
    t.dtype = type;
    for (const Json &d : *shape) {
      uint64_t n;
      if (!unsigned_integer(d, n) || n > static_cast<uint64_t>(INT64_MAX))
        bad(tensor + " has a shape that is not a list of sizes");
      t.shape.push_back(static_cast<int64_t>(n));
    }
    if (!unsigned_integer((*offsets)[0], t.begin) || !unsigned_integer((*offsets)[1], t.end))
      bad(tensor + " has data_offsets that are not integers");
    std::string range = "[" + std::to_string(t.begin) + ", " + std::to_string(t.end) + "]";
    if (t.begin > t.end || t.end > f.data.size())
      bad(tensor + " has data_offsets " + range + " outside the data (" + std::to_string(f.data.size()) +
          " bytes)");
    uint64_t count, bytes;
    if (!element_count(t.shape, count) || __builtin_mul_overflow(count, uint64_t(t.dtype == "F64" ? 8 : 4), &bytes) ||
        bytes != t.end - t.begin)
      bad(tensor + " has shape " + shape_of(t.shape) + " but data_offsets " + range + " (" +
          std::to_string(t.end - t.begin) + " bytes)");
    f.tensors.push_back(std::move(t));
  }
  // No two tensors may share bytes (empty tensors take none).
  std::vector<const MlpTensorFile::Tensor *> byBegin;
  for (const auto &t : f.tensors)
    if (t.end > t.begin) byBegin.push_back(&t);
  std::sort(byBegin.begin(), byBegin.end(), [](auto *a, auto *b) { return a->begin < b->begin; });
  for (size_t i = 1; i < byBegin.size(); ++i)
    if (byBegin[i]->begin < byBegin[i - 1]->end)
      bad("tensors '" + byBegin[i - 1]->name + "' and '" + byBegin[i]->name + "' overlap");
}

} // namespace
} // namespace mlp::rt

using namespace mlp::rt;

extern "C" MlpTensorFile *mlp_rt_st_new(void) { return keep_alive(std::make_unique<MlpTensorFile>()); }

extern "C" void mlp_rt_st_add_f32(MlpTensorFile *f_arg, const char *name_arg, int64_t rank, void *descriptor) {
  MlpTensorFile &f = checked(f_arg, "mlp_rt_st_add_f32");
  std::string name(arg(name_arg));
  if (name.empty() || name == "__metadata__") internal_error("bad tensor name '" + name + "'");
  for (const auto &t : f.tensors)
    if (t.name == name) internal_error("tensor '" + name + "' added twice");
  StridedView v = view_from_descriptor(rank, descriptor);
  MlpTensorFile::Tensor t;
  t.name = name;
  t.shape.assign(v.sizes, v.sizes + rank);
  t.begin = f.data.size();
  const auto *src = static_cast<const float *>(v.aligned);
  uint64_t count;
  element_count(t.shape, count);
  f.data.resize(f.data.size() + count * 4);
  char *dst = f.data.data() + t.begin;
  for_each_element(v, [&](uint64_t i, int64_t at) { std::memcpy(dst + 4 * i, src + at, 4); });
  t.end = f.data.size();
  f.tensors.push_back(std::move(t));
}

extern "C" void mlp_rt_st_write(MlpTensorFile *f_arg, const char *path) {
  MlpTensorFile &f = checked(f_arg, "mlp_rt_st_write");
  std::string header = "{\"__metadata__\":{";
  if (f.metadata.empty()) header += "\"format\":\"pt\"";
  for (size_t i = 0; i < f.metadata.size(); ++i)
    header += (i ? "," : "") + json_string(f.metadata[i].first) + ":" + json_string(f.metadata[i].second);
  header += "}";
  for (const auto &t : f.tensors) {
    header += "," + json_string(t.name) + ":{\"dtype\":\"" + t.dtype + "\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i) header += (i ? "," : "") + std::to_string(t.shape[i]);
    header += "],\"data_offsets\":[" + std::to_string(t.begin) + "," + std::to_string(t.end) + "]}";
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');
  unsigned char size[8];
  for (int i = 0; i < 8; ++i) size[i] = static_cast<unsigned char>(uint64_t(header.size()) >> (8 * i));
  OutputFile file{std::string(arg(path))};
  file.write(size, 8);
  file.write(header);
  file.write(f.data);
  file.commit();
}

extern "C" MlpTensorFile *mlp_rt_st_open(const char *path_arg) {
  auto f = std::make_unique<MlpTensorFile>();
  f->path = std::string(arg(path_arg));
  const std::string &path = f->path;
  std::string bytes, error;
  if (!read_file(path, bytes, error)) die(error, 1);

  auto bad = [&](const std::string &what) { die("'" + path + "' is not a valid safetensors file: " + what, 1); };
  uint64_t length = 0;
  if (!header_length(bytes, bytes.size(), length, error)) bad(error);
  Json header;
  if (!parse_json(std::string_view(bytes).substr(8, length), header, error)) bad("bad JSON header: " + error);
  bytes.erase(0, 8 + length); // keep only the data section, without a copy
  f->data = std::move(bytes);
  read_header(*f, header);
  return keep_alive(std::move(f));
}

extern "C" void mlp_rt_st_read_f32(MlpTensorFile *f_arg, const char *name_arg, int64_t rank, void *descriptor) {
  MlpTensorFile &f = checked(f_arg, "mlp_rt_st_read_f32");
  std::string_view name = arg(name_arg);
  const MlpTensorFile::Tensor *t = nullptr;
  std::vector<std::string> names;
  for (const auto &candidate : f.tensors) {
    names.push_back(candidate.name);
    if (candidate.name == name) t = &candidate;
  }
  if (!t)
    die("'" + f.path + "' has no tensor '" + std::string(name) + "' (it has: " +
            (names.empty() ? std::string("none") : join(names)) + ")",
        1);
  if (t->dtype != "F32")
    die("'" + f.path + "': tensor '" + t->name + "' has dtype " + t->dtype + ", the model expects F32", 1);
  StridedView v = view_from_descriptor(rank, descriptor);
  std::vector<int64_t> expected(v.sizes, v.sizes + rank);
  if (expected != t->shape)
    die("'" + f.path + "': tensor '" + t->name + "' has shape " + shape_of(t->shape) +
            ", the model expects " + shape_of(expected),
        1);
  auto *dst = const_cast<float *>(static_cast<const float *>(v.aligned));
  const char *src = f.data.data() + t->begin;
  for_each_element(v, [&](uint64_t i, int64_t at) { std::memcpy(dst + at, src + 4 * i, 4); });
}

/* ------------------------------------------------------- fitted models */
// F64 tensors and free-form metadata, for the files of fitted models
// (fit/fitted_file.cpp, which declares these): the same format code.

namespace mlp::rt {

void st_set_metadata(MlpTensorFile *f, std::vector<std::pair<std::string, std::string>> metadata) {
  checked(f, "st_set_metadata").metadata = std::move(metadata);
}

const std::vector<std::pair<std::string, std::string>> &st_metadata(MlpTensorFile *f) {
  return checked(f, "st_metadata").metadata;
}

void st_add_f64(MlpTensorFile *f_arg, const std::string &name, const std::vector<int64_t> &shape,
                const std::vector<double> &values) {
  MlpTensorFile &f = checked(f_arg, "st_add_f64");
  if (name.empty() || name == "__metadata__") internal_error("bad tensor name '" + name + "'");
  for (const auto &t : f.tensors)
    if (t.name == name) internal_error("tensor '" + name + "' added twice");
  uint64_t count;
  if (!element_count(shape, count) || count != values.size())
    internal_error("tensor '" + name + "': " + std::to_string(values.size()) + " values for shape " + shape_of(shape));
  MlpTensorFile::Tensor t;
  t.name = name;
  t.dtype = "F64";
  t.shape = shape;
  t.begin = f.data.size();
  f.data.append(reinterpret_cast<const char *>(values.data()), values.size() * sizeof(double));
  t.end = f.data.size();
  f.tensors.push_back(std::move(t));
}

std::vector<std::string> st_tensor_names(MlpTensorFile *f) {
  std::vector<std::string> names;
  for (const auto &t : checked(f, "st_tensor_names").tensors) names.push_back(t.name);
  return names;
}

bool st_read_f64(MlpTensorFile *f_arg, const std::string &name, std::vector<int64_t> &shape,
                 std::vector<double> &values, std::string &dtype) {
  MlpTensorFile &f = checked(f_arg, "st_read_f64");
  for (const auto &t : f.tensors) {
    if (t.name != name) continue;
    dtype = t.dtype;
    shape = t.shape;
    if (t.dtype != "F64") return false;
    values.resize((t.end - t.begin) / sizeof(double));
    std::memcpy(values.data(), f.data.data() + t.begin, t.end - t.begin);
    return true;
  }
  internal_error("st_read_f64: no tensor '" + name + "' in '" + f.path + "'");
}

bool st_read_metadata(const std::string &path, std::vector<std::pair<std::string, std::string>> &metadata,
                      std::string &error) {
  FILE *in = std::fopen(path.c_str(), "rb");
  if (!in) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  // The header alone: the data (a knn model's rows) may be large.
  std::string bytes(8, '\0'), what;
  uint64_t length = 0;
  long size = std::fseek(in, 0, SEEK_END) == 0 ? std::ftell(in) : -1;
  if (size < 0 || std::fseek(in, 0, SEEK_SET) != 0 || (size >= 8 && std::fread(bytes.data(), 1, 8, in) != 8)) {
    error = "cannot read '" + path + "': " + std::strerror(errno);
    std::fclose(in);
    return false;
  }
  bool ok = header_length(bytes, static_cast<uint64_t>(size), length, what);
  if (ok) {
    bytes.resize(length);
    ok = std::fread(bytes.data(), 1, length, in) == length;
    if (!ok) what = "its header could not be read";
  }
  std::fclose(in);
  Json header;
  if (ok && !parse_json(bytes, header, what)) {
    what = "bad JSON header: " + what;
    ok = false;
  }
  if (ok) ok = header_metadata(header, metadata, what);
  if (!ok) error = "'" + path + "' is not a valid safetensors file: " + what;
  return ok;
}

} // namespace mlp::rt
