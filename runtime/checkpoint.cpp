/// \file checkpoint.cpp
/// `train net = ... { checkpoint = "dir" }`: after every N-th epoch the whole
/// training state goes to dir/net.safetensors — the parameters, the
/// optimizer's buffers and step count (tensors `state.0`, `state.1`, ...)
/// and, in the metadata, the epochs done and the history so far. With
/// --resume, training starts after the saved epochs from that state. The
/// shuffles (per epoch), dropout masks (per step) and learning-rate schedule
/// (per epoch) depend only on what is saved, so a resumed run ends with the
/// same weights, bit for bit, as one never stopped. The file is written
/// whole and renamed into place (OutputFile): a kill at any moment leaves
/// the previous checkpoint or the new one.
#include "runtime/json.h"
#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <cstdlib>

using namespace mlp::rt;

namespace {

constexpr const char *kFormat = "mlpc-checkpoint";

std::string checkpoint_path(const char *dir, const char *name) {
  return (std::filesystem::path(arg(dir)) / (std::string(arg(name)) + ".safetensors")).string();
}

/// The history as JSON: {"loss": [0.5, null, ...], ...}, null where an epoch
/// recorded nothing, "nan" / "inf" / "-inf" for a value JSON has no number
/// for. Numbers keep every bit (nlohmann writes the shortest exact form).
std::string history_json(const MlpHistory &h) {
  Json out = Json::object();
  for (const MlpHistory::Series &s : h.series) {
    Json &values = out[s.name] = Json::array();
    for (size_t e = 0; e < s.values.size(); ++e) {
      double v = s.values[e];
      if (!s.recorded[e]) values.push_back(nullptr);
      else if (std::isfinite(v)) values.push_back(v);
      else values.push_back(std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
    }
  }
  return out.dump();
}

/// Restores what history_json wrote; false if it is not that.
bool restore_history(MlpHistory &h, const std::string &text) {
  Json j;
  std::string error;
  if (!parse_json(text, j, error) || !j.is_object()) return false;
  h.series.clear();
  for (const auto &[name, values] : j.items()) {
    if (!values.is_array()) return false;
    MlpHistory::Series s;
    s.name = name;
    for (const Json &v : values) {
      s.recorded.push_back(!v.is_null());
      if (v.is_number()) s.values.push_back(v.get<double>());
      else if (v.is_null()) s.values.push_back(NAN);
      else if (v == "nan" || v == "inf" || v == "-inf") s.values.push_back(std::strtod(v.get<std::string>().c_str(), nullptr));
      else return false;
    }
    // A series has a place for each epoch of this run (which may have more
    // or fewer than the saved one).
    s.values.resize(static_cast<size_t>(h.epochs), NAN);
    s.recorded.resize(static_cast<size_t>(h.epochs), false);
    h.series.push_back(std::move(s));
  }
  return true;
}

std::string metadata_value(MlpTensorFile *f, const std::string &key) {
  for (const auto &[k, v] : st_metadata(f))
    if (k == key) return v;
  return "";
}

} // namespace

extern "C" void mlp_rt_checkpoint_save(MlpTensorFile *f, const char *dir, const char *name, MlpHistory *h_arg,
                                       int64_t epochs_done) {
  MlpHistory &h = checked(h_arg, "mlp_rt_checkpoint_save");
  std::error_code ec;
  std::filesystem::create_directories(std::string(arg(dir)), ec);
  if (ec) die("cannot create the checkpoint directory '" + std::string(arg(dir)) + "': " + ec.message(), 1);
  st_set_metadata(f, {{"format", kFormat},
                      {"model", h.model},
                      {"epochs_done", std::to_string(epochs_done)},
                      {"history", history_json(h)}});
  mlp_rt_st_write(f, checkpoint_path(dir, name).c_str());
  release(f, "mlp_rt_checkpoint_save");
}

extern "C" MlpTensorFile *mlp_rt_checkpoint_open(const char *dir, const char *name, MlpHistory *h_arg,
                                                 int32_t resume, int64_t tensors) {
  MlpHistory &h = checked(h_arg, "mlp_rt_checkpoint_open");
  if (!resume) return nullptr;
  std::string path = checkpoint_path(dir, name);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    std::fprintf(stderr, "note: no checkpoint '%s' yet: training '%s' from the first epoch\n", path.c_str(),
                 arg(name).data());
    return nullptr;
  }
  MlpTensorFile *f = mlp_rt_st_open(path.c_str());
  if (metadata_value(f, "format") != kFormat)
    die("'" + path + "' is not a checkpoint of mlpc (its metadata has no \"format\": \"" + kFormat + "\")", 1);
  if (metadata_value(f, "model") != h.model)
    die("'" + path + "' is a checkpoint of model '" + metadata_value(f, "model") + "', not '" + h.model + "'", 1);
  if (st_tensor_names(f).size() != static_cast<size_t>(tensors))
    die("'" + path + "' holds " + std::to_string(st_tensor_names(f).size()) +
            " tensors of training state, this training has " + std::to_string(tensors) +
            " (the model or optimizer changed since it was saved)",
        1);
  std::string done = metadata_value(f, "epochs_done");
  char *end = nullptr;
  long long epochs = std::strtoll(done.c_str(), &end, 10);
  if (done.empty() || *end || epochs < 1 || !restore_history(h, metadata_value(f, "history")))
    die("'" + path + "' is a damaged checkpoint (its epochs_done or history is not valid)", 1);
  std::fprintf(stderr, "note: resuming '%s' from '%s' after epoch %lld\n", arg(name).data(), path.c_str(), epochs);
  return f;
}

extern "C" int64_t mlp_rt_checkpoint_epochs(MlpTensorFile *f) {
  return f ? std::strtoll(metadata_value(f, "epochs_done").c_str(), nullptr, 10) : 0;
}

extern "C" void mlp_rt_checkpoint_close(MlpTensorFile *f) { release(f, "mlp_rt_checkpoint_close"); }
