// Unit tests of the mlp runtime (runtime/mlp_runtime.h), through its C ABI.
//
// No framework: every check that fails prints what it expected and what it
// got; the program ends with the line "N passed, M failed" and returns
// non-zero if anything failed.
//
// Each case runs in a forked child with stdout and stderr sent to temporary
// files, so the runtime's exits (usage errors, --help, bad format specs) can
// be checked like any other result: exit status, stdout text, stderr text.

#include "runtime/internal.h"
#include "runtime/mlp_runtime.h"
#include "runtime/row_split.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

int g_passed = 0;
int g_failed = 0;

/// Shows control characters so a whitespace difference is visible.
std::string escaped(const std::string &s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '\n') r += "\\n";
    else if (c == '\t') r += "\\t";
    else if (c == '"') r += "\\\"";
    else r += c;
  }
  return r + "\"";
}

void check(bool ok, const std::string &what, const std::string &detail = "") {
  if (ok) {
    ++g_passed;
    return;
  }
  ++g_failed;
  std::printf("FAIL: %s\n", what.c_str());
  if (!detail.empty()) std::printf("%s\n", detail.c_str());
}

void check_eq(const std::string &got, const std::string &want, const std::string &what) {
  check(got == want, what, "  expected: " + escaped(want) + "\n  got:      " + escaped(got));
}

void check_contains(const std::string &got, const std::string &part, const std::string &what) {
  check(got.find(part) != std::string::npos, what,
        "  expected to contain: " + escaped(part) + "\n  got: " + escaped(got));
}

struct Run {
  int status = -1; ///< exit status, or 128 + signal
  std::string out;
  std::string err;
};

std::string read_all(FILE *f) {
  std::string s;
  std::rewind(f);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  return s;
}

/// Runs `body` in a child process that called mlp_rt_init(args) first and
/// calls mlp_rt_finish() after; returns its exit status and output.
Run run_child(const std::vector<std::string> &args, const std::function<void()> &body) {
  Run r;
  FILE *out = std::tmpfile();
  FILE *err = std::tmpfile();
  if (!out || !err) {
    std::perror("tmpfile");
    std::exit(3);
  }
  std::fflush(nullptr); // or the child would repeat our buffered output
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("fork");
    std::exit(3);
  }
  if (pid == 0) {
    dup2(fileno(out), 1);
    dup2(fileno(err), 2);
    std::vector<char *> argv;
    for (const std::string &a : args) argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    mlp_rt_init(static_cast<int>(args.size()), argv.data());
    body();
    mlp_rt_finish();
    std::fflush(nullptr);
    _exit(0);
  }
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  r.out = read_all(out);
  r.err = read_all(err);
  std::fclose(out);
  std::fclose(err);
  return r;
}

Run run_child(const std::function<void()> &body) { return run_child({"prog"}, body); }

/// The line one print statement produces (without its '\n').
std::string printed(const std::function<void()> &pieces, const std::string &what) {
  Run r = run_child([&] {
    pieces();
    mlp_rt_print_line();
  });
  check(r.status == 0 && r.err.empty(), what + ": runs cleanly",
        "  status " + std::to_string(r.status) + ", stderr " + escaped(r.err));
  if (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

/// Checks that `body` exits with `status` and exactly the stderr `err`.
void check_exit(const Run &r, int status, const std::string &err, const std::string &what) {
  check(r.status == status, what + ": exit status",
        "  expected " + std::to_string(status) + ", got " + std::to_string(r.status) +
            " (stderr " + escaped(r.err) + ")");
  check_eq(r.err, err, what + ": stderr");
}

/* ------------------------------------------------------------------ params */

void declare_iris_params() {
  mlp_rt_param_declare("lr", "f32", "0.01");
  mlp_rt_param_declare("epochs", "i32", "100");
  mlp_rt_param_declare("name", "str", "iris");
  mlp_rt_param_declare("verbose", "bool", "false");
}

/// Declares the test params, parses `flags`, prints every value.
Run parse_and_dump(const std::vector<std::string> &flags) {
  std::vector<std::string> args = {"/usr/local/bin/iris"};
  args.insert(args.end(), flags.begin(), flags.end());
  return run_child(args, [] {
    declare_iris_params();
    mlp_rt_param_declare("seed", "i64", "42");
    mlp_rt_param_declare("scale", "f64", "1.5");
    mlp_rt_param_declare("batch_size", "int", "16");
    mlp_rt_params_parse();
    std::printf("lr=%.9g epochs=%d name=%s verbose=%d seed=%lld scale=%.17g batch=%lld\n",
                mlp_rt_param_f32("lr"), mlp_rt_param_i32("epochs"), mlp_rt_param_str("name"),
                mlp_rt_param_bool("verbose"), static_cast<long long>(mlp_rt_param_i64("seed")),
                mlp_rt_param_f64("scale"), static_cast<long long>(mlp_rt_param_i64("batch_size")));
  });
}

void check_dump(const std::vector<std::string> &flags, const std::string &want, const std::string &what) {
  Run r = parse_and_dump(flags);
  check(r.status == 0, what + ": exit status 0", "  got " + std::to_string(r.status) + ", stderr " + escaped(r.err));
  check_eq(r.out, want + "\n", what);
}

const char *kHint = " (run with --help to list the options)\n";

/// A bad command line: exit status 2, the usage synopsis (as argparse) and
/// then the one error line on stderr, nothing on stdout.
void check_usage_error(const Run &r, const std::string &message, const std::string &what) {
  std::string error = "error: " + message + kHint;
  size_t synopsis = r.err.size() > error.size() ? r.err.size() - error.size() : 0;
  check(r.err.rfind("usage: ", 0) == 0, what + ": the usage first", "  got " + escaped(r.err));
  check_exit(r, 2, r.err.substr(0, synopsis) + error, what);
  check_eq(r.out, "", what + ": nothing on stdout");
}

void check_usage_error(const std::vector<std::string> &flags, const std::string &message,
                       const std::string &what) {
  check_usage_error(parse_and_dump(flags), message, what);
}

void test_params() {
  const std::string defaults =
      "lr=0.00999999978 epochs=100 name=iris verbose=0 seed=42 scale=1.5 batch=16";
  check_dump({}, defaults, "params: defaults");
  check_dump({"--lr", "0.02", "--epochs", "5", "--name", "setosa", "--seed", "-7", "--scale", "2.25"},
             "lr=0.0199999996 epochs=5 name=setosa verbose=0 seed=-7 scale=2.25 batch=16",
             "params: --name value");
  check_dump({"--lr=0.5", "--epochs=7", "--name=a b", "--verbose=true", "--seed=9000000000"},
             "lr=0.5 epochs=7 name=a b verbose=1 seed=9000000000 scale=1.5 batch=16",
             "params: --name=value");
  check_dump({"--lr", "-0.5", "--epochs", "+3", "--scale", "1e-3"},
             "lr=-0.5 epochs=3 name=iris verbose=0 seed=42 scale=0.001 batch=16",
             "params: negative and signed numbers");
  check_dump({"--verbose"}, "lr=0.00999999978 epochs=100 name=iris verbose=1 seed=42 scale=1.5 batch=16",
             "params: bare bool flag is true");
  check_dump({"--verbose", "false", "--epochs", "2"},
             "lr=0.00999999978 epochs=2 name=iris verbose=0 seed=42 scale=1.5 batch=16",
             "params: bool flag with a value");
  check_dump({"--verbose", "--epochs", "2"},
             "lr=0.00999999978 epochs=2 name=iris verbose=1 seed=42 scale=1.5 batch=16",
             "params: bare bool flag before another flag");
  check_dump({"--verbose=YES"}, "lr=0.00999999978 epochs=100 name=iris verbose=1 seed=42 scale=1.5 batch=16",
             "params: bool spellings");
  check_dump({"--batch-size", "32", "--batch_size=64"},
             "lr=0.00999999978 epochs=100 name=iris verbose=0 seed=42 scale=1.5 batch=64",
             "params: dashes match underscores, last flag wins");
  check_dump({"--name="}, "lr=0.00999999978 epochs=100 name= verbose=0 seed=42 scale=1.5 batch=16",
             "params: empty str value");
  check_dump({"--epochs", "2147483647", "--seed", "-9223372036854775808"},
             "lr=0.00999999978 epochs=2147483647 name=iris verbose=0 seed=-9223372036854775808 scale=1.5 batch=16",
             "params: integer limits");

  // --help and -h: usage on stdout, exit 0, nothing else runs.
  const std::string usage =
      "usage: iris [--lr F32] [--epochs I32] [--name STR] [--verbose BOOL]\n"
      "\n"
      "options:\n"
      "  -h, --help        show this help and exit\n"
      "  --lr <f32>        (default 0.01)\n"
      "  --epochs <i32>    (default 100)\n"
      "  --name <str>      (default \"iris\")\n"
      "  --verbose <bool>  (default false)\n"
      "  --threads <n>     threads for matmul, convolution and large loops (default 0: every core)\n";
  for (const char *flag : {"--help", "-h"}) {
    Run r = run_child({"./build/iris", "--lr", "0.5", flag, "--bogus"}, [] {
      declare_iris_params();
      mlp_rt_params_parse();
      std::printf("not reached\n");
    });
    check_exit(r, 0, "", std::string("params: ") + flag);
    check_eq(r.out, usage, std::string("params: ") + flag + " output");
  }
  {
    Run r = run_child({"tool", "--help"}, [] { mlp_rt_params_parse(); });
    check_exit(r, 0, "", "params: --help with no params");
    check_eq(r.out, "usage: tool\n\noptions:\n  -h, --help     show this help and exit\n"
                    "  --threads <n>  threads for matmul, convolution and large loops (default 0: every core)\n",
             "params: --help with no params output");
  }
  {
    Run r = run_child({"tool", "--help"}, [] {
      mlp_rt_param_declare("data", "str", nullptr);
      mlp_rt_params_parse();
    });
    check_eq(r.out, "usage: tool --data STR\n\noptions:\n  -h, --help     show this help and exit\n"
                    "  --data <str>   (required)\n"
                    "  --threads <n>  threads for matmul, convolution and large loops (default 0: every core)\n",
             "params: --help shows a required param");
  }
  {
    // A long synopsis wraps under the program name, like argparse.
    Run r = run_child({"prog", "--help"}, [] {
      for (const char *n : {"learning_rate", "momentum", "weight_decay", "epochs", "batch_size", "seed"})
        mlp_rt_param_declare(n, "f64", "1");
      mlp_rt_params_parse();
    });
    check_contains(r.out,
                   "usage: prog [--learning_rate F64] [--momentum F64] [--weight_decay F64]\n"
                   "            [--epochs F64] [--batch_size F64] [--seed F64]\n",
                   "params: long usage line wraps");
  }

  // Each user error: one line on stderr, exit status 2.
  check_usage_error({"--lrr", "0.1"}, "unknown option '--lrr'; did you mean '--lr'?",
                    "params: unknown flag with suggestion");
  check_usage_error({"--frobnicate"}, "unknown option '--frobnicate'", "params: unknown flag");
  check_usage_error({"-x"}, "unknown option '-x'", "params: unknown short flag");
  check_usage_error({"data.csv"}, "unexpected argument 'data.csv'", "params: stray argument");
  check_usage_error({"--lr"}, "missing value for --lr <f32>", "params: missing value at end");
  check_usage_error({"--lr", "--epochs", "3"}, "missing value for --lr <f32>",
                    "params: missing value before a flag");
  check_usage_error({"--epochs", "abc"}, "invalid value 'abc' for --epochs: expected an integer (i32)",
                    "params: non-number for an int");
  check_usage_error({"--epochs", "1.5"}, "invalid value '1.5' for --epochs: expected an integer (i32)",
                    "params: float for an int");
  check_usage_error({"--epochs=3000000000"}, "invalid value '3000000000' for --epochs: out of range for i32",
                    "params: i32 out of range");
  check_usage_error({"--seed", "99999999999999999999"},
                    "invalid value '99999999999999999999' for --seed: out of range for i64",
                    "params: i64 out of range");
  check_usage_error({"--lr", "fast"}, "invalid value 'fast' for --lr: expected a number (f32)",
                    "params: non-number for a float");
  check_usage_error({"--lr", "0.1x"}, "invalid value '0.1x' for --lr: expected a number (f32)",
                    "params: trailing junk");
  check_usage_error({"--lr", "1e60"}, "invalid value '1e60' for --lr: out of range for f32",
                    "params: f32 out of range");
  check_usage_error({"--scale", " 1"}, "invalid value ' 1' for --scale: expected a number (f64)",
                    "params: leading blank");
  check_usage_error({"--epochs="}, "invalid value '' for --epochs: expected an integer (i32)",
                    "params: empty int value");
  check_usage_error({"--verbose=maybe"}, "invalid value 'maybe' for --verbose: expected true or false (bool)",
                    "params: bad bool");
  check_usage_error({"--verbose", "maybe"}, "unexpected argument 'maybe'", "params: bool then stray word");
  {
    Run r = run_child({"prog"}, [] {
      mlp_rt_param_declare("data", "str", nullptr);
      mlp_rt_params_parse();
    });
    check_usage_error(r, "missing required option --data <str>", "params: required param left out");
  }

  // Compiler bugs: exit status 1.
  check_exit(run_child([] { mlp_rt_param_f32("nope"); }), 1, "error: internal error: no param named 'nope'\n",
             "params: undeclared getter");
  check_exit(run_child([] {
               mlp_rt_param_declare("lr", "f32", "0.1");
               mlp_rt_param_i32("lr");
             }),
             1, "error: internal error: param 'lr' is f32, read as i32\n", "params: getter of the wrong type");
  check_exit(run_child([] { mlp_rt_param_declare("n", "i32", "ten"); }), 1,
             "error: internal error: default 'ten' of param 'n': expected an integer (i32)\n",
             "params: bad default");
  check_exit(run_child([] { mlp_rt_param_declare("n", "u8", "1"); }), 1,
             "error: internal error: param 'n' has unknown type 'u8'\n", "params: unknown type");
  {
    Run r = run_child({"prog", "--lr", "0.25"}, [] {
      mlp_rt_param_declare("lr", "f32", "0.1");
      mlp_rt_params_parse();
      std::printf("%s %s|", mlp_rt_param_str("lr"), mlp_rt_param_str("lr"));
      mlp_rt_param_declare("lr", "f64", "0.5"); // redeclared (REPL): replaced
      mlp_rt_params_parse();
      std::printf("%g", mlp_rt_param_f64("lr"));
    });
    check_eq(r.out, "0.25 0.25|0.25", "params: str getter of a number, redeclaration, reparse");
  }
}

/* ------------------------------------------------------------ scalar print */

std::string f32(float v, const char *spec = "") {
  return printed([&] { mlp_rt_fmt_f32(v, spec); }, "f32");
}
std::string f64(double v, const char *spec = "") {
  return printed([&] { mlp_rt_fmt_f64(v, spec); }, "f64");
}
std::string i64(int64_t v, const char *spec = "") {
  return printed([&] { mlp_rt_fmt_i64(v, spec); }, "i64");
}
std::string boolean(int32_t v, const char *spec = "") {
  return printed([&] { mlp_rt_fmt_bool(v, spec); }, "bool");
}

void test_scalars() {
  // Shortest round-trip form; integral floats keep ".0".
  check_eq(f32(0.5f), "0.5", "f32 0.5");
  check_eq(f32(3.0f), "3.0", "f32 3.0");
  check_eq(f32(0.1f), "0.1", "f32 0.1 is shortest for f32, not 0.100000001");
  check_eq(f32(-2.0f), "-2.0", "f32 -2.0");
  check_eq(f32(-0.0f), "-0.0", "f32 -0.0");
  check_eq(f32(1e20f), "1e+20", "f32 1e20");
  check_eq(f32(1e-5f), "1e-05", "f32 1e-5");
  check_eq(f32(16777216.0f), "16777216.0", "f32 2^24");
  check_eq(f32(std::numeric_limits<float>::infinity()), "inf", "f32 inf");
  check_eq(f32(-std::numeric_limits<float>::infinity()), "-inf", "f32 -inf");
  check_eq(f32(std::nanf("")), "nan", "f32 nan");
  check_eq(f32(0.49671414f), "0.49671414", "f32 8 digits");
  check_eq(f64(0.1), "0.1", "f64 0.1");
  check_eq(f64(1.0 / 3.0), "0.3333333333333333", "f64 1/3");
  check_eq(f64(1e16), "1e+16", "f64 1e16");
  check_eq(f64(123456789.0), "123456789.0", "f64 integral");
  check_eq(f64(1e-300), "1e-300", "f64 tiny");
  // Specs.
  check_eq(f32(3.14159f, ".3f"), "3.142", "f32 .3f");
  check_eq(f64(3.14159, ">8.2f"), "    3.14", "f64 >8.2f");
  check_eq(f64(12345.678, ".2e"), "1.23e+04", "f64 .2e");
  check_eq(f64(3.14159, "+.1f"), "+3.1", "f64 +.1f");
  check_eq(f64(-3.14159, "08.3f"), "-003.142", "f64 08.3f");
  check_eq(f64(0.25, "g"), "0.25", "f64 g");
  check_eq(f32(0.9731f, ".1%"), "97.3%", "f32 .1%");
  check_eq(f64(0.5, "%"), "50.000000%", "f64 %");
  check_eq(f64(0.973, ">7.1%"), "  97.3%", "f64 >7.1%");
  check_eq(f64(1234567.891, ",.2f"), "1,234,567.89", "f64 ,.2f");
  check_eq(f64(-1234567.0, "_.0f"), "-1_234_567", "f64 _.0f");
  check_eq(f64(1234.5, "012,.1f"), "00,001,234.5", "f64 zero padding with grouping");
  check_eq(f32(3.0f, ">8"), "     3.0", "f32 width only keeps .0");
  check_eq(f32(2.5f, "<6"), "2.5   ", "f32 <6");
  check_eq(f32(2.5f, "*^9.1f"), "***2.5***", "f32 fill and center");
  check_eq(f64(3.0, ".3"), "3.0", "f64 .3 keeps .0");
  check_eq(f64(1234.5, ".3"), "1.23e+03", "f64 .3 large");
  check_eq(f64(3.14159, "=+8.2f"), "+   3.14", "f64 = alignment");
  check_eq(f64(2.0, "+"), "+2.0", "f64 + sign only");
  check_eq(f64(-2.5, "08"), "-00002.5", "f64 08 without type");
  // Integers.
  check_eq(i64(42), "42", "i64 42");
  check_eq(i64(-42), "-42", "i64 -42");
  check_eq(i64(std::numeric_limits<int64_t>::min()), "-9223372036854775808", "i64 min");
  check_eq(i64(42, "d"), "42", "i64 d");
  check_eq(i64(42, ">5"), "   42", "i64 >5");
  check_eq(i64(42, "05d"), "00042", "i64 05d");
  check_eq(i64(-42, "+d"), "-42", "i64 +d negative");
  check_eq(i64(42, "+d"), "+42", "i64 +d");
  check_eq(i64(255, "x"), "ff", "i64 x");
  check_eq(i64(255, "#x"), "0xff", "i64 #x");
  check_eq(i64(255, "#010x"), "0x000000ff", "i64 #010x");
  check_eq(i64(5, "b"), "101", "i64 b");
  check_eq(i64(1234567, ","), "1,234,567", "i64 ,");
  check_eq(i64(-1234567, "_d"), "-1_234_567", "i64 _d");
  check_eq(i64(0xdeadbeefLL, "_x"), "dead_beef", "i64 _x groups by 4");
  check_eq(i64(1234567, ">12,"), "   1,234,567", "i64 >12,");
  check_eq(i64(1234, "08,"), "0,001,234", "i64 08,");
  check_eq(i64(-42, "=6"), "-   42", "i64 =6");
  check_eq(i64(5, "<05"), "50000", "i64 <05 as in Python");
  check_eq(i64(3, ".2f"), "3.00", "i64 .2f converts like Python");
  check_eq(i64(7, ".0%"), "700%", "i64 .0%");
  check_eq(i64(12, "e"), "1.200000e+01", "i64 e");
  // Bools.
  check_eq(boolean(1), "true", "bool true");
  check_eq(boolean(0), "false", "bool false");
  check_eq(boolean(7), "true", "bool non-zero");
  check_eq(boolean(1, ">6"), "  true", "bool >6");
  check_eq(boolean(0, "^7"), " false ", "bool ^7");
  check_eq(boolean(1, "d"), "1", "bool d");
  check_eq(boolean(1, ".1f"), "1.0", "bool .1f");
  // Pieces make one line.
  check_eq(printed(
               [] {
                 mlp_rt_fmt_str("epoch ");
                 mlp_rt_fmt_i64(3, ">2");
                 mlp_rt_fmt_str(": loss ");
                 mlp_rt_fmt_f32(0.125f, ".4f");
                 mlp_rt_fmt_str(", done=");
                 mlp_rt_fmt_bool(1, "");
                 mlp_rt_fmt_str(nullptr);
                 mlp_rt_fmt_f64(2.0, nullptr);
               },
               "pieces"),
           "epoch  3: loss 0.1250, done=true2.0", "print: pieces build one line");
  {
    Run r = run_child([] {
      mlp_rt_fmt_str("a");
      mlp_rt_print_line();
      mlp_rt_print_line();
      mlp_rt_fmt_str("b");
      mlp_rt_print_line();
      mlp_rt_fmt_str("partial");
    });
    check_eq(r.out, "a\n\nb\npartial", "print: lines, an empty line, finish writes a partial line");
  }

  // Bad specs: exit 1 with one error line.
  check_exit(run_child([] { mlp_rt_fmt_f32(1.0f, "d"); }), 1, "error: bad format spec 'd' for f32\n",
             "bad spec: d for f32");
  check_exit(run_child([] { mlp_rt_fmt_f64(1.0, "q"); }), 1, "error: bad format spec 'q' for f64\n",
             "bad spec: q for f64");
  check_exit(run_child([] { mlp_rt_fmt_f64(1.0, ".f"); }), 1, "error: bad format spec '.f' for f64\n",
             "bad spec: precision without digits");
  check_exit(run_child([] { mlp_rt_fmt_i64(1, ".2"); }), 1, "error: bad format spec '.2' for i64\n",
             "bad spec: precision for i64");
  check_exit(run_child([] { mlp_rt_fmt_i64(1, ",x"); }), 1, "error: bad format spec ',x' for i64\n",
             "bad spec: , with x");
  check_exit(run_child([] { mlp_rt_fmt_i64(1, "{}"); }), 1, "error: bad format spec '{}' for i64\n",
             "bad spec: braces");
  check_exit(run_child([] { mlp_rt_fmt_bool(1, "+"); }), 1, "error: bad format spec '+' for bool\n",
             "bad spec: sign for bool");
  {
    Run r = run_child([] {
      mlp_rt_fmt_str("before");
      mlp_rt_print_line();
      mlp_rt_fmt_f32(1.0f, "z9");
    });
    check_exit(r, 1, "error: bad format spec 'z9' for f32\n", "bad spec: earlier lines kept");
    check_eq(r.out, "before\n", "bad spec: earlier lines kept: stdout");
  }
  {
    Run r = run_child([] {
      mlp_rt_fmt_str("x");
      mlp_rt_print_line();
      mlp_rt_fail("index 5 is out of bounds for axis 0 with size 3");
    });
    check_exit(r, 1, "error: index 5 is out of bounds for axis 0 with size 3\n", "mlp_rt_fail");
    check_eq(r.out, "x\n", "mlp_rt_fail: stdout flushed first");
  }
}

/* ------------------------------------------------------------------ tensors */

/// A ranked memref descriptor as generated code passes it, as 8-byte words:
/// {allocated, aligned, offset, sizes[rank], strides[rank]}.
struct Descriptor {
  std::vector<int64_t> words;
  int64_t rank;
  void *get() { return words.data(); }
};

/// `strides` empty: contiguous row-major.
Descriptor make_descriptor(const void *data, std::vector<int64_t> sizes, std::vector<int64_t> strides = {},
                           int64_t offset = 0) {
  if (strides.empty()) {
    strides.assign(sizes.size(), 1);
    for (size_t i = sizes.size(); i-- > 1;) strides[i - 1] = strides[i] * sizes[i];
  }
  Descriptor d;
  d.rank = static_cast<int64_t>(sizes.size());
  d.words.push_back(reinterpret_cast<intptr_t>(data));
  d.words.push_back(reinterpret_cast<intptr_t>(data));
  d.words.push_back(offset);
  d.words.insert(d.words.end(), sizes.begin(), sizes.end());
  d.words.insert(d.words.end(), strides.begin(), strides.end());
  return d;
}

using TensorFn = void (*)(int64_t, void *, const char *);

std::string tensor(TensorFn fn, Descriptor d, const char *spec, const std::string &what) {
  return printed([&] { fn(d.rank, d.get(), spec); }, what);
}

std::vector<int64_t> arange(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = i;
  return v;
}

void test_tensors() {
  const float scalar = 2.5f;
  check_eq(tensor(mlp_rt_fmt_tensor_f32, make_descriptor(&scalar, {}), "", "rank 0"), "2.5", "tensor: rank 0");
  check_eq(tensor(mlp_rt_fmt_tensor_f32, make_descriptor(&scalar, {}), ".2f", "rank 0 spec"), "2.50",
           "tensor: rank 0 with spec");

  const float v3[] = {0.5f, 1.0f, 2.5f};
  check_eq(tensor(mlp_rt_fmt_tensor_f32, make_descriptor(v3, {3}), "", "rank 1"), "[0.5, 1.0, 2.5]",
           "tensor: rank 1");
  check_eq(tensor(mlp_rt_fmt_tensor_f32, make_descriptor(v3, {3}), ".2f", "rank 1 spec"), "[0.50, 1.00, 2.50]",
           "tensor: rank 1 with spec");
  const float v2[] = {1.0f, 10.0f};
  check_eq(tensor(mlp_rt_fmt_tensor_f32, make_descriptor(v2, {2}), "", "rank 1 unpadded"), "[1.0, 10.0]",
           "tensor: a one-line vector is not padded");
  check_eq(tensor(mlp_rt_fmt_tensor_f32, make_descriptor(v3, {0}), "", "empty"), "[]", "tensor: empty vector");
  check_eq(tensor(mlp_rt_fmt_tensor_f32, make_descriptor(v3, {2, 0}), "", "empty rows"), "[[],\n []]",
           "tensor: rows of length 0");

  const float m22[] = {1, 2, 3, 4};
  check_eq(tensor(mlp_rt_fmt_tensor_f32, make_descriptor(m22, {2, 2}), "", "rank 2"), "[[1.0, 2.0],\n [3.0, 4.0]]",
           "tensor: rank 2");
  const float mixed[] = {1, -2.5f, 100, 4};
  check_eq(tensor(mlp_rt_fmt_tensor_f32, make_descriptor(mixed, {2, 2}), "", "rank 2 aligned"),
           "[[  1.0,  -2.5],\n [100.0,   4.0]]", "tensor: rank 2 columns aligned");
  check_eq(tensor(mlp_rt_fmt_tensor_f32, make_descriptor(mixed, {2, 2}), "8.3f", "rank 2 spec"),
           "[[   1.000,   -2.500],\n [ 100.000,    4.000]]", "tensor: rank 2 with a width spec");
  const float pts[] = {-0.37f, 0.0f, 1.5f, std::numeric_limits<float>::infinity()};
  check_eq(tensor(mlp_rt_fmt_tensor_f32, make_descriptor(pts, {2, 2}), "", "decimal points"),
           "[[-0.37,  0.0 ],\n [ 1.5 ,   inf]]", "tensor: decimal points line up, inf right-aligned");
  const double d3[] = {0.1, 0.2, 1.0 / 3.0};
  check_eq(tensor(mlp_rt_fmt_tensor_f64, make_descriptor(d3, {3}), "", "f64"), "[0.1, 0.2, 0.3333333333333333]",
           "tensor: f64");

  std::vector<int64_t> a8 = arange(8);
  check_eq(tensor(mlp_rt_fmt_tensor_i64, make_descriptor(a8.data(), {2, 2, 2}), "", "rank 3"),
           "[[[0, 1],\n  [2, 3]],\n\n [[4, 5],\n  [6, 7]]]", "tensor: rank 3 blocks separated by a blank line");
  std::vector<int64_t> a16 = arange(16);
  check_eq(tensor(mlp_rt_fmt_tensor_i64, make_descriptor(a16.data(), {2, 2, 2, 2}), "", "rank 4"),
           "[[[[ 0,  1],\n   [ 2,  3]],\n\n  [[ 4,  5],\n   [ 6,  7]]],\n\n\n"
           " [[[ 8,  9],\n   [10, 11]],\n\n  [[12, 13],\n   [14, 15]]]]",
           "tensor: rank 4");

  // Strided views: transpose of a 2x3, a column, a reversed vector.
  const int64_t m23[] = {1, 2, 3, 4, 5, 6};
  check_eq(tensor(mlp_rt_fmt_tensor_i64, make_descriptor(m23, {3, 2}, {1, 3}), "", "transposed"),
           "[[1, 4],\n [2, 5],\n [3, 6]]", "tensor: transposed view");
  check_eq(tensor(mlp_rt_fmt_tensor_i64, make_descriptor(m23, {2}, {3}, 1), "", "column"), "[2, 5]",
           "tensor: column view with offset");
  check_eq(tensor(mlp_rt_fmt_tensor_i64, make_descriptor(m23, {3}, {-1}, 5), "", "reversed"), "[6, 5, 4]",
           "tensor: negative stride");
  check_eq(tensor(mlp_rt_fmt_tensor_i64, make_descriptor(m23, {2, 3}, {0, 1}), "", "broadcast"),
           "[[1, 2, 3],\n [1, 2, 3]]", "tensor: zero stride (broadcast)");

  const uint8_t b3[] = {1, 0, 1};
  check_eq(tensor(mlp_rt_fmt_tensor_bool, make_descriptor(b3, {3}), "", "bool"), "[true, false, true]",
           "tensor: bool");
  const uint8_t b22[] = {1, 0, 0, 1};
  check_eq(tensor(mlp_rt_fmt_tensor_bool, make_descriptor(b22, {2, 2}), "", "bool rank 2"),
           "[[ true, false],\n [false,  true]]", "tensor: bool rank 2 aligned");
  check_eq(tensor(mlp_rt_fmt_tensor_bool, make_descriptor(b22, {2, 2}), "d", "bool d"), "[[1, 0],\n [0, 1]]",
           "tensor: bool with spec d");

  const int64_t neg[] = {-1, 20, -300, 4};
  check_eq(tensor(mlp_rt_fmt_tensor_i64, make_descriptor(neg, {2, 2}), "", "i64 neg"),
           "[[  -1,   20],\n [-300,    4]]", "tensor: i64 with negatives");
  check_eq(tensor(mlp_rt_fmt_tensor_i64, make_descriptor(neg, {4}), ">5", "i64 spec"),
           "[   -1,    20,  -300,     4]", "tensor: i64 with spec");
  const int32_t i32s[] = {7, -8, 9};
  check_eq(tensor(mlp_rt_fmt_tensor_i32, make_descriptor(i32s, {3}), "", "i32"), "[7, -8, 9]", "tensor: i32");

  // The continuation lines line up under the first '[' in the line.
  check_eq(printed(
               [&] {
                 mlp_rt_fmt_str("w = ");
                 Descriptor d = make_descriptor(m23, {2, 3});
                 mlp_rt_fmt_tensor_i64(d.rank, d.get(), "");
               },
               "prefix"),
           "w = [[1, 2, 3],\n     [4, 5, 6]]", "tensor: continuation lines align after a prefix");

  // Long rows wrap at 75 columns; then the elements get a common width.
  std::vector<int64_t> a30 = arange(30);
  check_eq(tensor(mlp_rt_fmt_tensor_i64, make_descriptor(a30.data(), {30}), "", "wrap"),
           "[ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n"
           " 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]",
           "tensor: long vector wraps");

  // Summaries: more than 1000 elements.
  std::vector<int64_t> a2000 = arange(2000);
  check_eq(tensor(mlp_rt_fmt_tensor_i64, make_descriptor(a2000.data(), {2000}), "", "summary 1"),
           "[0, 1, 2, ..., 1997, 1998, 1999]", "tensor: rank 1 summary");
  std::string full = tensor(mlp_rt_fmt_tensor_i64, make_descriptor(a2000.data(), {1000}), "", "1000");
  check(full.find("...") == std::string::npos && full.find("999]") != std::string::npos,
        "tensor: exactly 1000 elements are not summarized");
  check_eq(tensor(mlp_rt_fmt_tensor_i64, make_descriptor(a2000.data(), {40, 30}), "", "summary 2"),
           "[[   0,    1,    2, ...,   27,   28,   29],\n"
           " [  30,   31,   32, ...,   57,   58,   59],\n"
           " [  60,   61,   62, ...,   87,   88,   89],\n"
           " ...,\n"
           " [1110, 1111, 1112, ..., 1137, 1138, 1139],\n"
           " [1140, 1141, 1142, ..., 1167, 1168, 1169],\n"
           " [1170, 1171, 1172, ..., 1197, 1198, 1199]]",
           "tensor: rank 2 summary");
  check_eq(tensor(mlp_rt_fmt_tensor_i64, make_descriptor(a2000.data(), {8, 2, 70}), "", "summary 3"),
           "[[[   0,    1,    2, ...,   67,   68,   69],\n"
           "  [  70,   71,   72, ...,  137,  138,  139]],\n"
           "\n"
           " [[ 140,  141,  142, ...,  207,  208,  209],\n"
           "  [ 210,  211,  212, ...,  277,  278,  279]],\n"
           "\n"
           " [[ 280,  281,  282, ...,  347,  348,  349],\n"
           "  [ 350,  351,  352, ...,  417,  418,  419]],\n"
           "\n"
           " ...,\n"
           "\n"
           " [[ 700,  701,  702, ...,  767,  768,  769],\n"
           "  [ 770,  771,  772, ...,  837,  838,  839]],\n"
           "\n"
           " [[ 840,  841,  842, ...,  907,  908,  909],\n"
           "  [ 910,  911,  912, ...,  977,  978,  979]],\n"
           "\n"
           " [[ 980,  981,  982, ..., 1047, 1048, 1049],\n"
           "  [1050, 1051, 1052, ..., 1117, 1118, 1119]]]",
           "tensor: rank 3 summary");
  {
    // A transposed summarized view reads through the strides too.
    std::string t = tensor(mlp_rt_fmt_tensor_i64, make_descriptor(a2000.data(), {30, 40}, {1, 30}), "", "summary T");
    check_eq(t.substr(0, t.find('\n')), "[[   0,   30,   60, ..., 1110, 1140, 1170],",
             "tensor: summary of a transposed view");
  }
  {
    std::vector<float> big(1500, 0.5f);
    big[1499] = 2.0f;
    check_eq(tensor(mlp_rt_fmt_tensor_f32, make_descriptor(big.data(), {1500}), ".1f", "summary spec"),
             "[0.5, 0.5, 0.5, ..., 0.5, 0.5, 2.0]", "tensor: summary with spec");
  }

  check_exit(run_child([&] {
               Descriptor d = make_descriptor(v3, {3});
               mlp_rt_fmt_tensor_f32(d.rank, d.get(), "d");
             }),
             1, "error: bad format spec 'd' for f32\n", "tensor: bad spec");
  check_exit(run_child([&] {
               Descriptor d = make_descriptor(i32s, {0});
               mlp_rt_fmt_tensor_i32(d.rank, d.get(), ".3f,");
             }),
             1, "error: bad format spec '.3f,' for i32\n", "tensor: bad spec on an empty tensor");
}

} // namespace

/* ------------------------------------------------------------------ kernels */

// The libomp entry points runtime/openmp.cpp implements (as libomp declares them).
extern "C" {
struct ident_t;
void __kmpc_fork_call(ident_t *, int32_t, void (*)(int32_t *, int32_t *, ...), ...);
void __kmpc_for_static_init_8u(ident_t *, int32_t, int32_t, int32_t *, uint64_t *, uint64_t *, int64_t *,
                               int64_t, int64_t);
void __kmpc_for_static_fini(ident_t *, int32_t);
void __kmpc_barrier(ident_t *, int32_t);
}

/// Sets the kernels' thread count the way a program's flags do.
void use_threads(const char *count) {
  const char *argv[] = {"kernels", "--threads", count};
  mlp_rt_init(3, const_cast<char **>(argv));
  mlp_rt_params_parse();
}

std::vector<double> pseudo_random(size_t n, uint32_t seed) {
  std::vector<double> v(n);
  for (double &x : v) {
    seed = seed * 1103515245u + 12345u;
    x = static_cast<double>((seed >> 8) % 2001) / 1000.0 - 1.0;
  }
  return v;
}

void check_close(const std::vector<double> &got, const std::vector<double> &want, const std::string &what) {
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(got[i] - want[i]));
  check(got.size() == want.size() && worst < 1e-10, what + " (max |diff| " + std::to_string(worst) + ")");
}

struct ConvCase {
  int64_t n, c, h, w, f, kh, kw, stride, padding, dilation;
};

/// conv2d and its two gradients, f64 and f32, against plain loops.
void check_conv(const ConvCase &c, std::string tag) {
  const auto [N, C_, H, W, F, KH, KW, S, P, D] = c;
  const int64_t OH = (H + 2 * P - D * (KH - 1) - 1) / S + 1, OW = (W + 2 * P - D * (KW - 1) - 1) / S + 1;
  tag = " " + std::to_string(C_) + "->" + std::to_string(F) + " stride " + std::to_string(S) + tag;
  std::vector<double> x = pseudo_random(N * C_ * H * W, 3), w = pseudo_random(F * C_ * KH * KW, 4),
                      g = pseudo_random(N * F * OH * OW, 5);
  std::vector<double> y_want(N * F * OH * OW, 0.0), dw_want(F * C_ * KH * KW, 0.0), dx_want(N * C_ * H * W, 0.0);
  for (int64_t b_ = 0; b_ < N; ++b_)
    for (int64_t f = 0; f < F; ++f)
      for (int64_t c_ = 0; c_ < C_; ++c_)
        for (int64_t kh = 0; kh < KH; ++kh)
          for (int64_t kw = 0; kw < KW; ++kw)
            for (int64_t oh = 0; oh < OH; ++oh)
              for (int64_t ow = 0; ow < OW; ++ow) {
                int64_t yy = oh * S - P + kh * D, xx = ow * S - P + kw * D;
                if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
                int64_t xi = ((b_ * C_ + c_) * H + yy) * W + xx, wi = ((f * C_ + c_) * KH + kh) * KW + kw,
                        oi = ((b_ * F + f) * OH + oh) * OW + ow;
                y_want[oi] += x[xi] * w[wi];
                dw_want[wi] += x[xi] * g[oi];
                dx_want[xi] += g[oi] * w[wi];
              }
  std::vector<double> y(y_want.size()), dw(dw_want.size()), dx(dx_want.size(), 7.0);
  Descriptor X = make_descriptor(x.data(), {N, C_, H, W}), Wd = make_descriptor(w.data(), {F, C_, KH, KW}),
             G = make_descriptor(g.data(), {N, F, OH, OW}), Y = make_descriptor(y.data(), {N, F, OH, OW}),
             DW = make_descriptor(dw.data(), {F, C_, KH, KW}), DX = make_descriptor(dx.data(), {N, C_, H, W});
  mlp_rt_conv2d_f64(S, P, D, X.rank, X.get(), Wd.rank, Wd.get(), Y.rank, Y.get());
  check_close(y, y_want, "kernels: conv2d" + tag);
  {
    // The bias and relu applied by the kernel, read through a stride of 2.
    std::vector<double> bias = pseudo_random(2 * F, 10), yb(y.size()), yb_want(y.size());
    for (size_t i = 0; i < y.size(); ++i) yb_want[i] = std::max(0.0, y[i] + bias[2 * ((i / (OH * OW)) % F)]);
    Descriptor B = make_descriptor(bias.data(), {F}, {2}), YB = make_descriptor(yb.data(), {N, F, OH, OW});
    mlp_rt_conv2d_bias_f64(S, P, D, 1, X.rank, X.get(), Wd.rank, Wd.get(), B.rank, B.get(), YB.rank, YB.get());
    check(yb == yb_want, "kernels: conv2d with a strided bias and relu" + tag);
  }
  mlp_rt_conv2d_grad_filter_f64(S, P, D, X.rank, X.get(), G.rank, G.get(), DW.rank, DW.get());
  check_close(dw, dw_want, "kernels: conv2d filter gradient" + tag);
  mlp_rt_conv2d_grad_input_f64(S, P, D, G.rank, G.get(), Wd.rank, Wd.get(), DX.rank, DX.get());
  check_close(dx, dx_want, "kernels: conv2d input gradient (stale contents overwritten)" + tag);

  // The same in f32, whose per-sample products run on libxsmm.
  std::vector<float> xf(x.begin(), x.end()), wf(w.begin(), w.end()), gf(g.begin(), g.end()),
      yf(y.size()), dwf(dw.size()), dxf(dx.size(), 7.0f);
  Descriptor Xf = make_descriptor(xf.data(), {N, C_, H, W}), Wf = make_descriptor(wf.data(), {F, C_, KH, KW}),
             Gf = make_descriptor(gf.data(), {N, F, OH, OW}), Yf = make_descriptor(yf.data(), {N, F, OH, OW}),
             DWf = make_descriptor(dwf.data(), {F, C_, KH, KW}), DXf = make_descriptor(dxf.data(), {N, C_, H, W});
  auto closeF = [](const std::vector<float> &got, const std::vector<double> &want) {
    double worst = 0;
    // Sums of up to a few hundred products of values in [-1, 1], in float.
    for (size_t i = 0; i < got.size(); ++i)
      worst = std::max(worst, std::fabs(got[i] - want[i]) / (1 + std::fabs(want[i])));
    return worst < 1e-4;
  };
  mlp_rt_conv2d_f32(S, P, D, Xf.rank, Xf.get(), Wf.rank, Wf.get(), Yf.rank, Yf.get());
  check(closeF(yf, y_want), "kernels: conv2d f32" + tag);
  // With the bias (and relu) applied by the kernel: exactly conv2d's output
  // plus the bias, then relu; a NaN bias gives NaN under relu too.
  for (bool relu : {false, true}) {
    std::vector<float> bias = {0.25f, -0.5f, std::numeric_limits<float>::quiet_NaN()};
    bias.resize(F, 0.125f);
    std::vector<float> ybf(yf.size());
    Descriptor B = make_descriptor(bias.data(), {F}), YB = make_descriptor(ybf.data(), {N, F, OH, OW});
    mlp_rt_conv2d_bias_f32(S, P, D, relu, Xf.rank, Xf.get(), Wf.rank, Wf.get(), B.rank, B.get(), YB.rank,
                           YB.get());
    bool same = true;
    for (size_t i = 0; i < yf.size(); ++i) {
      float want = yf[i] + bias[(i / (OH * OW)) % F];
      if (relu && !(want > 0) && want == want) want = 0;
      same = same && (ybf[i] == want || (std::isnan(ybf[i]) && std::isnan(want)));
    }
    check(same, std::string("kernels: conv2d with bias") + (relu ? " and relu" : "") + " f32" + tag);
  }
  mlp_rt_conv2d_grad_filter_f32(S, P, D, Xf.rank, Xf.get(), Gf.rank, Gf.get(), DWf.rank, DWf.get());
  check(closeF(dwf, dw_want), "kernels: conv2d filter gradient f32" + tag);
  mlp_rt_conv2d_grad_input_f32(S, P, D, Gf.rank, Gf.get(), Wf.rank, Wf.get(), DXf.rank, DXf.get());
  check(closeF(dxf, dx_want), "kernels: conv2d input gradient f32" + tag);
}

/// f32 conv2d with bias and relu, bit for bit: each output the sum of its
/// taps in order (c, kh, kw), one fused multiply-add at a time from zero,
/// plus the bias, then relu, as the im2col product under libxsmm and the
/// direct kernel for few channels both compute it.
void check_direct_conv_order(const ConvCase &c, std::string tag) {
  const auto [N, C_, H, W, F, KH, KW, S, P, D] = c;
  const int64_t OH = (H + 2 * P - D * (KH - 1) - 1) / S + 1, OW = (W + 2 * P - D * (KW - 1) - 1) / S + 1;
  std::vector<double> xr = pseudo_random(N * C_ * H * W, 3), wr = pseudo_random(F * C_ * KH * KW, 4),
                      br = pseudo_random(F, 5);
  std::vector<float> x(xr.begin(), xr.end()), w(wr.begin(), wr.end()), bias(br.begin(), br.end());
  std::vector<float> y(N * F * OH * OW), want(y.size());
  for (int64_t b = 0; b < N; ++b)
    for (int64_t f = 0; f < F; ++f)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          float sum = 0;
          for (int64_t ch = 0; ch < C_; ++ch)
            for (int64_t kh = 0; kh < KH; ++kh)
              for (int64_t kw = 0; kw < KW; ++kw) {
                int64_t yy = oh - P + kh * D, xx = ow - P + kw * D;
                float v = yy < 0 || yy >= H || xx < 0 || xx >= W ? 0.0f : x[((b * C_ + ch) * H + yy) * W + xx];
                sum = std::fma(v, w[((f * C_ + ch) * KH + kh) * KW + kw], sum);
              }
          want[((b * F + f) * OH + oh) * OW + ow] = std::max(0.0f, sum + bias[f]);
        }
  Descriptor X = make_descriptor(x.data(), {N, C_, H, W}), Wd = make_descriptor(w.data(), {F, C_, KH, KW}),
             B = make_descriptor(bias.data(), {F}), Y = make_descriptor(y.data(), {N, F, OH, OW});
  mlp_rt_conv2d_bias_f32(S, P, D, 1, X.rank, X.get(), Wd.rank, Wd.get(), B.rank, B.get(), Y.rank, Y.get());
  check(y == want, "kernels: conv2d with bias and relu f32 " + std::to_string(C_) + "->" + std::to_string(F) +
                       ", in the order of its taps" + tag);
}

/// Max pooling and its gradient, f32 and f64, against plain loops: 2 x 2
/// windows on planes with a row and a column left over, and 3 x 3, with ties
/// (every tied element gets the gradient) and a NaN.
template <class T>
void check_max_pool(int64_t k, int64_t h, int64_t w, const std::string &tag, bool positive = false) {
  const int64_t n = 3, c = 5, oh = h / k, ow = w / k;
  std::vector<double> r = pseudo_random(n * c * h * w, 8), gr = pseudo_random(n * c * oh * ow, 9);
  std::vector<T> x(r.begin(), r.end()), g(gr.begin(), gr.end());
  for (size_t i = 0; i < x.size(); i += 7) x[i] = T(0.5); // ties within windows
  x[w + 1] = std::numeric_limits<T>::quiet_NaN();          // plane 0, window (0, 0)
  std::vector<T> y_want(n * c * oh * ow, -std::numeric_limits<T>::infinity()), dx_want(x.size(), T(0));
  for (int64_t p = 0; p < n * c; ++p)
    for (int64_t i = 0; i < oh * k; ++i)
      for (int64_t j = 0; j < ow * k; ++j) {
        T v = x[(p * h + i) * w + j], &m = y_want[(p * oh + i / k) * ow + j / k];
        if (std::isnan(v) || v > m) m = v;
      }
  for (int64_t p = 0; p < n * c; ++p)
    for (int64_t i = 0; i < oh * k; ++i)
      for (int64_t j = 0; j < ow * k; ++j) {
        int64_t o = (p * oh + i / k) * ow + j / k;
        T v = x[(p * h + i) * w + j];
        if (v == y_want[o] && (!positive || v > T(0))) dx_want[(p * h + i) * w + j] = g[o];
      }
  std::vector<T> y(y_want.size()), dx(x.size(), T(7));
  Descriptor X = make_descriptor(x.data(), {n, c, h, w}), Y = make_descriptor(y.data(), {n, c, oh, ow}),
             G = make_descriptor(g.data(), {n, c, oh, ow}), DX = make_descriptor(dx.data(), {n, c, h, w});
  auto same = [](const std::vector<T> &a, const std::vector<T> &b) {
    for (size_t i = 0; i < a.size(); ++i)
      if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
    return a.size() == b.size();
  };
  if constexpr (std::is_same_v<T, float>) {
    mlp_rt_maxpool2d_f32(k, X.rank, X.get(), Y.rank, Y.get());
    mlp_rt_maxpool2d_grad_f32(k, positive, X.rank, X.get(), Y.rank, Y.get(), G.rank, G.get(), DX.rank,
                              DX.get());
  } else {
    mlp_rt_maxpool2d_f64(k, X.rank, X.get(), Y.rank, Y.get());
    mlp_rt_maxpool2d_grad_f64(k, positive, X.rank, X.get(), Y.rank, Y.get(), G.rank, G.get(), DX.rank,
                              DX.get());
  }
  check(std::isnan(y[0]) && same(y, y_want), "kernels: max pooling" + tag);
  check(same(dx, dx_want), "kernels: max pooling gradient (left-over rows and columns 0)" + tag);
  // With its channel sums (a convolution's bias gradient): the same dx, and
  // each channel's sum over samples and pixels.
  std::vector<T> dx2(x.size(), T(7)), sums(c, T(9));
  Descriptor DX2 = make_descriptor(dx2.data(), {n, c, h, w}), S = make_descriptor(sums.data(), {c});
  if constexpr (std::is_same_v<T, float>)
    mlp_rt_maxpool2d_grad_sums_f32(k, positive, X.rank, X.get(), Y.rank, Y.get(), G.rank, G.get(), DX2.rank,
                                   DX2.get(), S.rank, S.get());
  else
    mlp_rt_maxpool2d_grad_sums_f64(k, positive, X.rank, X.get(), Y.rank, Y.get(), G.rank, G.get(), DX2.rank,
                                   DX2.get(), S.rank, S.get());
  double worst = 0;
  for (int64_t ch = 0; ch < c; ++ch) {
    double want = 0;
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < h * w; ++i) want += dx_want[(b * c + ch) * h * w + i];
    worst = std::max(worst, std::fabs(sums[ch] - want) / (1 + std::fabs(want)));
  }
  check(same(dx2, dx_want), "kernels: max pooling gradient with sums, its gradient" + tag);
  check(worst < (std::is_same_v<T, float> ? 1e-5 : 1e-12),
        "kernels: max pooling gradient with sums, its sums (max rel diff " + std::to_string(worst) + ")" + tag);
}

/// conv2d_bias with max pooling in its kernel (the pooled output and the
/// gradient's mask), and the gradient from that mask with its sums: the
/// bits of conv2d_bias, max pooling and the pooling gradient with sums
/// made one after another. Relu without `positive` leaves windows of tied
/// zeros, each of which gets the gradient.
template <class T>
void check_conv_pool(const ConvCase &c, int64_t k, bool relu, bool positive, std::string tag) {
  const auto [N, C_, H, W, F, KH, KW, S, P, D] = c;
  const int64_t OH = (H + 2 * P - D * (KH - 1) - 1) / S + 1, OW = (W + 2 * P - D * (KW - 1) - 1) / S + 1;
  const int64_t PH = OH / k, PW = OW / k;
  tag = " " + std::to_string(C_) + "->" + std::to_string(F) + ", window " + std::to_string(k) +
        (relu ? ", relu" : "") + (positive ? ", positive" : "") + (std::is_same_v<T, float> ? " f32" : " f64") + tag;
  std::vector<double> xr = pseudo_random(N * C_ * H * W, 3), wr = pseudo_random(F * C_ * KH * KW, 4),
                      br = pseudo_random(F, 5), gr = pseudo_random(N * F * PH * PW, 6);
  std::vector<T> x(xr.begin(), xr.end()), w(wr.begin(), wr.end()), bias(br.begin(), br.end()), g(gr.begin(), gr.end());
  std::vector<T> y(N * F * OH * OW), pooled(N * F * PH * PW), dx(y.size()), sums(F);
  std::vector<T> pooled2(pooled.size(), T(7)), dx2(y.size(), T(7)), sums2(F, T(7));
  std::vector<int8_t> mask(y.size(), 7);
  Descriptor X = make_descriptor(x.data(), {N, C_, H, W}), Wd = make_descriptor(w.data(), {F, C_, KH, KW}),
             B = make_descriptor(bias.data(), {F}), Y = make_descriptor(y.data(), {N, F, OH, OW}),
             Pd = make_descriptor(pooled.data(), {N, F, PH, PW}), G = make_descriptor(g.data(), {N, F, PH, PW}),
             DX = make_descriptor(dx.data(), {N, F, OH, OW}), Sd = make_descriptor(sums.data(), {F}),
             P2 = make_descriptor(pooled2.data(), {N, F, PH, PW}), M = make_descriptor(mask.data(), {N, F, OH, OW}),
             DX2 = make_descriptor(dx2.data(), {N, F, OH, OW}), S2 = make_descriptor(sums2.data(), {F});
  if constexpr (std::is_same_v<T, float>) {
    mlp_rt_conv2d_bias_f32(S, P, D, relu, X.rank, X.get(), Wd.rank, Wd.get(), B.rank, B.get(), Y.rank, Y.get());
    mlp_rt_maxpool2d_f32(k, Y.rank, Y.get(), Pd.rank, Pd.get());
    mlp_rt_maxpool2d_grad_sums_f32(k, positive, Y.rank, Y.get(), Pd.rank, Pd.get(), G.rank, G.get(), DX.rank,
                                   DX.get(), Sd.rank, Sd.get());
    mlp_rt_conv2d_bias_pool_f32(S, P, D, relu, k, positive, X.rank, X.get(), Wd.rank, Wd.get(), B.rank, B.get(),
                                P2.rank, P2.get(), M.rank, M.get());
    mlp_rt_maxpool2d_mask_grad_sums_f32(k, M.rank, M.get(), G.rank, G.get(), DX2.rank, DX2.get(), S2.rank, S2.get());
  } else {
    mlp_rt_conv2d_bias_f64(S, P, D, relu, X.rank, X.get(), Wd.rank, Wd.get(), B.rank, B.get(), Y.rank, Y.get());
    mlp_rt_maxpool2d_f64(k, Y.rank, Y.get(), Pd.rank, Pd.get());
    mlp_rt_maxpool2d_grad_sums_f64(k, positive, Y.rank, Y.get(), Pd.rank, Pd.get(), G.rank, G.get(), DX.rank,
                                   DX.get(), Sd.rank, Sd.get());
    mlp_rt_conv2d_bias_pool_f64(S, P, D, relu, k, positive, X.rank, X.get(), Wd.rank, Wd.get(), B.rank, B.get(),
                                P2.rank, P2.get(), M.rank, M.get());
    mlp_rt_maxpool2d_mask_grad_sums_f64(k, M.rank, M.get(), G.rank, G.get(), DX2.rank, DX2.get(), S2.rank, S2.get());
  }
  // The mask: 1 where an element of the convolution's output equals its
  // window's max (and, with positive, is > 0), 0 elsewhere and on the rows
  // and columns left over.
  bool maskRight = true;
  int64_t tied = 0;
  for (int64_t plane = 0; plane < N * F; ++plane)
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        int64_t at = (plane * OH + i) * OW + j;
        bool inside = i < PH * k && j < PW * k;
        T max = inside ? pooled[(plane * PH + i / k) * PW + j / k] : T(0), v = y[at];
        maskRight = maskRight && mask[at] == (inside && v == max && (!positive || v > T(0)));
      }
  for (size_t i = 0; i < pooled.size(); ++i) {
    int64_t plane = int64_t(i) / (PH * PW), py = int64_t(i) / PW % PH, px = int64_t(i) % PW, set = 0;
    for (int64_t dy = 0; dy < k; ++dy)
      for (int64_t dx_ = 0; dx_ < k; ++dx_) set += mask[(plane * OH + py * k + dy) * OW + px * k + dx_];
    tied += set > 1;
  }
  // The filter gradient with that pooling gradient made sample by sample.
  std::vector<T> dw(F * C_ * KH * KW), dw2(dw.size(), T(7)), sums3(F, T(7));
  Descriptor DW = make_descriptor(dw.data(), {F, C_, KH, KW}), DW2 = make_descriptor(dw2.data(), {F, C_, KH, KW}),
             S3 = make_descriptor(sums3.data(), {F});
  if constexpr (std::is_same_v<T, float>) {
    mlp_rt_conv2d_grad_filter_f32(S, P, D, X.rank, X.get(), DX.rank, DX.get(), DW.rank, DW.get());
    mlp_rt_conv2d_grad_filter_pooled_f32(S, P, D, k, X.rank, X.get(), M.rank, M.get(), G.rank, G.get(), DW2.rank,
                                         DW2.get(), S3.rank, S3.get());
  } else {
    mlp_rt_conv2d_grad_filter_f64(S, P, D, X.rank, X.get(), DX.rank, DX.get(), DW.rank, DW.get());
    mlp_rt_conv2d_grad_filter_pooled_f64(S, P, D, k, X.rank, X.get(), M.rank, M.get(), G.rank, G.get(), DW2.rank,
                                         DW2.get(), S3.rank, S3.get());
  }
  check(dw2 == dw && sums3 == sums, "kernels: conv2d filter gradient through the pooling mask, and its sums" + tag);
  check(pooled2 == pooled, "kernels: conv2d with pooling, its pooled output" + tag);
  check(maskRight, "kernels: conv2d with pooling, its mask" + tag);
  check(dx2 == dx && sums2 == sums, "kernels: max pooling gradient from the mask, and its sums" + tag);
  if (relu && !positive) check(tied > 0, "kernels: conv2d with pooling, tied zeros all get the gradient" + tag);
}

/// mlp_rt_channel_sums: each channel's sum over samples and pixels, against
/// a double reference, on an h x w plane (above and below the kernel's 64
/// lanes), read through a view with a spare column per row (packed first).
template <class T>
void check_channel_sums(int64_t n, int64_t h, int64_t w, const std::string &tag) {
  const int64_t c = 5;
  std::vector<double> r = pseudo_random(n * c * h * (w + 1), 10);
  std::vector<T> x(r.begin(), r.end()), s(c, T(7)), again(c);
  Descriptor X = make_descriptor(x.data(), {n, c, h, w}, {c * h * (w + 1), h * (w + 1), w + 1, 1}),
             S = make_descriptor(s.data(), {c}), Again = make_descriptor(again.data(), {c});
  auto call = [&](Descriptor &out) {
    if constexpr (std::is_same_v<T, float>) mlp_rt_channel_sums_f32(X.rank, X.get(), out.rank, out.get());
    else mlp_rt_channel_sums_f64(X.rank, X.get(), out.rank, out.get());
  };
  call(S);
  call(Again);
  double worst = 0;
  for (int64_t ch = 0; ch < c; ++ch) {
    double want = 0;
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < h; ++i)
        for (int64_t j = 0; j < w; ++j) want += x[((b * c + ch) * h + i) * (w + 1) + j];
    worst = std::max(worst, std::fabs(s[ch] - want) / (1 + std::fabs(want)));
  }
  check(worst < (std::is_same_v<T, float> ? 1e-5 : 1e-12),
        "kernels: channel sums" + tag + " (max rel diff " + std::to_string(worst) + ")");
  check(s == again, "kernels: channel sums" + tag + " give the same bits every call");
}

void test_kernels() {
  // The thread split must not change the results beyond rounding: compare
  // each kernel with plain loops at 1 and 3 threads, on shapes large enough
  // to split, with strided views, stride, padding and dilation.
  for (const char *threads : {"1", "3"}) {
    std::string tag = std::string(" (") + threads + " threads)";
    use_threads(threads);

    const int64_t m = 70, k = 60, n = 90;
    std::vector<double> at = pseudo_random(k * m, 1), b = pseudo_random(k * n, 2), want(m * n, 0.0);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t p = 0; p < k; ++p)
        for (int64_t j = 0; j < n; ++j) want[i * n + j] += at[p * m + i] * b[p * n + j];
    std::vector<double> c(m * n);
    Descriptor C = make_descriptor(c.data(), {m, n}), B = make_descriptor(b.data(), {k, n});
    // A as a transposed view of the buffer at (column stride m) ...
    Descriptor A = make_descriptor(at.data(), {m, k}, {1, m});
    mlp_rt_matmul_f64(0, A.rank, A.get(), B.rank, B.get(), C.rank, C.get());
    check_close(c, want, "kernels: matmul of a transposed view" + tag);
    // ... and as the buffer itself with the transpose flag.
    Descriptor AT = make_descriptor(at.data(), {k, m});
    std::fill(c.begin(), c.end(), 0.0);
    mlp_rt_matmul_f64(1, AT.rank, AT.get(), B.rank, B.get(), C.rank, C.get());
    check_close(c, want, "kernels: matmul with A transposed by flag" + tag);
    // matmul_bias on Eigen's path (f64), with a strided bias (every other
    // element of a buffer) and relu.
    std::vector<double> bias2 = pseudo_random(2 * n, 3), biased(want);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) biased[i * n + j] = std::max(0.0, want[i * n + j] + bias2[2 * j]);
    Descriptor Bias = make_descriptor(bias2.data(), {n}, {2});
    std::fill(c.begin(), c.end(), 0.0);
    mlp_rt_matmul_bias_f64(0, 1, A.rank, A.get(), B.rank, B.get(), Bias.rank, Bias.get(), C.rank, C.get());
    check_close(c, biased, "kernels: f64 matmul_bias with a strided bias and relu" + tag);
    // ... and split by rows: C^T (90 x 70) = B^T A^T, bias only.
    std::vector<double> ct(n * m), biasT = pseudo_random(m, 4), wantT(n * m);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < m; ++i) wantT[j * m + i] = want[i * n + j] + biasT[i];
    Descriptor BT = make_descriptor(b.data(), {n, k}, {1, n}), CT = make_descriptor(ct.data(), {n, m}),
               BiasT = make_descriptor(biasT.data(), {m});
    mlp_rt_matmul_bias_f64(0, 0, BT.rank, BT.get(), AT.rank, AT.get(), BiasT.rank, BiasT.get(), CT.rank, CT.get());
    check_close(ct, wantT, "kernels: f64 matmul_bias split by rows" + tag);

    // conv2d, batch 5, 2 -> 4 channels, 9x8 image, 3x2 kernel, stride 2,
    // padding 1, dilation 2 (im2col); then stride 1 over 16 and 32 channels,
    // which f32 computes directly (conv_shifted.cpp): with padding and
    // dilation, and fashion_cnn's second convolution.
    check_conv({5, 2, 9, 8, 4, 3, 2, 2, 1, 2}, tag);
    check_conv({5, 16, 9, 8, 4, 3, 2, 1, 1, 2}, tag);
    check_conv({3, 32, 13, 13, 64, 3, 3, 1, 0, 1}, tag);
    // Few input channels, which f32 computes straight from the input rows
    // (conv_direct.cpp): fashion_cnn's first convolution; RGB with padding,
    // dilation, rows of 38 outputs (32 and 6 more) and 13 output channels (8
    // and 5 more); 25 taps of a 5x5 kernel.
    check_conv({5, 1, 28, 28, 32, 3, 3, 1, 0, 1}, tag);
    check_conv({3, 3, 9, 40, 13, 3, 3, 1, 1, 2}, tag);
    check_conv({2, 1, 7, 7, 5, 5, 5, 1, 2, 1}, tag);
    check_direct_conv_order({5, 1, 28, 28, 32, 3, 3, 1, 0, 1}, tag);
    check_direct_conv_order({3, 3, 9, 40, 13, 3, 3, 1, 1, 2}, tag);
    // Convolutions with max pooling in their kernels, on each of conv2d's
    // paths: direct (fashion_cnn's first block), shifted (a second block
    // with a row and a column left over), im2col (stride 2) and f64; relu's
    // mask folded in or not; a 3x3 window.
    check_conv_pool<float>({5, 1, 28, 28, 32, 3, 3, 1, 0, 1}, 2, true, true, tag);
    check_conv_pool<float>({5, 1, 28, 28, 32, 3, 3, 1, 0, 1}, 2, true, false, tag);
    check_conv_pool<float>({3, 16, 13, 13, 24, 3, 3, 1, 0, 1}, 2, true, true, tag);
    check_conv_pool<float>({3, 2, 13, 12, 5, 3, 3, 2, 1, 1}, 2, false, false, tag);
    check_conv_pool<float>({3, 3, 11, 11, 6, 3, 3, 1, 1, 1}, 3, true, true, tag);
    check_conv_pool<double>({3, 2, 9, 9, 4, 3, 3, 1, 0, 1}, 2, true, true, tag);
    check_conv_pool<double>({3, 2, 9, 9, 4, 3, 3, 1, 0, 1}, 3, true, false, tag);
    check_max_pool<float>(2, 7, 9, " 2x2 f32" + tag);
    check_max_pool<double>(2, 7, 9, " 2x2 f64" + tag);
    check_max_pool<float>(3, 6, 6, " 3x3 f32" + tag);
    // fashion_cnn's first pooling (a 26-wide row pools to 13), and rows of
    // 20 outputs (a full 16 and 4 more) with a column left over.
    check_max_pool<float>(2, 26, 26, " 2x2 f32 26x26" + tag);
    check_max_pool<float>(2, 9, 41, " 2x2 f32 9x41" + tag);
    // With relu's mask (0 where x is not > 0), on every path.
    check_max_pool<float>(2, 26, 26, " 2x2 f32 26x26 positive" + tag, true);
    check_max_pool<float>(2, 7, 9, " 2x2 f32 7x9 positive" + tag, true);
    check_max_pool<double>(2, 7, 9, " 2x2 f64 positive" + tag, true);
    check_max_pool<float>(3, 6, 6, " 3x3 f32 positive" + tag, true);
    // fashion_cnn's first bias gradient (26 x 26 planes), planes shorter
    // than the 64 lanes, and (on 3 threads) fewer samples than threads.
    check_channel_sums<float>(7, 26, 26, " f32 7x5x26x26" + tag);
    check_channel_sums<float>(4, 3, 5, " f32 4x5x3x5" + tag);
    check_channel_sums<double>(2, 11, 11, " f64 2x5x11x11" + tag);
  }

  // f32 products of a training batch's sizes run on libxsmm's kernels:
  // every transposition (B transposed is copied first, split by columns or,
  // for a tall C, by rows), sizes off the 8 x 8 transposition blocks, and
  // views with a leading dimension larger than the row. Products with a B
  // past 1 MiB run in cache blocks (gemm_blocked.cpp): 300 x 600 x 520 has
  // a last block of 44 rows, 88 deep and 8 wide, split by rows; 70 rows are
  // two blocks, split by columns on 3 threads; 1030 x 70 x 4100 spans three
  // panels of B (2048 columns) and two groups of A's blocks (1024 rows).
  // One row times a transposed B is a dot product per row of B (dotRows):
  // split over the threads, with rows and depth off its 8-row and 16-wide
  // blocks (1 x 1000 x 75: bands of 25 rows, 8 left of the depth), and a
  // strided transposed row, which Eigen serves.
  struct Shape {
    int64_t m, k, n;
    bool ta, tb;
  };
  std::vector<Shape> shapes = {Shape{70, 61, 90, false, false}, Shape{70, 61, 90, true, false},
                               Shape{70, 61, 90, false, true},  Shape{300, 61, 37, false, true},
                               Shape{70, 61, 90, true, true},   Shape{1, 61, 90, false, true},
                               Shape{128, 784, 256, false, true}, Shape{1, 784, 256, false, true},
                               Shape{1, 1000, 75, false, true},   Shape{1, 100, 203, true, true}};
  for (bool ta : {false, true})
    for (bool tb : {false, true}) shapes.push_back(Shape{300, 600, 520, ta, tb});
  shapes.push_back(Shape{70, 600, 520, false, false});
  shapes.push_back(Shape{1030, 70, 4100, false, true});
  shapes.push_back(Shape{1030, 70, 4100, true, false});
  std::vector<std::vector<float>> oneThread; // each shape's C on 1 thread
  for (const char *threads : {"1", "3"}) {
    use_threads(threads);
    for (size_t shape = 0; shape < shapes.size(); ++shape) {
      Shape s = shapes[shape];
      std::string tag = " " + std::to_string(s.m) + "x" + std::to_string(s.k) + "x" +
                        std::to_string(s.n) + (s.ta ? " A^T" : "") + (s.tb ? " B^T" : "") +
                        " (" + threads + " threads)";
      // A and B stored with 3 spare columns per row.
      int64_t aRows = s.ta ? s.k : s.m, aCols = s.ta ? s.m : s.k;
      int64_t bRows = s.tb ? s.n : s.k, bCols = s.tb ? s.k : s.n;
      std::vector<double> ad = pseudo_random(aRows * (aCols + 3), 6), bd = pseudo_random(bRows * (bCols + 3), 7);
      std::vector<float> a(ad.begin(), ad.end()), b(bd.begin(), bd.end()), c(s.m * s.n, 9.0f);
      auto at = [&](int64_t i, int64_t p) { return s.ta ? a[p * (aCols + 3) + i] : a[i * (aCols + 3) + p]; };
      auto bt = [&](int64_t p, int64_t j) { return s.tb ? b[j * (bCols + 3) + p] : b[p * (bCols + 3) + j]; };
      Descriptor A = make_descriptor(a.data(), {aRows, aCols}, {aCols + 3, 1}),
                 B = make_descriptor(b.data(), {bRows, bCols}, {bCols + 3, 1}), C = make_descriptor(c.data(), {s.m, s.n});
      mlp_rt_matmul_f32((s.ta ? 1 : 0) | (s.tb ? 2 : 0), A.rank, A.get(), B.rank, B.get(), C.rank, C.get());
      double worst = 0;
      for (int64_t i = 0; i < s.m; ++i)
        for (int64_t j = 0; j < s.n; ++j) {
          double want = 0;
          for (int64_t p = 0; p < s.k; ++p) want += double(at(i, p)) * bt(p, j);
          worst = std::max(worst, std::fabs(c[i * s.n + j] - want) / (1 + std::fabs(want)));
        }
      // Rounding in f32 grows with k (784: about 1e-5 relative).
      check(worst < 1e-4, "kernels: f32 matmul" + tag + " (max rel diff " + std::to_string(worst) + ")");
      // Each element is summed in one thread in a fixed order.
      if (threads == std::string("1")) oneThread.push_back(c);
      else check(c == oneThread[shape], "kernels: f32 matmul" + tag + " is bit for bit the 1-thread result");
      // matmul_bias gives what the separate add and relu (maximumf) give,
      // bit for bit, on every path: with relu on even shapes, bias only on odd.
      bool relu = shape % 2 == 0;
      std::vector<double> biasd = pseudo_random(s.n, 8);
      std::vector<float> bias(biasd.begin(), biasd.end()), fused(s.m * s.n, 9.0f), want(c);
      for (int64_t i = 0; i < s.m; ++i)
        for (int64_t j = 0; j < s.n; ++j) {
          float v = c[i * s.n + j] + bias[j];
          want[i * s.n + j] = relu ? (v > 0 || v != v ? v : 0.0f) : v;
        }
      Descriptor Bias = make_descriptor(bias.data(), {s.n}), F = make_descriptor(fused.data(), {s.m, s.n});
      mlp_rt_matmul_bias_f32((s.ta ? 1 : 0) | (s.tb ? 2 : 0), relu ? 1 : 0, A.rank, A.get(), B.rank,
                             B.get(), Bias.rank, Bias.get(), F.rank, F.get());
      check(fused == want, "kernels: f32 matmul_bias" + tag + (relu ? " relu" : "") +
                               " is the product, plus bias, then relu");
    }
  }

  // matmul_bias_pair: two dense layers, y = act2(act1(x W1 + b1) W2 + b2).
  // On one row with both weights [out, in] and several threads, each thread
  // takes a band of the first layer and its share of the second's sums
  // (784 -> 256 -> 128 on 3 threads: bands of 85 and 86, off the 8-row and
  // 16-wide blocks; x also as a [k, 1] column read transposed). Anywhere
  // else (one thread, a batch, W2 as [in, out], too small) it is the two
  // matmul_bias calls, bit for bit. Either way it must match a double
  // reference, and give the same bits call after call.
  struct PairCase {
    int64_t m, k, n1, n2;
    bool columnX, w2Transposed;
    int relu1, relu2;
  };
  for (const char *threads : {"1", "3"}) {
    use_threads(threads);
    for (PairCase pc : {PairCase{1, 784, 256, 128, false, true, 1, 1}, PairCase{1, 784, 256, 128, true, true, 1, 0},
                        PairCase{1, 300, 250, 10, false, true, 0, 1}, PairCase{3, 784, 256, 128, false, true, 1, 1},
                        PairCase{1, 784, 256, 128, false, false, 1, 1}, PairCase{1, 40, 48, 5, false, true, 1, 0}}) {
      std::string tag = " " + std::to_string(pc.m) + "x" + std::to_string(pc.k) + " -> " + std::to_string(pc.n1) +
                        " -> " + std::to_string(pc.n2) + (pc.columnX ? " x^T" : "") +
                        (pc.w2Transposed ? "" : " W2 [in, out]") + " (" + threads + " threads)";
      auto floats = [](size_t n, uint32_t seed) {
        std::vector<double> d = pseudo_random(n, seed);
        return std::vector<float>(d.begin(), d.end());
      };
      // Weights stored [out, in] with 3 spare columns per row (W2 [in, out]
      // without them when not transposed).
      std::vector<float> x = floats(pc.m * pc.k, 11), w1 = floats(pc.n1 * (pc.k + 3), 12), b1 = floats(pc.n1, 13),
                         w2 = floats(pc.n2 * (pc.n1 + 3), 14), b2 = floats(pc.n2, 15);
      Descriptor X = pc.columnX ? make_descriptor(x.data(), {pc.k, 1}) : make_descriptor(x.data(), {pc.m, pc.k}),
                 W1 = make_descriptor(w1.data(), {pc.n1, pc.k}, {pc.k + 3, 1}), B1 = make_descriptor(b1.data(), {pc.n1}),
                 W2 = pc.w2Transposed ? make_descriptor(w2.data(), {pc.n2, pc.n1}, {pc.n1 + 3, 1})
                                      : make_descriptor(w2.data(), {pc.n1, pc.n2}),
                 B2 = make_descriptor(b2.data(), {pc.n2});
      auto w2At = [&](int64_t i, int64_t j) { // W2's [in, out] element (i, j)
        return pc.w2Transposed ? w2[j * (pc.n1 + 3) + i] : w2[i * pc.n2 + j];
      };
      const int64_t flags = (pc.columnX ? 1 : 0) | 2 | (pc.w2Transposed ? 4 : 0);
      std::vector<float> y(pc.m * pc.n2, 9.0f), again(y), h(pc.m * pc.n1), twoCalls(y);
      Descriptor Y = make_descriptor(y.data(), {pc.m, pc.n2}), Again = make_descriptor(again.data(), {pc.m, pc.n2});
      mlp_rt_matmul_bias_pair_f32(flags, pc.relu1, pc.relu2, X.rank, X.get(), W1.rank, W1.get(), B1.rank, B1.get(),
                                  W2.rank, W2.get(), B2.rank, B2.get(), Y.rank, Y.get());
      // 100 calls: each thread's dotRows spends its first large calls timing
      // its two ways of prefetching (alternately), which must not change a bit.
      bool same = true;
      for (int call = 0; call < 100; ++call) {
        mlp_rt_matmul_bias_pair_f32(flags, pc.relu1, pc.relu2, X.rank, X.get(), W1.rank, W1.get(), B1.rank,
                                    B1.get(), W2.rank, W2.get(), B2.rank, B2.get(), Again.rank, Again.get());
        same = same && y == again;
      }
      check(same, "kernels: f32 matmul_bias_pair" + tag + " gives the same bits every call");
      // However the first layer's rows are split between the threads (an
      // edge's rows handed over to the band's owner, or, without handoffs,
      // computed by the owner itself), the bits stay the same. Shifts past
      // half a band are clamped to it.
      for (auto forced : {std::pair<std::vector<int64_t>, bool>{{8, -16}, true}, {{-40, 40}, true},
                          {{24, 8}, false}, {{-8, -200}, false}, {{200, 0}, true}}) {
        mlp::rt::force_pair_split(forced.first, forced.second);
        bool sameSplit = true;
        for (int call = 0; call < 10; ++call) {
          std::fill(again.begin(), again.end(), 9.0f);
          mlp_rt_matmul_bias_pair_f32(flags, pc.relu1, pc.relu2, X.rank, X.get(), W1.rank, W1.get(), B1.rank,
                                      B1.get(), W2.rank, W2.get(), B2.rank, B2.get(), Again.rank, Again.get());
          sameSplit = sameSplit && y == again;
        }
        check(sameSplit, "kernels: f32 matmul_bias_pair" + tag + " gives the same bits with edges moved by " +
                             std::to_string(forced.first[0]) + ", " + std::to_string(forced.first[1]) +
                             (forced.second ? "" : " (no handoffs)"));
      }
      mlp::rt::force_pair_split({});
      double worst = 0;
      for (int64_t r = 0; r < pc.m; ++r) {
        std::vector<double> hidden(pc.n1);
        for (int64_t i = 0; i < pc.n1; ++i) {
          double v = b1[i];
          for (int64_t p = 0; p < pc.k; ++p) v += double(x[r * pc.k + p]) * w1[i * (pc.k + 3) + p];
          hidden[i] = pc.relu1 ? std::max(v, 0.0) : v;
        }
        for (int64_t j = 0; j < pc.n2; ++j) {
          double v = b2[j];
          for (int64_t i = 0; i < pc.n1; ++i) v += hidden[i] * w2At(i, j);
          v = pc.relu2 ? std::max(v, 0.0) : v;
          worst = std::max(worst, std::fabs(y[r * pc.n2 + j] - v) / (1 + std::fabs(v)));
        }
      }
      check(worst < 1e-4, "kernels: f32 matmul_bias_pair" + tag + " (max rel diff " + std::to_string(worst) + ")");
      // The two layers as separate calls.
      Descriptor H = make_descriptor(h.data(), {pc.m, pc.n1}), Two = make_descriptor(twoCalls.data(), {pc.m, pc.n2});
      mlp_rt_matmul_bias_f32(flags & 3, pc.relu1, X.rank, X.get(), W1.rank, W1.get(), B1.rank, B1.get(), H.rank, H.get());
      mlp_rt_matmul_bias_f32((flags & 4) >> 1, pc.relu2, H.rank, H.get(), W2.rank, W2.get(), B2.rank, B2.get(), Two.rank,
                             Two.get());
      bool split = threads != std::string("1") && pc.m == 1 && pc.w2Transposed && pc.n1 * pc.k >= 65536;
      if (!split) check(y == twoCalls, "kernels: f32 matmul_bias_pair" + tag + " is the two matmul_bias calls, bit for bit");
    }
    // f64 has no split kernel: the two calls, bit for bit.
    std::vector<double> x = pseudo_random(64, 16), w1 = pseudo_random(32 * 64, 17), b1 = pseudo_random(32, 18),
                        w2 = pseudo_random(8 * 32, 19), b2 = pseudo_random(8, 20), y(8), h(32), two(8);
    Descriptor X = make_descriptor(x.data(), {1, 64}), W1 = make_descriptor(w1.data(), {32, 64}),
               B1 = make_descriptor(b1.data(), {32}), W2 = make_descriptor(w2.data(), {8, 32}),
               B2 = make_descriptor(b2.data(), {8}), Y = make_descriptor(y.data(), {1, 8}),
               H = make_descriptor(h.data(), {1, 32}), Two = make_descriptor(two.data(), {1, 8});
    mlp_rt_matmul_bias_pair_f64(6, 1, 0, X.rank, X.get(), W1.rank, W1.get(), B1.rank, B1.get(), W2.rank, W2.get(),
                                B2.rank, B2.get(), Y.rank, Y.get());
    mlp_rt_matmul_bias_f64(2, 1, X.rank, X.get(), W1.rank, W1.get(), B1.rank, B1.get(), H.rank, H.get());
    mlp_rt_matmul_bias_f64(2, 0, H.rank, H.get(), W2.rank, W2.get(), B2.rank, B2.get(), Two.rank, Two.get());
    check(y == two, std::string("kernels: f64 matmul_bias_pair is the two matmul_bias calls (") + threads + " threads)");
  }

  // The pool runs each part of a job exactly once, whether its workers spin
  // (jobs back to back) or sleep (a pause of more than their 100 us spin),
  // for part counts below, at and above the thread count and beyond one
  // ticket's 65535 parts; a part of a job of several that splits again runs
  // its parts in order on its own thread.
  for (const char *threads : {"2", "3"}) {
    use_threads(threads);
    bool once = true, serialInside = true;
    for (int round = 0; round < 200; ++round) {
      int parts = round == 199 ? 70000 : 1 + round % 9;
      std::vector<std::atomic<int>> hits(static_cast<size_t>(parts));
      mlp::rt::parallel_parts(parts, [&](int p) {
        hits[static_cast<size_t>(p)].fetch_add(1);
        if (p == 0 && round % 50 == 1) { // 2, 7, 3 and 8 parts
          std::vector<int> order;
          mlp::rt::parallel_parts(4, [&](int q) { order.push_back(q); });
          serialInside = serialInside && order == std::vector<int>{0, 1, 2, 3};
        }
      });
      for (auto &h : hits) once = once && h.load() == 1;
      if (round % 20 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    check(once, std::string("pool: every part runs once (") + threads + " threads)");
    check(serialInside, std::string("pool: a part's own parts run in order on its thread (") + threads + " threads)");
  }

  // Generated parallel loops call libomp's entry points, which the runtime
  // implements on its pool: each team member gets a contiguous block, and
  // together they cover every iteration once, for any count and team.
  for (const char *threads : {"1", "2", "3"}) {
    use_threads(threads);
    for (uint64_t count : {uint64_t(0), uint64_t(1), uint64_t(2), uint64_t(5), uint64_t(1000)}) {
      std::vector<int> hits(count, 0);
      struct Job {
        std::vector<int> *hits;
        uint64_t count;
        std::atomic<int> lasts{0};
      } job{&hits, count};
      // As OpenMPIRBuilder outlines a region: the captures in one struct.
      auto microtask = [](int32_t *member, int32_t *, void *captures) {
        Job *j = static_cast<Job *>(captures);
        uint64_t lower = 0, upper = j->count - 1; // libomp's inclusive bounds
        int64_t stride = 0;
        int32_t last = 0;
        __kmpc_for_static_init_8u(nullptr, *member, 34, &last, &lower, &upper, &stride, 1, 0);
        for (uint64_t i = lower; i <= upper && i < j->count; ++i) ++(*j->hits)[i];
        j->lasts += last;
        __kmpc_for_static_fini(nullptr, *member);
        __kmpc_barrier(nullptr, *member);
      };
      __kmpc_fork_call(nullptr, 1, reinterpret_cast<void (*)(int32_t *, int32_t *, ...)>(
                                       static_cast<void (*)(int32_t *, int32_t *, void *)>(microtask)),
                       &job);
      bool once = std::all_of(hits.begin(), hits.end(), [](int h) { return h == 1; });
      check(once && job.lasts == (count > 0 ? 1 : 0),
            "openmp: static schedule covers " + std::to_string(count) + " iterations once (" + threads +
                " threads)");
    }
  }

  // --threads is checked like a param.
  for (const char *bad : {"abc", "-1"}) {
    Run r = run_child({"prog", "--threads", bad}, [] { mlp_rt_params_parse(); });
    check_usage_error(r, std::string("invalid value '") + bad +
                             "' for --threads: expected a count of threads, 0 for every core",
                      std::string("kernels: --threads ") + bad);
  }
}

/* ------------------------------------------------------------------ buffers */

extern "C" {
void *_mlir_memref_to_llvm_alloc(size_t bytes);
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t bytes);
void _mlir_memref_to_llvm_free(void *p);
}

// The buffers generated code allocates (runtime/memory.cpp): on a cache line
// whatever their size, over-aligned when asked, and a freed buffer serves
// the next request of its size (not under AddressSanitizer, which must see
// real frees).
void test_buffers() {
  auto aligned = [](void *p, size_t alignment) { return reinterpret_cast<uintptr_t>(p) % alignment == 0; };
  for (size_t bytes : {size_t(0), size_t(1), size_t(40), size_t(4000), size_t(5000), size_t(300000)}) {
    auto *p = static_cast<unsigned char *>(_mlir_memref_to_llvm_alloc(bytes));
    check(p != nullptr && aligned(p, 64), "buffers: " + std::to_string(bytes) + " bytes on a cache line");
    for (size_t i = 0; i < bytes; ++i) p[i] = static_cast<unsigned char>(i);
    _mlir_memref_to_llvm_free(p);
  }
  void *wide = _mlir_memref_to_llvm_aligned_alloc(4096, 100);
  check(aligned(wide, 4096), "buffers: 4096-byte alignment when asked");
  _mlir_memref_to_llvm_free(wide);
  _mlir_memref_to_llvm_free(nullptr);
  // Two live buffers of one size, freed, come back for the next two
  // requests of that size (a 1000-byte one rounds to 1024 as well).
  void *a = _mlir_memref_to_llvm_alloc(1020), *b = _mlir_memref_to_llvm_alloc(1024);
  check(a != b, "buffers: live buffers are distinct");
  _mlir_memref_to_llvm_free(a);
  _mlir_memref_to_llvm_free(b);
  void *c = _mlir_memref_to_llvm_alloc(1000), *d = _mlir_memref_to_llvm_alloc(1024);
  void *e = _mlir_memref_to_llvm_alloc(2048);
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MLP_TEST_NO_REUSE 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define MLP_TEST_NO_REUSE 1
#endif
#ifndef MLP_TEST_NO_REUSE
  check(c == b && d == a, "buffers: freed buffers serve the next requests of their size, last freed first");
  check(e != a && e != b, "buffers: a buffer serves only requests of its own size");
#endif
  check(c != d && e != c && e != d, "buffers: buffers handed out again are distinct");
  for (void *p : {c, d, e}) _mlir_memref_to_llvm_free(p);
}

// RowSplit moves an edge a step (8 rows) toward the part that finished
// first once that part has waited 1.5 steps on average, never past half a
// band, and leaves it where the parts finish within a step of each other.
void test_row_split() {
  using mlp::rt::RowSplit;
  // Part 0 computes its rows at 100 ticks a row; part p ends late[p]
  // steps after part p - 1.
  auto call = [](RowSplit &split, std::vector<double> late) {
    std::vector<RowSplit::Stamp> stamps(size_t(split.parts()));
    const double step = 100.0 * RowSplit::kStep;
    uint64_t end = 1000000 + uint64_t(100 * (split.first(1) - split.first(0)));
    stamps[0] = {1000000, end};
    for (int p = 1; p < split.parts(); ++p) {
      end = uint64_t(int64_t(end) + int64_t(late[size_t(p)] * step));
      stamps[size_t(p)] = {1000000, end};
    }
    split.record(stamps.data());
  };
  RowSplit two(256, 2);
  for (int i = 0; i < 100; ++i) call(two, {0, 1.0});
  check(two.first(1) == 128, "row split: a part one step late moves no edge");
  for (int i = 0; i < 100 && two.first(1) == 128; ++i) call(two, {0, 2.0});
  check(two.first(1) == 136, "row split: a part two steps late gets a step's rows taken (first(1) " +
                                 std::to_string(two.first(1)) + ")");
  for (int i = 0; i < 1000; ++i) call(two, {0, 3.0});
  check(two.first(1) == 192, "row split: an edge moves at most half a band (first(1) " +
                                 std::to_string(two.first(1)) + ")");
  for (int i = 0; i < 1000; ++i) call(two, {0, -50.0}); // an interrupt's worth each call
  check(two.first(1) == 64, "row split: a late part 0 takes rows back, down to half its band (first(1) " +
                                std::to_string(two.first(1)) + ")");
  // Three parts of 85, 85 and 86 rows: the middle part late moves both of
  // its edges inward, each at most 40 rows (half of 85, in steps).
  RowSplit three(256, 3);
  for (int i = 0; i < 1000; ++i) call(three, {0, 3.0, -3.0});
  check(three.first(1) == 85 + 40 && three.first(2) == 170 - 40,
        "row split: a slow middle part's edges move in from both sides (" + std::to_string(three.first(1)) +
            ", " + std::to_string(three.first(2)) + ")");
  three.force(1, -1000);
  three.force(2, 1000);
  check(three.first(1) == 85 - 40 && three.first(2) == 170 + 40, "row split: a forced shift is clamped to half a band");
}

int main() {
  test_params();
  test_row_split();
  test_scalars();
  test_tensors();
  test_kernels();
  test_buffers();
  std::printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed > 0 ? 1 : 0;
}
