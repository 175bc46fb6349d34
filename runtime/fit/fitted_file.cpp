/// \file fitted_file.cpp
/// Fitted models in files: mlp_rt_fitted_save writes a safetensors file
/// (safetensors.cpp's format code, with F64 tensors) holding each learned
/// parameter as an F64 matrix [rows, cols] under its name, and what the
/// model was fitted on in the header's __metadata__ (every value a string,
/// as the format requires):
///
///     format    "mlpc-fitted"
///     estimator a name of the catalog          options  "alpha=1,fit_intercept=1"
///     task      "regression" | "classification" | "unsupervised"
///     inputs    "a,b" (comma list)             features "2"
///     target    "y" ("" when unsupervised)
///     labels    "[\"no\",\"yes\"]": a JSON array of the class labels in
///               class order, always (labels may hold commas); "[]" when
///               there are none
///     outputs   "2": columns of a prediction (1, the classes, pca's components)
///     rows      "150": the rows fitted on (informational)
///
/// The compiler reads the metadata alone (readFittedHeader) to type a
/// program that loads the file; mlp_rt_fitted_load checks the file against
/// that view (fittedHeaderText) at run time, and every parameter's name and
/// shape against the header before the estimator's load() takes them.

#include "runtime/fit/estimator.h"
#include "runtime/json.h"
#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <mutex>
#include <unordered_map>

using namespace mlp::rt;
using namespace mlp::rt::fit;

namespace {

constexpr const char *kFormat = "mlpc-fitted";

MlpFitted &checked(MlpFitted *m, const char *function) {
  if (!m) internal_error(std::string(function) + ": null fitted model");
  if (!m->spec || !m->model) internal_error(std::string(function) + ": a fitted model without an estimator");
  return *m;
}

const char *task_name(Task task) {
  switch (task) {
  case Task::Regression: return "regression";
  case Task::Classification: return "classification";
  case Task::Unsupervised: return "unsupervised";
  case Task::Either: break;
  }
  internal_error("a fitted model's task is 'either'");
}

/// `alpha=1,fit_intercept=1`: every option of the spec in its order, each
/// value the shortest text that reads back as the same double.
std::string options_text(const MlpFitted &m) {
  std::string out;
  for (const OptionSpec &o : m.spec->options) {
    auto it = m.options.find(o.name);
    out += (out.empty() ? "" : ",") + std::string(o.name) + "=" +
           fmt::format("{}", it == m.options.end() ? o.value : it->second);
  }
  return out;
}

/// A whole string as a double (strtod's syntax).
bool parse_double(const std::string &text, double &out) {
  char *end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && *end == '\0' && text.find_first_of(" \t\n") == std::string::npos;
}

/// A whole string as a non-negative decimal count.
bool parse_count(const std::string &text, int64_t &out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

/// Options text over the spec's defaults; false saying what is wrong with
/// the bad item (not an option, not a number, below its smallest value).
bool parse_options(const EstimatorSpec &spec, const std::string &text, Options &o, std::string &bad) {
  o.clear();
  for (const OptionSpec &opt : spec.options) o[opt.name] = opt.value;
  for (const std::string &item : split_list(text)) {
    size_t eq = item.find('=');
    double v;
    if (eq == std::string::npos || !o.count(item.substr(0, eq)) || !parse_double(item.substr(eq + 1), v)) {
      bad = "'" + item + "', which is not an option of " + spec.name + " with a number";
      return false;
    }
    for (const OptionSpec &opt : spec.options)
      if (item.substr(0, eq) == opt.name && !(v >= opt.min)) {
        bad = "'" + item + "', below the smallest " + opt.name + " (" + fmt::format("{}", opt.min) + ")";
        return false;
      }
    o[item.substr(0, eq)] = v;
  }
  return true;
}

/// The labels as a JSON array (the text of the "labels" field).
std::string labels_json(const std::vector<std::string> &labels) {
  Json array = Json::array();
  for (const std::string &label : labels) array.push_back(label);
  try {
    return array.dump();
  } catch (const Json::exception &) {
    die("a class label of the model is not valid UTF-8 text (" + join(labels) + "); it cannot be saved", 1);
  }
}

/// The metadata fields of a header (without "format" and "rows").
Metadata fields_of(const FittedHeader &h) {
  return {{"estimator", h.estimator},
          {"options", h.options},
          {"task", h.task},
          {"inputs", join(h.inputs, ",")},
          {"features", std::to_string(h.features)},
          {"target", h.target},
          {"labels", labels_json(h.labels)},
          {"outputs", std::to_string(h.outputs)}};
}

/// Reads and checks a header's fields from metadata. `file`: the metadata
/// of a file, which must say "format": "mlpc-fitted" (an expected header
/// does not). False with a one-line `error` naming `path`.
bool header_from(const Metadata &md, const std::string &path, bool file, FittedHeader &h, std::string &error) {
  auto value = [&](const char *key) -> const std::string * {
    for (const auto &[k, v] : md)
      if (k == key) return &v;
    return nullptr;
  };
  auto fail = [&](const std::string &what) {
    error = "'" + path + "' is not a valid fitted model file: " + what;
    return false;
  };
  if (file) {
    const std::string *format = value("format");
    if (!format || *format != kFormat) {
      error = "'" + path + "' is not a fitted model saved by mlpc (its metadata has no \"format\": \"" + kFormat +
              "\"" + (format ? ", but \"format\": \"" + *format + "\"" : std::string()) + ")";
      return false;
    }
  }
  static const char *const kFields[] = {"estimator", "options", "task",   "inputs",
                                        "features",  "target",  "labels", "outputs"};
  for (const char *key : kFields)
    if (!value(key)) return fail(std::string("its metadata has no '") + key + "'");
  h = FittedHeader();
  h.estimator = *value("estimator");
  h.options = *value("options");
  h.task = *value("task");
  h.target = *value("target");
  h.inputs = split_list(*value("inputs"), /*trim=*/false);
  const EstimatorSpec *spec = find_estimator(h.estimator);
  if (!spec) return fail("its estimator '" + h.estimator + "' is not one this mlpc knows");
  Options options;
  std::string bad;
  if (!parse_options(*spec, h.options, options, bad))
    return fail("its options have " + bad);
  bool taskOk = spec->task == Task::Either ? h.task == "regression" || h.task == "classification"
                                           : h.task == task_name(spec->task);
  if (!taskOk) return fail("its task '" + h.task + "' is not one " + h.estimator + " has");
  if (!parse_count(*value("features"), h.features) || h.features == 0)
    return fail("its features '" + *value("features") + "' is not a positive count");
  if (!parse_count(*value("outputs"), h.outputs) || h.outputs == 0)
    return fail("its outputs '" + *value("outputs") + "' is not a positive count");
  if (h.inputs.empty() || static_cast<int64_t>(h.inputs.size()) > h.features)
    return fail("its inputs '" + *value("inputs") + "' do not match its " + std::to_string(h.features) + " features");
  Json labels;
  std::string jsonError;
  if (!parse_json(*value("labels"), labels, jsonError) || !labels.is_array())
    return fail("its labels '" + *value("labels") + "' are not a JSON array");
  for (const Json &label : labels) {
    if (!label.is_string()) return fail("its labels '" + *value("labels") + "' are not all strings");
    h.labels.push_back(label.get<std::string>());
  }
  if ((h.task == "unsupervised") != h.target.empty())
    return fail(h.task == "unsupervised" ? "an unsupervised model has the target '" + h.target + "'"
                                         : "a " + h.task + " model has no target");
  if ((h.task == "classification") != !h.labels.empty())
    return fail(h.task == "classification" ? "a classification model has no labels"
                                           : "a " + h.task + " model has labels");
  return true;
}

/// What one parameter of an estimator must look like: its rows and columns
/// as symbols: a number; F the features; C the classes (labels); Cb 1 for
/// two classes, else C (logistic_regression's rows); V the classes
/// (classification) or 1 (regression); N any size, the same wherever N
/// appears; or an option's name (kmeans' k).
struct ParameterRule {
  const char *name, *rows, *cols;
};

/// The parameters each estimator's parameters() returns, in order. An
/// estimator missing here is loaded with only its tensors' dtype and rank
/// checked (the tests save and load every estimator of the catalog).
const std::vector<ParameterRule> *parameter_rules(const std::string &estimator) {
  static const std::map<std::string, std::vector<ParameterRule>> rules = {
      {"linear_regression", {{"coef", "1", "F"}, {"intercept", "1", "1"}}},
      {"ridge", {{"coef", "1", "F"}, {"intercept", "1", "1"}}},
      {"lasso", {{"coef", "1", "F"}, {"intercept", "1", "1"}}},
      {"logistic_regression", {{"coef", "Cb", "F"}, {"intercept", "1", "Cb"}}},
      {"naive_bayes", {{"theta", "C", "F"}, {"var", "C", "F"}, {"class_prior", "1", "C"}}},
      {"pca",
       {{"components", "n_components", "F"},
        {"mean", "1", "F"},
        {"explained_variance", "1", "n_components"},
        {"explained_variance_ratio", "1", "n_components"}}},
      {"kmeans", {{"cluster_centers", "k", "F"}}},
      {"knn", {{"fit_x", "N", "F"}, {"fit_y", "N", "V"}}},
      {"decision_tree", {{"nodes", "N", "4"}, {"values", "N", "V"}}},
      {"random_forest", {{"trees", "n_estimators", "1"}, {"nodes", "N", "4"}, {"values", "N", "V"}}},
  };
  auto it = rules.find(estimator);
  return it == rules.end() ? nullptr : &it->second;
}

/// A tree's nodes, rows [begin, end) of `nodes` (feature, threshold, left,
/// right; children numbered as stored), can be walked: features in range,
/// children after their parent (preorder) and inside the tree.
bool tree_ok(const Matrix &nodes, Eigen::Index begin, Eigen::Index end, int64_t features) {
  if (begin >= end) return false;
  auto integer = [](double v, double lo, double hi) { return v == std::floor(v) && v >= lo && v < hi; };
  for (Eigen::Index i = begin; i < end; ++i) {
    double feature = nodes(i, 0);
    if (!integer(feature, -1, static_cast<double>(features))) return false;
    if (feature >= 0 && (!integer(nodes(i, 2), i + 1, end) || !integer(nodes(i, 3), i + 1, end))) return false;
  }
  return true;
}

std::string shape_of(const std::vector<int64_t> &shape) {
  return shape_text(shape.data(), static_cast<int64_t>(shape.size()));
}

/// The parameters of the file, checked against the estimator's rules and
/// the header; any problem is a user error naming the path.
std::vector<std::pair<std::string, Matrix>> read_parameters(MlpTensorFile *f, const std::string &path,
                                                            const FittedHeader &h, const Options &options) {
  std::vector<std::string> names = st_tensor_names(f);
  const std::vector<ParameterRule> *rules = parameter_rules(h.estimator);
  if (rules) {
    std::vector<std::string> expected;
    for (const ParameterRule &r : *rules) expected.push_back(r.name);
    if (names != expected)
      die("'" + path + "': a " + h.estimator + " model's parameters are " + join(expected) + ", but the file holds " +
              (names.empty() ? std::string("none") : join(names)),
          1);
  }
  const auto classes = static_cast<int64_t>(h.labels.size());
  std::map<std::string, int64_t> bound; // N
  std::vector<std::pair<std::string, Matrix>> out;
  for (size_t i = 0; i < names.size(); ++i) {
    std::vector<int64_t> shape;
    std::vector<double> values;
    std::string dtype;
    if (!st_read_f64(f, names[i], shape, values, dtype))
      die("'" + path + "': parameter '" + names[i] + "' is " + dtype + "; a fitted model's parameters are F64", 1);
    if (shape.size() != 2)
      die("'" + path + "': parameter '" + names[i] + "' has shape " + shape_of(shape) +
              "; a fitted model's parameters are matrices [rows, columns]",
          1);
    if (rules) {
      std::vector<int64_t> expected;
      for (int axis = 0; axis < 2; ++axis) {
        std::string symbol = axis == 0 ? (*rules)[i].rows : (*rules)[i].cols;
        int64_t size = shape[axis];
        if (symbol == "F") size = h.features;
        else if (symbol == "C") size = classes;
        else if (symbol == "Cb") size = classes == 2 ? 1 : classes;
        else if (symbol == "V") size = h.task == "classification" ? classes : 1;
        else if (symbol == "N") size = bound.emplace(symbol, size).first->second;
        else if (options.count(symbol)) size = static_cast<int64_t>(options.at(symbol));
        else size = std::atoll(symbol.c_str());
        expected.push_back(size);
      }
      if (expected != shape)
        die("'" + path + "': parameter '" + names[i] + "' has shape " + shape_of(shape) + ", but this " +
                h.estimator + " model (" + std::to_string(h.features) + " features" +
                (classes ? ", " + std::to_string(classes) + " classes" : std::string()) + ") needs " +
                shape_of(expected),
            1);
    }
    Matrix m = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        values.data(), shape[0], shape[1]);
    out.emplace_back(names[i], std::move(m));
  }
  // What the estimators' predict() relies on beyond shapes.
  auto bad = [&](const std::string &what) { die("'" + path + "': " + what, 1); };
  if (h.estimator == "knn" && options.at("k") > static_cast<double>(out[0].second.rows()))
    bad("knn's k is " + fmt::format("{}", options.at("k")) + " but fit_x holds only " +
        std::to_string(out[0].second.rows()) + " rows");
  if (h.estimator == "decision_tree" && !tree_ok(out[0].second, 0, out[0].second.rows(), h.features))
    bad("parameter 'nodes' is not a tree of " + std::to_string(h.features) + " features");
  if (h.estimator == "random_forest") {
    const Matrix &starts = out[0].second, &nodes = out[1].second;
    for (Eigen::Index t = 0; t < starts.rows(); ++t) {
      double begin = starts(t, 0), end = t + 1 < starts.rows() ? starts(t + 1, 0) : static_cast<double>(nodes.rows());
      if (begin != (t == 0 ? 0.0 : std::floor(begin)) || !(begin < end) || end > static_cast<double>(nodes.rows()) ||
          !tree_ok(nodes, static_cast<Eigen::Index>(begin), static_cast<Eigen::Index>(end), h.features))
        bad("parameters 'trees' and 'nodes' are not " + std::to_string(starts.rows()) + " trees of " +
            std::to_string(h.features) + " features");
    }
  }
  return out;
}

/// The run-time check of a file against the program's compile-time view.
void check_expected(const FittedHeader &file, const std::string &path, std::string_view expectText) {
  Json json;
  std::string error;
  Metadata md;
  if (!parse_json(expectText, json, error) || !json.is_object())
    internal_error("mlp_rt_fitted_load: bad expected header '" + std::string(expectText) + "'");
  for (const auto &[key, value] : json.items()) {
    if (!value.is_string()) internal_error("mlp_rt_fitted_load: bad expected header field '" + key + "'");
    md.emplace_back(key, value.get<std::string>());
  }
  FittedHeader expect;
  if (!header_from(md, "the expected header", false, expect, error)) internal_error("mlp_rt_fitted_load: " + error);
  auto list = [](const std::vector<std::string> &v) { return "[" + join(v) + "]"; };
  struct Field {
    const char *what; ///< "estimator is"
    bool same;
    std::string got, want;
  };
  const Field fields[] = {
      {"estimator is", file.estimator == expect.estimator, file.estimator, expect.estimator},
      {"task is", file.task == expect.task, file.task, expect.task},
      {"inputs are", file.inputs == expect.inputs, list(file.inputs), list(expect.inputs)},
      {"features are", file.features == expect.features, std::to_string(file.features),
       std::to_string(expect.features)},
      {"target is", file.target == expect.target, "'" + file.target + "'", "'" + expect.target + "'"},
      {"labels are", file.labels == expect.labels, list(file.labels), list(expect.labels)},
      {"outputs are", file.outputs == expect.outputs, std::to_string(file.outputs), std::to_string(expect.outputs)},
  };
  for (const Field &f : fields)
    if (!f.same)
      die("'" + path + "' has changed since the program was compiled: its " + f.what + " " + f.got +
              ", the program expects " + f.want + " (compile it again)",
          1);
}

} // namespace

namespace mlp::rt::fit {

bool readFittedHeader(const std::string &path, FittedHeader &out, std::string &error) {
  Metadata md;
  return st_read_metadata(path, md, error) && header_from(md, path, true, out, error);
}

std::string fittedHeaderText(const FittedHeader &h) {
  Json object = Json::object();
  for (const auto &[key, value] : fields_of(h)) object[key] = value;
  return object.dump(-1, ' ', false, Json::error_handler_t::replace);
}

} // namespace mlp::rt::fit

extern "C" const char *mlp_rt_fitted_options(MlpFitted *m_arg) {
  MlpFitted &m = checked(m_arg, "mlp_rt_fitted_options");
  // One text per model, kept until the next call for it.
  static std::mutex mutex;
  static std::unordered_map<const MlpFitted *, std::string> texts;
  std::lock_guard<std::mutex> lock(mutex);
  std::string &text = texts[&m];
  text = options_text(m);
  return text.c_str();
}

extern "C" void mlp_rt_fitted_save(MlpFitted *m_arg, const char *path) {
  MlpFitted &m = checked(m_arg, "mlp_rt_fitted_save");
  FittedHeader h;
  h.estimator = m.spec->name;
  h.options = options_text(m);
  h.task = task_name(m.task);
  h.target = m.target;
  h.inputs = m.inputs;
  h.labels = m.classes;
  h.features = m.features;
  h.outputs = m.model->predict(Matrix::Zero(1, m.features)).cols();
  Metadata md = fields_of(h);
  md.insert(md.begin(), {"format", kFormat});
  md.emplace_back("rows", std::to_string(m.rows));
  MlpTensorFile *f = mlp_rt_st_new();
  st_set_metadata(f, std::move(md));
  for (const auto &[name, value] : m.model->parameters()) {
    std::vector<double> values(static_cast<size_t>(value.size()));
    Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(values.data(), value.rows(),
                                                                                       value.cols()) = value;
    st_add_f64(f, name, {value.rows(), value.cols()}, values);
  }
  mlp_rt_st_write(f, path);
  release(f, "mlp_rt_fitted_save");
}

extern "C" MlpFitted *mlp_rt_fitted_load(const char *path_arg, const char *expect_header) {
  std::string path(arg(path_arg));
  MlpTensorFile *f = mlp_rt_st_open(path.c_str()); // a user error naming the path if unreadable or invalid
  FittedHeader h;
  std::string error;
  if (!header_from(st_metadata(f), path, true, h, error)) die(error, 1);
  if (!arg(expect_header).empty()) check_expected(h, path, arg(expect_header));
  auto m = std::make_unique<MlpFitted>();
  m->spec = find_estimator(h.estimator);
  m->task = h.task == "regression" ? Task::Regression : h.task == "classification" ? Task::Classification
                                                                                   : Task::Unsupervised;
  std::string bad;
  parse_options(*m->spec, h.options, m->options, bad); // checked by header_from
  m->inputs = h.inputs;
  m->features = h.features;
  m->target = h.target;
  m->classes = h.labels;
  for (const auto &[key, value] : st_metadata(f))
    if (key == "rows") parse_count(value, m->rows);
  std::vector<std::pair<std::string, Matrix>> parameters = read_parameters(f, path, h, m->options);
  release(f, "mlp_rt_fitted_load");
  m->model = m->spec->make(m->options, m->task);
  m->model->load(parameters);
  return keep_alive(std::move(m));
}
