// mlpc repl. Each input is parsed and checked together with every input that
// ran before it, so names, types and shapes carry over exactly as in a file;
// then only the new statements are generated, JIT-compiled and run. Values
// pass from one input to the next through the runtime's store (see
// frontend/MLIRGenRepl.cpp). An input that fails (to compile, or at run
// time) leaves the session as it was: it is not added, and nothing it bound
// is kept.
#include "tools/Repl.h"

#include "codegen/Pipeline.h"
#include "frontend/MLIRGen.h"
#include "frontend/Parser.h"
#include "frontend/Pipeline.h"
#include "frontend/Sema.h"
#include "runtime/csv.h"
#include "runtime/mlp_runtime.h"
#include "tools/LineInput.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <csetjmp>
#include <csignal>
#include <pthread.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace mlp {

const char *kReplHelp =
    "usage: mlpc repl\n"
    "\n"
    "An interactive session: type statements (let, fn, data, model, train,\n"
    "fit, print, plot, save) and expressions; each runs at once, and what it\n"
    "defines stays for the inputs after it. An expression prints its value\n"
    "and type. An input continues on the next line while a bracket is open\n"
    "or the line ends with |>. Commands: :help, :type EXPR, :ir EXPR,\n"
    ":time INPUT, :load FILE, :reset, :quit.\n"
    "\n"
    "On a terminal, lines are edited with libedit: Tab completes names,\n"
    "keywords and column names; the history is kept in $MLPC_HISTORY\n"
    "(default ~/.mlpc_history); Ctrl-C stops a running input (a train stops\n"
    "at its next batch) or clears the line; Ctrl-D quits. With stdin not a\n"
    "terminal, lines are read as they come and no prompt is shown; the exit\n"
    "status is then 1 if any input failed.\n";

namespace {

const char *kCommands =
    ":help          this list\n"
    ":type EXPR     the type of EXPR, without running it\n"
    ":ir EXPR       the mlp dialect generated for EXPR, before any pass\n"
    ":time INPUT    runs INPUT and says how long compiling and running took\n"
    ":load FILE     runs the statements of a .mlp file in this session\n"
    ":reset         forgets every definition\n"
    ":quit          ends the session (so does Ctrl-D)\n";

// Ctrl-C. At the prompt it drops the line; while an input runs it asks the
// runtime to stop at its next batch or kernel (a second Ctrl-C stops it
// where it is); while compiling it cancels the run.
enum State { Idle, Prompt, Compiling, Running };
volatile std::sig_atomic_t g_state = Idle;
volatile std::sig_atomic_t g_cancelled = 0;
sigjmp_buf g_promptJump, g_runJump;

pthread_t g_mainThread;

void onInterrupt(int) {
  // The kernel gives a process's signal to any of its threads; only the
  // main one may jump.
  if (!pthread_equal(pthread_self(), g_mainThread)) {
    pthread_kill(g_mainThread, SIGINT);
    return;
  }
  switch (g_state) {
  case Prompt:
    siglongjmp(g_promptJump, 1);
  case Running:
    if (mlp_rt_interrupt_pending()) {
      // Generated code that never reaches the runtime (a long loop of
      // arithmetic): leave it now.
      static const char message[] = "\nerror: interrupted\n";
      (void)!write(2, message, sizeof message - 1);
      siglongjmp(g_runJump, 130);
    }
    mlp_rt_interrupt();
    return;
  case Compiling:
    g_cancelled = 1;
    return;
  default:
    return;
  }
}

/// The runtime's fatal errors come back here instead of exiting (their
/// message is printed already).
[[noreturn]] void onFatal(int status) { siglongjmp(g_runJump, status ? status : 1); }

/// Whether `text` needs another line: a bracket still open, or the last line
/// ending with `|>` (strings and comments do not count).
bool incomplete(const std::string &text) {
  int depth = 0;
  std::string last;  // the last two significant characters
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '#') {
      while (i + 1 < text.size() && text[i + 1] != '\n')
        ++i;
      continue;
    }
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"' && text[i] != '\n'; ++i)
        if (text[i] == '\\')
          ++i;
      last = "\"";
      continue;
    }
    if (c == '(' || c == '[' || c == '{')
      ++depth;
    else if (c == ')' || c == ']' || c == '}')
      --depth;
    if (!std::isspace((unsigned char)c))
      last = (last.empty() ? "" : last.substr(last.size() - 1)) + c;
  }
  return depth > 0 || last == "|>";
}

size_t countLines(const std::string &text) {
  return std::count(text.begin(), text.end(), '\n');
}

std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

class Session {
public:
  enum class Mode { Run, Type, IR };

  Session() {
    mlir::DialectRegistry registry;
    registerPipelineDialects(registry);
    context.appendDialectRegistry(registry);
  }

  /// Compiles and runs `input` (or, by `mode`, only prints its type or IR).
  /// `path` names it in messages. False after printing an error.
  bool eval(const std::string &input, const std::string &path,
            Mode mode = Mode::Run, bool timed = false);

  void reset() {
    source.clear();
    stmts = 0;
    stored.clear();
    nextSlot = 0;
    names.clear();
    columns.clear();
    schemas.clear();
    mlp_rt_repl_clear();
  }

  /// Tab: what may complete the word before the cursor.
  LineInput::Completions complete(const std::string &before) const;

private:
  bool run(MainFunction main, double &seconds);
  void remember(const Sema &sema);

  mlir::MLIRContext context;  // one for the session: stored values' types live here
  std::string source;         // the inputs that ran, in order
  size_t stmts = 0;           // their statements
  std::map<int, StoredValue> stored;
  int64_t nextSlot = 0;
  std::map<std::string, CsvSchema> schemas;  // Sema::schemaCache
  /// Every input's code: a runtime object may point into it (a constant).
  std::vector<std::shared_ptr<void>> programs;
  std::set<std::string> names;                          // for Tab
  std::map<std::string, std::vector<std::string>> columns; // each table's
};

bool Session::eval(const std::string &input, const std::string &path,
                   Mode mode, bool timed) {
  auto start = std::chrono::steady_clock::now();
  std::string text = source + input;
  if (text.empty() || text.back() != '\n')
    text += '\n';
  int lineBase = (int)countLines(source);
  Program program;
  program.path = path;
  program.source = text;
  Diagnostics diags(path, program.source, lineBase);
  std::unique_ptr<Sema> sema;
  try {
    auto parsed = parseProgram(path, program.source, diags);
    program.stmts = std::move(parsed->stmts);
    // A line starting with |> would continue the last input's statement.
    if (program.stmts.size() < stmts ||
        (stmts && program.stmts[stmts - 1]->range.end.line > lineBase)) {
      printError(path + ": an input cannot continue the one before it; end "
                        "a line with |> to continue it");
      return false;
    }
    if (program.stmts.size() == stmts)
      return true;  // only comments
    sema = std::make_unique<Sema>(program, diags);
    sema->allowRedefinition = true;
    sema->schemaCache = &schemas;
    sema->check();
  } catch (const CompileError &) {
    return false;
  }

  if (mode == Mode::Type || mode == Mode::IR) {
    const Stmt &last = *program.stmts.back();
    if (program.stmts.size() != stmts + 1 || last.kind != StmtKind::Expr) {
      printError(std::string(mode == Mode::Type ? ":type" : ":ir") +
                 " takes one expression");
      return false;
    }
    if (mode == Mode::Type) {
      printf("%s\n", sema->mainNotes.type(last.value.get()).str().c_str());
      return true;
    }
  }

  // Errors from passes show the input's line, counted from its first.
  llvm::SourceMgr sources;
  sources.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(input, path),
                             llvm::SMLoc());
  mlir::SourceMgrDiagnosticHandler handler(sources, &context);
  ReplInput repl;
  repl.firstStmt = stmts;
  repl.lineBase = lineBase;
  repl.stored = stored;
  repl.nextSlot = nextSlot;
  repl.show = mode == Mode::Run;
  g_cancelled = 0;
  g_state = Compiling;
  auto module = generateMLIR(context, *sema, &repl);
  if (failed(mlir::verify(*module))) {
    g_state = Idle;
    printError("internal compiler error: invalid IR generated");
    module->print(llvm::errs());
    return false;
  }
  if (mode == Mode::IR) {  // as generated, before any pass
    g_state = Idle;
    module->print(llvm::outs());
    llvm::outs().flush();
    return true;
  }
  std::shared_ptr<void> code;
  MainFunction main = nullptr;
  if (succeeded(lowerModule(*module, Stage::LLVM)))
    main = jitCompile(*module, code);
  g_state = Idle;
  if (!main)
    return false;
  if (g_cancelled) {
    printError("interrupted");
    return false;
  }
  double compiled =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double ran = 0;
  if (!run(main, ran))
    return false;
  if (timed)
    printf("time: %.1f ms (compile %.1f ms, run %.1f ms)\n",
           (compiled + ran) * 1e3, compiled * 1e3, ran * 1e3);

  source = std::move(text);
  stmts = program.stmts.size();
  for (auto &[id, v] : repl.bound)
    stored[id] = v;
  nextSlot = repl.nextSlot;
  programs.push_back(std::move(code));
  remember(*sema);
  return true;
}

MLP_CALLS_JIT_CODE bool Session::run(MainFunction main, double &seconds) {
  auto start = std::chrono::steady_clock::now();
  fflush(stdout);
  if (sigsetjmp(g_runJump, 1) != 0) {
    // A run-time error (printed) or Ctrl-C: drop the line half built.
    g_state = Idle;
    mlp_rt_interrupt_clear();
    (void)mlp_rt_take_line();
    fflush(stdout);
    return false;
  }
  g_state = Running;
  main();
  g_state = Idle;
  mlp_rt_finish();
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return true;
}

/// The names and columns Tab offers, from the program just checked.
void Session::remember(const Sema &sema) {
  for (const Global &g : sema.globals) {
    names.insert(g.name);
    if (g.type.kind == Type::Table && g.type.table) {
      std::vector<std::string> &cols = columns[g.name];
      cols.clear();
      for (const Column &c : g.type.table->columns)
        cols.push_back(c.name);
    }
  }
}

LineInput::Completions Session::complete(const std::string &before) const {
  static const char *const keywords[] = {
      "and",  "data", "else", "false",  "fit",  "fn",    "for",    "from",
      "if",   "in",   "let",  "load",   "model", "not",  "on",     "or",
      "param", "plot", "print", "return", "save", "then", "to",    "train",
      "true", "with"};
  static const char *const commands[] = {":help", ":type", ":ir", ":time",
                                         ":load", ":reset", ":quit"};
  LineInput::Completions out;
  auto offer = [&](const std::string &name) {
    const std::string word = before.substr(before.size() - out.wordLength);
    if (name.compare(0, word.size(), word) == 0)
      out.candidates.push_back(name);
  };
  // `:load FILE`: the file's name, from its directory.
  if (before.rfind(":load ", 0) == 0 || before.rfind(":l ", 0) == 0) {
    std::string path = trim(before.substr(before.find(' ')));
    out.wordLength = path.size();
    size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(dir, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name[0] == '.' && path.substr(slash + 1).rfind('.', 0) != 0)
        continue;  // hidden files only when asked for
      bool isDir = it->is_directory(ec);
      offer((slash == std::string::npos ? "" : dir) + name + (isDir ? "/" : ""));
    }
    return out;
  }
  auto isWord = [](char c) { return std::isalnum((unsigned char)c) || c == '_'; };
  size_t start = before.size();
  while (start > 0 && isWord(before[start - 1]))
    --start;
  out.wordLength = before.size() - start;
  if (start == 1 && before[0] == ':') {  // a command
    out.wordLength += 1;
    for (const char *c : commands)
      offer(c);
    return out;
  }
  if (start > 0 && before[start - 1] == '.') {  // `iris.sep`: a table's columns
    size_t o = start - 1;
    while (o > 0 && isWord(before[o - 1]))
      --o;
    auto table = columns.find(before.substr(o, start - 1 - o));
    if (table != columns.end())
      for (const std::string &c : table->second)
        offer(c);
    return out;
  }
  for (const char *k : keywords)
    offer(k);
  for (const std::string &b : builtinNames())
    offer(b);
  for (const std::string &n : names)
    offer(n);
  for (const auto &[table, cols] : columns)
    for (const std::string &c : cols)
      offer(c);
  return out;
}

std::string historyFile() {
  if (const char *path = std::getenv("MLPC_HISTORY"))
    return path;
  if (const char *home = std::getenv("HOME"))
    return std::string(home) + "/.mlpc_history";
  return "";
}

} // namespace

int runRepl(const std::vector<std::string> &args) {
  if (!args.empty()) {
    fprintf(stderr, "mlpc: error: unexpected argument '%s'\n%s", args[0].c_str(),
            kReplHelp);
    return 2;
  }
  static char name[] = "mlpc repl";
  char *argv[] = {name, nullptr};
  mlp_rt_init(1, argv);
  mlp_rt_on_fatal(onFatal);
  g_mainThread = pthread_self();
  struct sigaction action = {};
  action.sa_handler = onInterrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);  // no SA_RESTART: Ctrl-C ends a read

  Session session;
  LineInput input("mlpc", historyFile(),
                  [&](const std::string &before) { return session.complete(before); });
  if (input.interactive())
    printf("mlpc 0.1 (LLVM/MLIR 19): :help lists the commands, Ctrl-D quits\n");
  bool failed = false;
  std::string text;
  while (true) {
    if (sigsetjmp(g_promptJump, 1) != 0) {
      g_state = Idle;
      input.reset();
      text.clear();
      printf("\n");
    }
    g_state = Prompt;
    std::optional<std::string> line = input.read(text.empty() ? "mlp> " : "...> ");
    g_state = Idle;
    if (!line) {
      if (!trim(text).empty()) {
        printError("the input ends inside an open bracket or after |>");
        failed = true;
      }
      if (input.interactive())
        printf("\n");
      break;
    }
    text += *line + "\n";
    if (text[0] != ':' && incomplete(text))
      continue;
    std::string entry = trim(text);
    text.clear();
    input.remember(entry);
    if (entry.empty())
      continue;

    bool ok = true;
    if (entry[0] != ':') {
      ok = session.eval(entry, "<input>");
    } else {
      size_t space = entry.find_first_of(" \t");
      std::string command = entry.substr(0, space);
      std::string rest = space == std::string::npos ? "" : trim(entry.substr(space));
      auto needs = [&](const char *what) {
        if (rest.empty())
          printError(command + " needs " + what);
        return !rest.empty();
      };
      if (command == ":quit" || command == ":q")
        break;
      if (command == ":help" || command == ":h") {
        fputs(kCommands, stdout);
      } else if (command == ":type" || command == ":t") {
        ok = needs("an expression") && session.eval(rest, "<input>", Session::Mode::Type);
      } else if (command == ":ir") {
        ok = needs("an expression") && session.eval(rest, "<input>", Session::Mode::IR);
      } else if (command == ":time") {
        ok = needs("an input") && session.eval(rest, "<input>", Session::Mode::Run, true);
      } else if (command == ":load" || command == ":l") {
        ok = needs("a file");
        if (ok) {
          std::ifstream in(rest, std::ios::binary);
          std::stringstream file;
          if (in)
            file << in.rdbuf();
          if (!in) {
            printError("cannot open '" + rest + "': " + strerror(errno));
            ok = false;
          } else {
            ok = session.eval(file.str(), rest);
          }
        }
      } else if (command == ":reset") {
        session.reset();
      } else {
        printError("unknown command '" + command + "' (:help lists the commands)");
        ok = false;
      }
    }
    failed = failed || !ok;
    fflush(stdout);
    fflush(stderr);
  }
  mlp_rt_on_fatal(nullptr);
  return failed && !input.interactive() ? 1 : 0;
}

} // namespace mlp
