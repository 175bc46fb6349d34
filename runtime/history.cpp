/// \file history.cpp
/// Training history (per-epoch loss and metrics) and the progress output of
/// `train`: a progress bar rewritten in place on a terminal, a few plain log
/// lines otherwise (so logs and CI output stay short and diffable).

#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <unistd.h>

namespace mlp::rt {

using Series = MlpHistory::Series;

MlpHistory &checked(MlpHistory *h, const char *function) {
  if (!h) internal_error(std::string(function) + ": null history");
  return *h;
}

namespace {

/// True while a progress bar line is on screen without its newline.
bool g_bar_open = false;

enum class Mode { Off, Bar, Lines, EveryEpoch };

Mode progress_mode() {
  const char *env = std::getenv("MLP_PROGRESS");
  std::string_view v = env ? env : "";
  if (v == "0" || v == "off" || v == "none") return Mode::Off;
  if (v == "all") return Mode::EveryEpoch;
  return isatty(STDOUT_FILENO) ? Mode::Bar : Mode::Lines;
}

/// 4 decimals as a rule (a loss of 0.4321, an accuracy of 0.9125); very small
/// or very large values in scientific notation so they do not read as 0.
void append_value(std::string &out, double v) {
  double a = std::fabs(v);
  append_f64(out, v, (a != 0 && (a < 1e-3 || a >= 1e6)) ? ".3e" : ".4f");
}

/// `loss 0.4321, accuracy 0.9125`: the values of `epoch`.
std::string values_text(const MlpHistory &h, int64_t epoch) {
  std::string out;
  for (const Series &s : h.series) {
    if (!s.recorded[epoch]) continue;
    double v = s.values[epoch];
    if (!out.empty()) out += ", ";
    out += s.name;
    out += ' ';
    append_value(out, v);
  }
  return out;
}

void write_stdout(const std::string &text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

} // namespace

void end_progress_line() {
  if (!g_bar_open) return;
  g_bar_open = false;
  write_stdout("\n");
}

} // namespace mlp::rt

using namespace mlp::rt;

extern "C" MlpHistory *mlp_rt_history_new(const char *model, int64_t epochs) {
  if (epochs <= 0) die("the number of epochs must be positive, got " + std::to_string(epochs), 1);
  auto h = std::make_unique<MlpHistory>();
  h->model = std::string(arg(model));
  h->epochs = epochs;
  h->start = h->lastDraw = std::chrono::steady_clock::now();
  return keep_alive(std::move(h));
}

extern "C" void mlp_rt_history_record(MlpHistory *h_arg, int64_t epoch, const char *name_arg, double value) {
  MlpHistory &h = checked(h_arg, "mlp_rt_history_record");
  if (epoch < 0 || epoch >= h.epochs)
    internal_error("epoch " + std::to_string(epoch) + " is outside [0, " + std::to_string(h.epochs) + ")");
  std::string_view name = arg(name_arg);
  for (Series &s : h.series)
    if (s.name == name) {
      s.values[epoch] = value;
      s.recorded[epoch] = true;
      return;
    }
  h.series.push_back(Series{std::string(name), std::vector<double>(h.epochs, std::nan("")),
                            std::vector<bool>(h.epochs, false)});
  h.series.back().values[epoch] = value;
  h.series.back().recorded[epoch] = true;
}

extern "C" void mlp_rt_history_epoch_done(MlpHistory *h_arg, int64_t epoch) {
  MlpHistory &h = checked(h_arg, "mlp_rt_history_epoch_done");
  if (epoch < 0 || epoch >= h.epochs)
    internal_error("epoch " + std::to_string(epoch) + " is outside [0, " + std::to_string(h.epochs) + ")");
  const int64_t shown = epoch + 1; // people count epochs from 1
  const bool last = shown == h.epochs;
  const std::string count = std::to_string(shown) + "/" + std::to_string(h.epochs);
  switch (progress_mode()) {
  case Mode::Off: return;
  case Mode::Lines: {
    int64_t every = (h.epochs + 9) / 10; // about 10 lines, whatever the epoch count
    if (!(shown == 1 || shown % every == 0 || last)) return;
    [[fallthrough]];
  }
  case Mode::EveryEpoch: write_stdout("epoch " + count + ": " + values_text(h, epoch) + "\n"); return;
  case Mode::Bar: {
    // Redraw at most 20 times a second: fast epochs must not spend their
    // time on the terminal. The last epoch is always drawn.
    auto now = std::chrono::steady_clock::now();
    if (!last && epoch > 0 && now - h.lastDraw < std::chrono::milliseconds(50)) return;
    h.lastDraw = now;
    constexpr int64_t kWidth = 30;
    int64_t filled = shown * kWidth / h.epochs;
    double seconds = std::chrono::duration<double>(now - h.start).count();
    // Pad the count so the bar does not jump when the epoch gains a digit.
    std::string text = "\repoch ";
    text.append(std::to_string(h.epochs).size() - std::to_string(shown).size(), ' ');
    text += count + " [" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] " +
            values_text(h, epoch) + " ";
    append_f64(text, seconds, ".1f");
    text += "s\x1b[K"; // erase what a longer earlier line left behind
    write_stdout(text);
    g_bar_open = true;
    if (last) end_progress_line();
    return;
  }
  }
}

extern "C" void mlp_rt_fmt_history_summary(MlpHistory *h_arg) {
  const MlpHistory &h = checked(h_arg, "mlp_rt_fmt_history_summary");
  int64_t last = -1;  // the last epoch that recorded anything
  for (const Series &s : h.series)
    for (size_t e = 0; e < s.recorded.size(); ++e)
      if (s.recorded[e]) last = std::max(last, static_cast<int64_t>(e));
  if (last < 0) return;
  line_buffer() += ", " + std::to_string(last + 1) + (last ? " epochs: " : " epoch: ") + values_text(h, last);
}

extern "C" void mlp_rt_history_batch_done(MlpHistory *h_arg, int64_t epoch, int64_t batch,
                                          int64_t batches, double loss, int64_t rows) {
  MlpHistory &h = checked(h_arg, "mlp_rt_history_batch_done");
  check_interrupt();
  auto now = std::chrono::steady_clock::now();
  if (batch == 0) {
    h.epochStart = now;
    h.epochRows = 0;
    h.epochLoss = 0;
  }
  h.epochRows += rows;
  h.epochLoss += loss * static_cast<double>(rows);
  // Only a terminal gets the live bar, redrawn at most 20 times a second.
  if (progress_mode() != Mode::Bar || batch + 1 == batches ||
      now - h.lastDraw < std::chrono::milliseconds(50))
    return;
  h.lastDraw = now;
  double seconds = std::chrono::duration<double>(now - h.epochStart).count();
  double perSecond = seconds > 0 ? static_cast<double>(h.epochRows) / seconds : 0;
  double left = perSecond > 0 ? seconds * static_cast<double>(batches - batch - 1) /
                                    static_cast<double>(batch + 1)
                              : 0;
  constexpr int64_t kWidth = 30;
  int64_t filled = (batch + 1) * kWidth / batches;
  std::string text = "\repoch " + std::to_string(epoch + 1) + "/" + std::to_string(h.epochs) +
                     " batch " + std::to_string(batch + 1) + "/" + std::to_string(batches) + " [" +
                     std::string(filled, '#') + std::string(kWidth - filled, '.') + "] loss ";
  append_value(text, h.epochLoss / static_cast<double>(h.epochRows));
  text += ", ";
  append_f64(text, perSecond, ".0f");
  text += " examples/s, ETA ";
  append_f64(text, left, ".0f");
  text += "s\x1b[K";
  write_stdout(text);
  g_bar_open = true;
}

extern "C" double mlp_rt_history_last(MlpHistory *h_arg, const char *name_arg) {
  MlpHistory &h = checked(h_arg, "mlp_rt_history_last");
  std::string_view name = arg(name_arg);
  std::vector<std::string> names;
  for (const Series &s : h.series) {
    names.push_back(s.name);
    if (s.name != name) continue;
    for (int64_t e = h.epochs; e-- > 0;)
      if (s.recorded[e]) return s.values[e];
    return std::numeric_limits<double>::quiet_NaN();
  }
  die("the history of '" + h.model + "' has no series '" + std::string(name) + "' (it has: " +
          (names.empty() ? std::string("none") : join(names)) + ")",
      1);
}

/* ------------------------------------------------------- training helpers */

extern "C" double mlp_rt_schedule_factor(const char *kind_arg, int64_t epoch, int64_t epochs,
                                         double every, double gamma, double warmup) {
  std::string kind(mlp::rt::arg(kind_arg));
  double e = static_cast<double>(epoch), n = static_cast<double>(epochs);
  if (kind == "step") // PyTorch's StepLR: gamma^(epoch / step_size)
    return std::pow(gamma, std::floor(e / every));
  // Linear warmup from lr / warmup to lr over the first `warmup` epochs.
  if (e < warmup) return (e + 1) / warmup;
  double span = std::max(1.0, n - warmup), t = (e - warmup) / span;
  if (kind == "cosine") return 0.5 * (1 + std::cos(M_PI * t)); // to 0 at the end
  if (kind == "linear") return 1 - t;
  mlp::rt::internal_error("unknown schedule '" + kind + "'");
}

extern "C" void mlp_rt_check_loss(double loss, const char *model, int64_t epoch, int64_t batch,
                                  int32_t keep_going) {
  if (std::isfinite(loss) || keep_going) return;
  mlp::rt::die("training '" + std::string(mlp::rt::arg(model)) + "' diverged: the loss is " +
                   (std::isnan(loss) ? "nan" : "infinite") + " at epoch " + std::to_string(epoch + 1) +
                   ", batch " + std::to_string(batch + 1) +
                   " (lower the learning rate, or run with --keep_nan to go on)",
               1);
}

extern "C" int32_t mlp_rt_history_should_stop(MlpHistory *h_arg, int64_t patience) {
  MlpHistory &h = checked(h_arg, "mlp_rt_history_should_stop");
  if (h.stopped) return 1;
  const MlpHistory::Series *loss = nullptr;
  for (const auto &s : h.series)
    if (s.name == "val_loss") loss = &s;
  if (!loss) return 0;
  // The last epoch recorded, and the one with the lowest validation loss.
  int64_t last = -1, best = -1;
  for (size_t e = 0; e < loss->values.size(); ++e) {
    if (!loss->recorded[e]) continue;
    last = static_cast<int64_t>(e);
    if (best < 0 || loss->values[e] < loss->values[best]) best = last;
  }
  if (last < 0 || last - best < patience) return 0;
  h.stopped = true;
  end_progress_line();
  if (progress_mode() != Mode::Off)
    std::printf("early stop after epoch %lld: val_loss has not improved for %lld epochs "
                "(best %.4f at epoch %lld)\n",
                static_cast<long long>(last + 1), static_cast<long long>(last - best),
                loss->values[best], static_cast<long long>(best + 1));
  std::fflush(stdout);
  return 1;
}
