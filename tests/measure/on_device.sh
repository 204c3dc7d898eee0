#!/usr/bin/env bash
# The checks that need a CUDA GPU, for a machine that has one and a python3 with torch built for CUDA but
# not this project's other packages, and no package index (this project's device machines). Their wheels
# travel in .whl/, made beforehand where pip can reach an index:
#
#     echo /.whl/ >> .git/info/exclude && bash tests/measure/on_device.sh --download
#
# On the GPU machine, from the repository root: `bash tests/measure/on_device.sh`. It installs the wheels
# into that python3's environment, runs the GPU tests (tests/measure, which skip without a GPU) and grades
# the solution GPUMemory notebook on the GPU, writing everything to $OUT (or ./gpu-check).
set -euo pipefail
cd "$(dirname "$0")/../.."
packages=(pydantic nbformat nbclient ipykernel "gradescope-utils==0.5.0" rich jsonschema)

if [ "${1:-}" = "--download" ]; then
    python3 -m pip download --only-binary=:all: --python-version "${PYTHON_VERSION:-3.12}" \
        --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
        --platform any -d .whl "${packages[@]}"
    exit 0
fi

out="${OUT:-$PWD/gpu-check}"
mkdir -p "$out"
python3 -m pip install -q --no-index --find-links .whl "${packages[@]}"
if [ "$(id -u)" = 0 ] && ! id cnn-sandbox >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin cnn-sandbox
fi
{ nvidia-smi || true; python3 -c "import torch; print(torch.__version__, torch.cuda.is_available())"; } \
    > "$out/device.txt" 2>&1
if [ "$(id -u)" = 0 ]; then  # the kernel runs as the sandbox user: it must be able to run this python3 and see the GPU
    runuser -u cnn-sandbox -- "$(command -v python3)" -c \
        "import torch, ipykernel; print('sandbox user: torch', torch.__version__, 'cuda', torch.cuda.is_available())" \
        >> "$out/device.txt" 2>&1 || echo "sandbox user: cannot run python3 with torch and ipykernel" >> "$out/device.txt"
fi
status=0
python3 -m pytest -q -rs -p no:cacheprovider tests/measure tests/grading/test_measured.py \
    > "$out/gpu-tests.txt" 2>&1 || status=$?
GRADER_GPU=auto python3 -m grader grade submissions_example/hw004_notebooks/full_marks/submission \
    --problems problems/hw004_notebooks.yaml --out "$out/results.json" > "$out/grade.txt" 2>&1 || status=$?
python3 - "$out/results.json" <<'PY' | tee "$out/summary.txt"
import json, sys
results = json.load(open(sys.argv[1]))
print("score", results["score"], "of", sum(t.get("max_score", 0) for t in results["tests"]))
for test in results["tests"]:
    output = test.get("output", "")
    if test.get("score") != test.get("max_score") or "grader measured" in output or "no GPU" in output:
        print("---", test["name"], test.get("score"), "/", test.get("max_score"))
        print(output[:1500])
PY
tail -n 3 "$out/gpu-tests.txt"
exit "$status"
