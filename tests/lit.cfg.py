# lit configuration of the mlpc test suite.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "mlpc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".mlp", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mlp_obj_root, "tests")
# Inputs that tests read but that are not tests themselves.
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%mlp_src", config.mlp_src_root))
config.substitutions.append(("%python", "/usr/bin/python3"))
llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.mlp_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(["mlpc", "mlp-opt", "mlprt-tests", "mlprt-pipeline-tests", "mlprt-fit-driver", "mlp-csv-fuzz", "mlp-frontend-fuzz", "mlp-idx-fuzz"],
                                   [config.mlp_tools_dir])

# Reference libraries for comparison tests: `REQUIRES: torch` skips a test
# (reported as unsupported) where Debian's python3-torch is not installed.
import subprocess
def _python_has(module):
    try:
        return subprocess.call(["/usr/bin/python3", "-c", "import " + module],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL) == 0
    except OSError:
        return False
for _module in ["torch", "numpy", "pandas", "sklearn"]:
    if _python_has(_module):
        config.available_features.add(_module)

# `REQUIRES: tmux`: the REPL's terminal tests drive it in a tmux pane.
import shutil
if shutil.which("tmux"):
    config.available_features.add("tmux")

# `UNSUPPORTED: asan`: a build with MLP_SANITIZE (scripts/test-sanitized.sh),
# whose programs cannot run under `ulimit -v` or take a preloaded LSan.
sanitized = getattr(config, "mlp_sanitize", "").upper() in ("ON", "1", "TRUE", "YES")
if sanitized:
    config.available_features.add("asan")

# `REQUIRES: lsan`: gcc's LeakSanitizer runtime (liblsan0, which g++ brings)
# checks built binaries for leaks when preloaded (not into ASan's programs,
# which check for leaks themselves).
if os.path.exists("/usr/lib/x86_64-linux-gnu/liblsan.so.0") and not sanitized:
    config.available_features.add("lsan")

# `REQUIRES: fuzzer`: the libFuzzer targets were built (clang's libFuzzer
# runtime, Debian's libclang-rt-19-dev, was found when configuring).
if os.path.exists(os.path.join(config.mlp_tools_dir, "mlp-csv-fuzz")):
    config.available_features.add("fuzzer")
