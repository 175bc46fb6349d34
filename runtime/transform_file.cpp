/// \file transform_file.cpp
/// Saving and loading a reusable transform's learned statistics (see
/// transform_file.h): a JSON object
///   {"format": "mlpc-transform", "header": "<the compiler's description>",
///    "stats": [[...], ...]}
/// with one array of numbers per learning step, in the transform's order.

#include "runtime/transform_file.h"

#include "runtime/internal.h"
#include "runtime/json.h"
#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

using namespace mlp::rt;

namespace {

std::vector<int64_t> slot_list(const char *slots) {
  std::vector<int64_t> out;
  for (const std::string &s : split_list(arg(slots))) out.push_back(std::stoll(s));
  return out;
}

/// The file's JSON, checked to be a saved transform; false with `error`.
bool read_transform(const std::string &path, Json &out, std::string &error) {
  std::string text;
  if (!read_file(path, text, error)) return false;
  std::string problem;
  if (!parse_json(text, out, problem)) {
    error = "'" + path + "' is not a saved transform: " + problem;
    return false;
  }
  if (!out.is_object() || out.value("format", "") != "mlpc-transform" || !out.contains("header") ||
      !out["header"].is_string() || !out.contains("stats") || !out["stats"].is_array()) {
    error = "'" + path + "' is not a saved transform (save one with `save prep to \"" + path + "\"`)";
    return false;
  }
  return true;
}

} // namespace

bool mlp::readTransformHeader(const std::string &path, std::string &header, std::string &error) {
  Json file;
  if (!read_transform(path, file, error)) return false;
  header = file["header"].get<std::string>();
  return true;
}

extern "C" void mlp_rt_transform_save(const char *path_arg, const char *header, const char *slots) {
  std::string path(arg(path_arg));
  Json file = Json::object();
  file["format"] = "mlpc-transform";
  file["header"] = std::string(arg(header));
  file["stats"] = Json::array();
  for (int64_t slot : slot_list(slots)) {
    auto found = learned_slots().find(slot);
    if (found == learned_slots().end())
      internal_error("a transform was saved before it learned its statistics");
    file["stats"].push_back(found->second);
  }
  OutputFile out(path);
  out.write(file.dump(1) + "\n");
  out.commit();
}

extern "C" void mlp_rt_transform_load(const char *path_arg, const char *header, const char *slots) {
  std::string path(arg(path_arg)), error;
  Json file;
  if (!read_transform(path, file, error)) die(error, 1);
  if (file["header"].get<std::string>() != arg(header))
    die("'" + path + "' has changed since the program was compiled: its transform has other steps, "
        "columns or labels (compile it again)", 1);
  std::vector<int64_t> ids = slot_list(slots);
  const Json &stats = file["stats"];
  if (stats.size() != ids.size())
    die("'" + path + "' holds " + std::to_string(stats.size()) + " learned steps; the transform has " +
            std::to_string(ids.size()), 1);
  for (size_t i = 0; i < ids.size(); ++i) {
    std::vector<double> values;
    for (const Json &v : stats[i]) {
      if (!v.is_number()) die("'" + path + "': a learned statistic is not a number", 1);
      values.push_back(v.get<double>());
    }
    learned_slots()[ids[i]] = std::move(values);
  }
}
