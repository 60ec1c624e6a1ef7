#!/usr/bin/env bash
# Install the whole ddarts_mm stack into .venv (idempotent).
#
#   torch 2.14.1 + torchvision 0.29.1, mmengine 0.10.7, mmcv 2.1.0 with its
#   compiled ops (built once from the sdist with -std=c++20 and cached as a
#   wheel outside the repository), mmdet 3.3.0, mmpretrain 1.2.0,
#   pycocotools, cityscapesscripts, then `pip install -e .`.
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
PIP=("$PY" -m pip install --disable-pip-version-check --progress-bar off)

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
"${PIP[@]}" -q "setuptools<70" wheel ninja psutil "mmengine==$MMENGINE_VERSION"

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
    # ninja prints "[k/n] ..." per compiled file: show one short line for each.
    ( cd "$BUILD" && MMCV_WITH_OPS=1 FORCE_CUDA="$FORCE_CUDA" MAX_JOBS="${MAX_JOBS:-2}" \
        "$PY" -m pip wheel -v --no-build-isolation --no-deps "$SRC" -w "$BUILD/dist" 2>&1 ) \
      | tee "$BUILD/build.log" \
      | grep --line-buffered -oE '^\[[0-9]+/[0-9]+\] [^ ]+ .*/mmcv/ops/csrc/[^ ]+' \
      | sed -u -E 's#^(\[[0-9]+/[0-9]+\]).*/mmcv/ops/csrc/([^ ]+).*#  mmcv build \1 \2#' \
      || { tail -n 40 "$BUILD/build.log"; exit 1; }
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
"${PIP[@]}" -q "mmdet==$MMDET_VERSION" "mmpretrain==$MMPRETRAIN_VERSION" pycocotools cityscapesscripts
"${PIP[@]}" -q --no-build-isolation -e "$ROOT[all]"

say "checking imports"
( cd / && "$PY" -c 'import mmcv, mmdet, mmpretrain, ddarts_mm; from mmcv.ops import nms, RoIAlign; print("  mmcv", mmcv.__version__, "mmdet", mmdet.__version__, "mmpretrain", mmpretrain.__version__)' )
echo "$STAMP_KEY" > "$STAMP"
say "done"
