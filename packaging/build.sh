#!/usr/bin/env bash
# Build the one-folder envservices application into dist/envservices/ and self-test the built program.
#
#   packaging/build.sh            use the active virtual environment, else the repository's .venv,
#                                 else create build/venv and install envservices into it
#   PYTHON=/path/to/python packaging/build.sh   build with that interpreter's environment
#
# Exits non-zero when the build or the self-test of the BUILT program fails.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

if [[ -n "${PYTHON:-}" ]]; then
    PY="$PYTHON"
elif [[ -n "${VIRTUAL_ENV:-}" && -x "$VIRTUAL_ENV/bin/python" ]]; then
    PY="$VIRTUAL_ENV/bin/python"
elif [[ -x "$REPO/.venv/bin/python" ]]; then
    PY="$REPO/.venv/bin/python"
else
    echo "build: creating build/venv" >&2
    python3 -m venv "$REPO/build/venv"
    PY="$REPO/build/venv/bin/python"
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet "$REPO"
fi

VERSION="$("$PY" -c 'import envservices; print(envservices.__version__)')"
if [[ "$VERSION" == "0.0.0" ]]; then
    echo "build: envservices is not installed in $PY's environment (pip install -e .)" >&2
    exit 1
fi
echo "build: envservices $VERSION with $PY" >&2

"$PY" -m pip install --quiet "pyinstaller>=6.10"

START=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$REPO/dist" --workpath "$REPO/build/pyinstaller" \
    "$REPO/packaging/envservices.spec"
END=$(date +%s)

APP="$REPO/dist/envservices/envservices"
echo "build: built $APP in $((END - START)) s; size $(du -sh "$REPO/dist/envservices" | cut -f1)" >&2

# The Linux desktop entry, icons and AppStream file (with this version) for packagers and install.sh.
"$PY" "$REPO/packaging/render_linux.py" "$REPO/dist/linux" >/dev/null
echo "$VERSION" > "$REPO/dist/VERSION"

echo "build: self-test of the built program" >&2
GOT="$("$APP" --version)"
echo "$GOT"
if [[ "$GOT" != "envservices $VERSION" ]]; then
    echo "build: --version printed '$GOT', expected 'envservices $VERSION'" >&2
    exit 1
fi
QT_QPA_PLATFORM=offscreen "$APP" --self-test
echo "build: self-test passed" >&2

# On Windows (Git Bash) with Inno Setup installed, also make the installer.
if command -v iscc >/dev/null 2>&1; then
    iscc "/DAppVersion=$VERSION" "/DSourceDir=$REPO\\dist\\envservices" "$REPO/packaging/windows/envservices.iss"
fi
