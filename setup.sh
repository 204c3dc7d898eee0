#!/usr/bin/env bash
# Installs the grader into a virtual environment; never touches the system python3.
#
#   On Gradescope (this file sits in /autograder/source): a venv at /opt/cnn-grader/venv with the grader and
#   CPU-only torch from PyTorch's CPU wheel index (override with GRADER_TORCH_INDEX_URL).
#   In a checkout: a venv at ./.venv with the grader (editable) and its test extras; torch comes from pip's
#   configured indexes unless GRADER_TORCH_INDEX_URL is set.
#
# If the pinned torch has no wheel for the available Python, a supported Python is installed beside the
# system one (apt) and used for the venv. Safe to run again: a finished install is reused.
#
# Run as root, it also creates the sandbox user (cnn-sandbox) that student code runs as, and makes sure
# that user can execute the venv's interpreter and import its packages: the venv is built from a Python
# outside any private home (a pyenv under /root is not usable), and if this checkout itself is not
# reachable by that user, the venv lives under /opt/cnn-grader/venvs/ with ./.venv linking to it.
set -euo pipefail

TORCH_VERSION="2.13.0"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ "$here" = "/autograder/source" ]; then
    venv="${GRADER_VENV:-/opt/cnn-grader/venv}"
    torch_index="${GRADER_TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}"
    package=("$here[torch,notebooks]")
else
    venv="${GRADER_VENV:-$here/.venv}"
    torch_index="${GRADER_TORCH_INDEX_URL:-}"
    package=(-e "$here[test]")
fi

sandbox_user="${GRADER_SANDBOX_USER:-cnn-sandbox}"

log() { printf '[setup] %s\n' "$*"; }

is_root() { [ "$(id -u)" = 0 ]; }

# Runs a command as the sandbox user (as root); otherwise as ourselves.
as_sandbox() {
    if is_root && id -u "$sandbox_user" >/dev/null 2>&1; then
        runuser -u "$sandbox_user" -- "$@"
    else
        "$@"
    fi
}

make_sandbox_user() {
    is_root || return 0
    if ! id -u "$sandbox_user" >/dev/null 2>&1; then
        log "creating the sandbox user $sandbox_user"
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$sandbox_user" ||
            log "could not create $sandbox_user: student code will run as nobody"
    fi
}

pick_python() {
    for candidate in "${GRADER_PYTHON:-}" python3.12 python3.11 python3.10 python3 \
                     /usr/bin/python3.12 /usr/bin/python3.11 /usr/bin/python3.10 /usr/bin/python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
           as_sandbox "$(command -v "$candidate")" -c \
               'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' >/dev/null 2>&1; then
            command -v "$candidate"; return 0
        fi
    done
    return 1
}

# In a checkout the sandbox user cannot reach (under a 0700 home), keep the venv under /opt instead.
place_venv() {
    if is_root && [ -z "${GRADER_VENV:-}" ] && [ "$here" != "/autograder/source" ] &&
       ! as_sandbox test -x "$here"; then
        local target="/opt/cnn-grader/venvs/$(printf '%s' "$here" | sha256sum | cut -c1-16)"
        mkdir -p "$(dirname "$target")"
        chmod 755 /opt/cnn-grader /opt/cnn-grader/venvs
        if [ ! -L "$venv" ] || [ "$(readlink "$venv")" != "$target" ]; then
            rm -rf "$venv"
            ln -s "$target" "$venv"
        fi
        venv="$target"
    fi
}

sandbox_can_run_venv() {
    as_sandbox "$venv/bin/python" -I -c 'import numpy' >/dev/null 2>&1
}

install_torch() {
    if [ -n "$torch_index" ]; then
        "$venv/bin/python" -m pip install --quiet "torch==$TORCH_VERSION" --index-url "$torch_index" \
            --extra-index-url "${GRADER_PYPI_URL:-https://pypi.org/simple}"
    else
        "$venv/bin/python" -m pip install --quiet "torch==$TORCH_VERSION"
    fi
}

make_venv() {
    log "creating $venv with $1 ($("$1" --version 2>&1))"
    rm -rf "$venv"
    "$1" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
}

make_sandbox_user
place_venv
python_bin="$(pick_python)" || { log "no Python >= 3.10 that the sandbox user can run; set GRADER_PYTHON"; exit 1; }
if [ ! -x "$venv/bin/python" ] || ! as_sandbox "$venv/bin/python" -c 'pass' >/dev/null 2>&1; then
    make_venv "$python_bin"
fi

if ! "$venv/bin/python" -c "import torch, sys; sys.exit(not torch.__version__.startswith('$TORCH_VERSION'))" 2>/dev/null; then
    log "installing torch $TORCH_VERSION (CPU)"
    if ! install_torch; then
        log "torch $TORCH_VERSION has no wheel for $("$venv/bin/python" --version); installing Python 3.11 beside the system one"
        if command -v apt-get >/dev/null 2>&1; then
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3.11 python3.11-venv
        fi
        make_venv "$(command -v python3.11)"
        install_torch
    fi
fi

log "installing the grader"
"$venv/bin/python" -m pip install --quiet "${package[@]}"
if ! sandbox_can_run_venv; then
    log "warning: the sandbox user cannot run $venv/bin/python; code and notebook parts will report a grader error"
fi
"$venv/bin/python" -c "import grader, torch; print('[setup] grader', grader.__version__, '| torch', torch.__version__, '| python', __import__('sys').version.split()[0])"
