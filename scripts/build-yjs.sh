#!/usr/bin/env bash
# Build the vendored Yjs bundle: static/vendor/yjs-<version>.esm.min.js (one ES module, minified),
# plus its licence. Run by hand when Yjs is updated; nothing builds at run time.
#   bash scripts/build-yjs.sh [yjs-version]
# Needs node and npm; works in a temporary folder that is removed afterwards.
set -euo pipefail
YJS_VERSION=${1:-13.6.33}
ESBUILD_VERSION=0.25.12
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/static/vendor"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund --save-exact "yjs@$YJS_VERSION" "esbuild@$ESBUILD_VERSION"
# The entry re-exports what static/js/coedit.js uses (and the rest of Yjs's API).
echo 'export * from "yjs";' > entry.js
npx esbuild entry.js --bundle --format=esm --minify --target=es2020 --legal-comments=none \
  --outfile="$OUT/yjs-$YJS_VERSION.esm.min.js"
LIB0_VERSION=$(node -p 'require("./node_modules/lib0/package.json").version')
{
  echo "Yjs $YJS_VERSION (https://github.com/yjs/yjs), bundled with lib0 $LIB0_VERSION"
  echo "(https://github.com/dmonad/lib0) by scripts/build-yjs.sh. Both are MIT licensed."
  echo
  echo "== yjs =="
  cat node_modules/yjs/LICENSE
  echo
  echo "== lib0 =="
  cat node_modules/lib0/LICENSE
} > "$OUT/yjs-LICENSE.txt"
echo "built $OUT/yjs-$YJS_VERSION.esm.min.js ($(wc -c < "$OUT/yjs-$YJS_VERSION.esm.min.js") bytes), lib0 $LIB0_VERSION"
