/// \file transform_file.h
/// A reusable transform's learned statistics in a file (`save prep to
/// "prep.json"`), so that another program, such as a built inference binary,
/// applies exactly the training split's scaling (`load prep from
/// "prep.json"`). The compiler reads the file's header when compiling, as it
/// reads a CSV header: it says which steps and input columns the transform
/// had, and the labels its onehot and label_encode steps used.
/// Plain C++ (no nlohmann here), so the compiler can include it.
#ifndef MLP_RUNTIME_TRANSFORM_FILE_H
#define MLP_RUNTIME_TRANSFORM_FILE_H

#include <string>

namespace mlp {

/// The header of a file mlp_rt_transform_save wrote: false with `error` (one
/// line naming the path) when it cannot be read or is not such a file.
bool readTransformHeader(const std::string &path, std::string &header, std::string &error);

} // namespace mlp

#endif // MLP_RUNTIME_TRANSFORM_FILE_H
