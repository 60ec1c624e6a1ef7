#!/usr/bin/env bash
# Install the whole ddarts_mm stack into .venv (idempotent).
#
#   torch 2.14.1 + torchvision 0.29.1, mmengine 0.10.7, mmcv 2.1.0 with its
#   compiled ops (built once from the sdist with -std=c++20 and cached as a
#   wheel outside the repository), mmdet 3.3.0, mmpretrain 1.2.0,
#   pycocotools, cityscapesscripts, then `pip install -e .[all]`: every
#   extra of setup.py, the test extra (pytest, onnx, onnxscript,
#   onnxruntime: `make test` runs the ONNX export checks; ruff for
#   `make lint`) and the analysis extra (seaborn, for mmdet's
#   analyze_logs.py) included.
#
# Environment:
#   VENV            virtual environment folder (default: .venv)
#   PYTHON          interpreter used to create it (default: python3.11)
#   DDARTS_CACHE    wheel cache (default: ~/.cache/ddarts_mm)
#   FORCE_CUDA      1 to build mmcv's CUDA kernels as well (needs nvcc)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3.11}"
CACHE="${DDARTS_CACHE:-$HOME/.cache/ddarts_mm}"
TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
MMENGINE_VERSION=0.10.7
MMCV_VERSION=2.1.0
MMDET_VERSION=3.3.0
MMPRETRAIN_VERSION=1.2.0
FORCE_CUDA="${FORCE_CUDA:-0}"
# mmcv's setup.py and mmengine's `mmdet::` configs need pkg_resources (gone
# from setuptools 81); torch 2.14 needs setuptools >= 77.0.3.
SETUPTOOLS="setuptools==80.9.0"

say() { printf '[install %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# The stamp records what was installed; when it matches, nothing is done.
STAMP_KEY="$(cat "$ROOT/scripts/install.sh" "$ROOT/setup.py" | sha256sum | cut -c1-16)-cuda$FORCE_CUDA"
STAMP="$VENV/.ddarts_mm_installed"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$STAMP_KEY" ]]; then
  say "environment up to date ($VENV)"
  exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  say "creating virtual environment $VENV with $PYTHON"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=(pip_install)
# pip, without the notes this machine's pip config adds for every package.
pip_install() {
  "$PY" -m pip install --disable-pip-version-check --progress-bar off "$@" 2>&1 \
    | { grep -v "^WARNING: Location '" || true; }
  return "${PIPESTATUS[0]}"
}

have() {  # have DIST VERSION: is DIST==VERSION installed in the venv?
  "$PY" - "$1" "$2" <<'PYEOF'
import sys
from importlib.metadata import version, PackageNotFoundError
try:
    sys.exit(0 if version(sys.argv[1]).split('+')[0] == sys.argv[2] else 1)
except PackageNotFoundError:
    sys.exit(1)
PYEOF
}

if have torch "$TORCH_VERSION" && have torchvision "$TORCHVISION_VERSION"; then
  say "torch $TORCH_VERSION and torchvision $TORCHVISION_VERSION present"
else
  say "installing torch $TORCH_VERSION and torchvision $TORCHVISION_VERSION (large, a few minutes)"
  "${PIP[@]}" "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"
fi

say "installing build tools and mmengine $MMENGINE_VERSION"
"${PIP[@]}" -q "$SETUPTOOLS" wheel ninja psutil "mmengine==$MMENGINE_VERSION"

PYTAG="$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
WHEEL_DIR="$CACHE/mmcv-$MMCV_VERSION-torch$TORCH_VERSION-$PYTAG-cuda$FORCE_CUDA"
if have mmcv "$MMCV_VERSION" && "$PY" -c 'import mmcv.ops' 2>/dev/null; then
  say "mmcv $MMCV_VERSION with compiled ops present"
else
  WHEEL="$(ls "$WHEEL_DIR"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n1 || true)"
  if [[ -z "$WHEEL" ]]; then
    say "building mmcv $MMCV_VERSION with compiled ops from source: about 20 minutes on 2 cores"
    say "(done once; the wheel is cached in $WHEEL_DIR)"
    BUILD="$(mktemp -d)"
    trap 'rm -rf "$BUILD"' EXIT
    "$PY" -m pip download --disable-pip-version-check --no-deps --no-binary :all: \
      "mmcv==$MMCV_VERSION" -d "$BUILD" >/dev/null
    tar -xzf "$BUILD"/mmcv-"$MMCV_VERSION".tar.gz -C "$BUILD"
    SRC="$BUILD/mmcv-$MMCV_VERSION"
    # torch 2.14's headers need C++20; mmcv 2.1.0 asks for C++17.
    grep -q -- "-std=c++17" "$SRC/setup.py"
    sed -i 's/-std=c++17/-std=c++20/g' "$SRC/setup.py"
    mkdir -p "$WHEEL_DIR"
    # The build runs in the background; its ninja progress "[k/n]" is shown
    # every 30 s, the whole log only if it fails.
    ( cd "$BUILD" && MMCV_WITH_OPS=1 FORCE_CUDA="$FORCE_CUDA" MAX_JOBS="${MAX_JOBS:-2}" \
        "$PY" -m pip wheel -v --no-build-isolation --no-deps "$SRC" -w "$BUILD/dist" \
        > "$BUILD/build.log" 2>&1 ) &
    BUILD_PID=$!
    while kill -0 "$BUILD_PID" 2>/dev/null; do
      sleep 30
      STEP="$(grep -oE '^ *\[[0-9]+/[0-9]+\]' "$BUILD/build.log" | tail -n1 | tr -d ' ' || true)"
      say "  mmcv build: ${STEP:-preparing} compiled"
    done
    wait "$BUILD_PID" || { tail -n 40 "$BUILD/build.log"; say "mmcv build failed"; exit 1; }
    ls "$BUILD"/dist/mmcv-*.whl >/dev/null 2>&1 || { tail -n 40 "$BUILD/build.log"; say "mmcv build failed"; exit 1; }
    mv "$BUILD"/dist/mmcv-*.whl "$WHEEL_DIR"/
    WHEEL="$(ls "$WHEEL_DIR"/mmcv-"$MMCV_VERSION"-*.whl | head -n1)"
    say "mmcv wheel built: $WHEEL"
  else
    say "using cached mmcv wheel $WHEEL"
  fi
  "${PIP[@]}" -q "$WHEEL"
fi

say "installing mmdet $MMDET_VERSION, mmpretrain $MMPRETRAIN_VERSION, pycocotools, cityscapesscripts and ddarts_mm"
"${PIP[@]}" -q "mmdet==$MMDET_VERSION" "mmpretrain==$MMPRETRAIN_VERSION" pycocotools cityscapesscripts "$SETUPTOOLS"
# [all]: the extras of setup.py (tests: pytest, onnx, onnxscript, onnxruntime,
# ruff; analysis: seaborn)
"${PIP[@]}" -q --no-build-isolation -e "$ROOT[all]"
# mmengine's get_installed_path (behind `_base_ = 'ddarts_mm::...'` and mim)
# looks for <site-packages>/ddarts_mm, which a PEP 660 editable install does
# not create: link it to the source package (same files, with its .mim).
SITE="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
if [[ ! -e "$SITE/ddarts_mm" ]]; then
  ln -s "$ROOT/ddarts_mm" "$SITE/ddarts_mm"
fi

say "checking imports"
( cd / && "$PY" -c 'import mmcv, mmdet, mmpretrain, ddarts_mm; from mmcv.ops import nms, RoIAlign; print("  mmcv", mmcv.__version__, "mmdet", mmdet.__version__, "mmpretrain", mmpretrain.__version__)' )
echo "$STAMP_KEY" > "$STAMP"
say "done"
