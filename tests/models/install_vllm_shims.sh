#!/usr/bin/env bash
# Install a pure-Python torchvision "shim" for the CPU vLLM venv.
#
# Why: vLLM's Qwen2-VL/Qwen2.5-VL module and transformers' Qwen2.5-VL processor import torchvision,
# but PyPI's torchvision wheels are CUDA builds whose compiled ops crash next to CPU torch. The
# Python part of torchvision is enough for what they use (transforms on tensors), so we unpack the
# wheel that pairs with torch 2.13 WITHOUT its .so files / bundled libs and patch the two
# `register_fake("torchvision::nms"/"qnms")` decorators, which fail when the C++ ops are absent.
#
# Usage: tests/models/install_vllm_shims.sh [TARGET_DIR]    (default: .venv-vllm/shims)
# Then put TARGET_DIR on PYTHONPATH of the vLLM server only (never of the app venv).
# Idempotent: exits early when TARGET_DIR already holds the patched package.
set -euo pipefail

TORCHVISION_VERSION="${TORCHVISION_VERSION:-0.28.0}" # pairs with torch 2.13.0
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${VLLM_VENV:-$REPO_ROOT/.venv-vllm}"
TARGET="${1:-$VENV/shims}"
MARKER="$TARGET/torchvision/.cpu-shim-$TORCHVISION_VERSION"

if [[ -f "$MARKER" ]]; then
    echo "torchvision $TORCHVISION_VERSION shim already installed in $TARGET"
    exit 0
fi

PYTHON="$VENV/bin/python"
[[ -x "$PYTHON" ]] || { echo "error: $PYTHON not found (set VLLM_VENV)" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$VENV/bin/pip" download --quiet --no-deps "torchvision==$TORCHVISION_VERSION" -d "$WORK/wheel"
WHEEL="$(ls "$WORK"/wheel/torchvision-"$TORCHVISION_VERSION"-*.whl)"

# Unpack without compiled code, patch, then move into place (so a failure leaves no half install).
"$PYTHON" - "$WHEEL" "$WORK/stage" <<'PY'
import re
import sys
import zipfile
from pathlib import Path

wheel, stage = sys.argv[1], Path(sys.argv[2])
with zipfile.ZipFile(wheel) as zf:
    members = [
        m
        for m in zf.namelist()
        if not m.startswith("torchvision.libs/") and ".so" not in Path(m).name
    ]
    zf.extractall(stage, members)

meta = stage / "torchvision" / "_meta_registrations.py"
src = meta.read_text()
pattern = re.compile(r'^@torch\.library\.register_fake\(("torchvision::q?nms")\)$', re.MULTILINE)
patched, count = pattern.subn(
    r"@(torch.library.register_fake(\1) if torchvision.extension._has_ops() else (lambda fn: fn))", src
)
if count != 2:
    sys.exit(f"error: expected 2 register_fake nms/qnms decorators in {meta}, found {count}; wheel changed?")
meta.write_text(patched)
print(f"patched {count} decorators in {meta.name}")
PY

mkdir -p "$TARGET"
rm -rf "$TARGET/torchvision" "$TARGET"/torchvision-*.dist-info
mv "$WORK/stage/torchvision" "$WORK"/stage/torchvision-*.dist-info "$TARGET/"
touch "$MARKER"

# Smoke test: importable with CPU torch, no compiled ops loaded.
PYTHONPATH="$TARGET" "$PYTHON" -c \
    "import torchvision, torchvision.transforms.v2.functional; print('torchvision', torchvision.__version__, 'ok')"
echo "installed torchvision $TORCHVISION_VERSION shim into $TARGET ($(du -sh "$TARGET" | cut -f1))"
