#!/usr/bin/env bash
# Install the built application (dist/envservices) for this user, or for everyone with --system (as root).
#
#   packaging/linux/install.sh             ~/.local/opt/envservices, command in ~/.local/bin, menu entry
#   sudo packaging/linux/install.sh --system   /opt/envservices, command in /usr/local/bin, menu entry
#   packaging/linux/install.sh --uninstall [--system]
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
APP_ID=uk.gov.envservices
SYSTEM=0
UNINSTALL=0
for arg in "$@"; do
    case "$arg" in
        --system) SYSTEM=1 ;;
        --uninstall) UNINSTALL=1 ;;
        *) echo "install.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done

if [[ $SYSTEM == 1 ]]; then
    OPT=/opt/envservices; BIN=/usr/local/bin; SHARE=/usr/local/share
else
    OPT="$HOME/.local/opt/envservices"; BIN="$HOME/.local/bin"; SHARE="${XDG_DATA_HOME:-$HOME/.local/share}"
fi

if [[ $UNINSTALL == 1 ]]; then
    rm -rf "$OPT"
    rm -f "$BIN/envservices" "$SHARE/applications/$APP_ID.desktop" "$SHARE/metainfo/$APP_ID.metainfo.xml" \
        "$SHARE/icons/hicolor/scalable/apps/$APP_ID.svg" "$SHARE/icons/hicolor/256x256/apps/$APP_ID.png"
    echo "envservices removed (your databases in your user data folder are kept)"
    exit 0
fi

[[ -x "$REPO/dist/envservices/envservices" ]] || { echo "install.sh: build first: packaging/build.sh" >&2; exit 1; }
[[ -f "$REPO/dist/linux/$APP_ID.metainfo.xml" ]] || { echo "install.sh: dist/linux is missing: packaging/build.sh" >&2; exit 1; }

mkdir -p "$OPT" "$BIN" "$SHARE/applications" "$SHARE/metainfo" "$SHARE/icons/hicolor/scalable/apps" \
    "$SHARE/icons/hicolor/256x256/apps"
rm -rf "$OPT"
cp -a "$REPO/dist/envservices" "$OPT"
ln -sf "$OPT/envservices" "$BIN/envservices"
install -m 644 "$REPO/dist/linux/$APP_ID.desktop" "$SHARE/applications/"
install -m 644 "$REPO/dist/linux/$APP_ID.metainfo.xml" "$SHARE/metainfo/"
install -m 644 "$REPO/dist/linux/$APP_ID.svg" "$SHARE/icons/hicolor/scalable/apps/"
install -m 644 "$REPO/dist/linux/$APP_ID.png" "$SHARE/icons/hicolor/256x256/apps/"
command -v update-desktop-database >/dev/null && update-desktop-database "$SHARE/applications" || true
echo "envservices $("$OPT/envservices" --version | cut -d' ' -f2) installed in $OPT; start it from the menu or with: envservices"
