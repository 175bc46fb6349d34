#include "tools/LineInput.h"

#include <histedit.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <unistd.h>

namespace mlp {

struct LineInput::Impl {
  EditLine *el = nullptr;
  History *history = nullptr;
  std::string historyFile;
  Completer completer;
  const char *prompt = "";

  static const char *promptOf(EditLine *el) {
    Impl *self = nullptr;
    el_get(el, EL_CLIENTDATA, &self);
    return self->prompt;
  }

  /// Tab: completes the word before the cursor as far as every candidate
  /// agrees, then lists the candidates when they still differ.
  static unsigned char complete(EditLine *el, int) {
    Impl *self = nullptr;
    el_get(el, EL_CLIENTDATA, &self);
    const LineInfo *line = el_line(el);
    std::string before(line->buffer, line->cursor);
    Completions completions = self->completer(before);
    std::string word = before.substr(before.size() - completions.wordLength);
    std::vector<std::string> &found = completions.candidates;
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    if (found.empty())
      return CC_REFRESH_BEEP;
    std::string common = found[0];
    for (const std::string &f : found) {
      size_t n = 0;
      while (n < common.size() && n < f.size() && common[n] == f[n])
        ++n;
      common.resize(n);
    }
    if (common.size() > word.size()) {
      el_insertstr(el, common.substr(word.size()).c_str());
      return CC_REFRESH;
    }
    if (found.size() == 1)
      return CC_REFRESH;
    // Several candidates share no more: list them in columns.
    size_t width = 0;
    for (const std::string &f : found)
      width = std::max(width, f.size());
    size_t perLine = std::max<size_t>(1, 80 / (width + 2));
    std::string out = "\n";
    for (size_t i = 0; i < found.size(); ++i) {
      out += found[i];
      bool last = (i + 1) % perLine == 0 || i + 1 == found.size();
      out += last ? "\n" : std::string(width + 2 - found[i].size(), ' ');
    }
    fputs(out.c_str(), stdout);
    fflush(stdout);
    return CC_REDISPLAY;
  }
};

LineInput::LineInput(const char *program, std::string historyFile,
                     Completer completer)
    : impl(std::make_unique<Impl>()) {
  impl->completer = std::move(completer);
  if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
    return;
  impl->historyFile = std::move(historyFile);
  impl->el = el_init(program, stdin, stdout, stderr);
  el_set(impl->el, EL_CLIENTDATA, impl.get());
  el_set(impl->el, EL_EDITOR, "emacs");
  el_set(impl->el, EL_PROMPT, &Impl::promptOf);
  el_set(impl->el, EL_ADDFN, "mlp-complete", "complete a name", &Impl::complete);
  el_set(impl->el, EL_BIND, "^I", "mlp-complete", nullptr);
  // The user's ~/.editrc (key bindings, vi mode) applies, as in other tools.
  el_source(impl->el, nullptr);
  impl->history = history_init();
  HistEvent event;
  history(impl->history, &event, H_SETSIZE, 1000);
  history(impl->history, &event, H_SETUNIQUE, 1);
  if (!impl->historyFile.empty())
    history(impl->history, &event, H_LOAD, impl->historyFile.c_str());
  el_set(impl->el, EL_HIST, history, impl->history);
}

LineInput::~LineInput() {
  if (impl->el)
    el_end(impl->el);
  if (impl->history)
    history_end(impl->history);
}

bool LineInput::interactive() const { return impl->el != nullptr; }

std::optional<std::string> LineInput::read(const char *prompt) {
  if (!impl->el) {
    std::string line;
    if (!std::getline(std::cin, line))
      return std::nullopt;
    return line;
  }
  impl->prompt = prompt;
  int count = 0;
  const char *line = el_gets(impl->el, &count);
  if (!line || count <= 0)
    return std::nullopt;
  std::string text(line, count);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  return text;
}

void LineInput::reset() {
  if (impl->el)
    el_reset(impl->el);
}

void LineInput::remember(const std::string &input) {
  if (!impl->history || input.find_first_not_of(" \t\n") == std::string::npos)
    return;
  HistEvent event;
  history(impl->history, &event, H_ENTER, input.c_str());
  if (!impl->historyFile.empty())
    history(impl->history, &event, H_SAVE, impl->historyFile.c_str());
}

} // namespace mlp
