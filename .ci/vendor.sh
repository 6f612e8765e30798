#!/usr/bin/env bash
# Fetch the browser-side JavaScript the book serves itself (offline rendering): MathJax 3,
# require.js and the ipywidgets HTML manager, from the npm registry as tarballs (`npm pack`,
# no install, no scripts run). The result is a folder listed in html_static_path (_config.yml),
# so it lands in _build/html/_static/{mathjax,requirejs,html-manager}/.
#
# Usage: bash .ci/vendor.sh [DEST]   (default book/_vendor; the Makefile's `make vendor`)
#        bash .ci/vendor.sh --axe DEST axe-core@VERSION   (the browser tests' axe-core)
set -euo pipefail

MATHJAX=mathjax@3.2.2
REQUIREJS=requirejs@2.3.4
# html-manager 1.x is the ipywidgets 8 embedder; 1.0.6 is myst-nb's default.
HTML_MANAGER=@jupyter-widgets/html-manager@1.0.6

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v npm >/dev/null || { echo "vendor.sh: npm is needed (apt-get install npm)" >&2; exit 1; }

# `vendor.sh --axe DEST axe-core@X.Y.Z`: only axe-core's axe.min.js, for the browser tests'
# accessibility audit (make browser-deps); it is not part of the book.
if [ "${1:-}" = "--axe" ]; then
  dest=${2:?--axe DEST PACKAGE}; pkg=${3:?--axe DEST PACKAGE}
  ( cd "$tmp" && npm pack --silent --cache "$tmp/npm-cache" "$pkg" >/dev/null )
  tar -xzf "$tmp"/axe-core-*.tgz -C "$tmp"
  [ -s "$tmp/package/axe.min.js" ] || { echo "vendor.sh: no axe.min.js in $pkg" >&2; exit 1; }
  mkdir -p "$dest"
  cp "$tmp/package/axe.min.js" "$dest/axe.min.js"
  echo "vendor.sh: $pkg in $dest"
  exit 0
fi

dest=${1:-book/_vendor}

( cd "$tmp" && npm pack --silent --cache "$tmp/npm-cache" "$MATHJAX" "$REQUIREJS" "$HTML_MANAGER" >/dev/null )
for t in "$tmp"/*.tgz; do
  name=$(basename "$t" .tgz)
  mkdir -p "$tmp/src/$name"
  tar -xzf "$t" -C "$tmp/src/$name" --strip-components=1
done
mj="$tmp/src/mathjax-3.2.2/es5"
rq="$tmp/src/requirejs-2.3.4"
hm="$tmp/src/jupyter-widgets-html-manager-1.0.6/dist"

stage="$tmp/stage"
mkdir -p "$stage/mathjax" "$stage/requirejs" "$stage/html-manager"

# MathJax: the combined TeX+MathML/CHTML component plus everything it may load lazily from beside
# itself (TeX extensions via \require/autoload, fonts, accessibility and menu components).
cp "$mj/tex-mml-chtml.js" "$stage/mathjax/"
for sub in input output a11y sre ui adaptors; do
  [ -d "$mj/$sub" ] && cp -r "$mj/$sub" "$stage/mathjax/"
done

cp "$rq/require.js" "$stage/requirejs/"

# html-manager: the AMD bundle, its lazily loaded chunks and its icon fonts (no source maps).
find "$hm" -maxdepth 1 -type f ! -name '*.map' ! -name 'embed.js' ! -name 'libembed-amd.js' ! -name '*.LICENSE.txt' \
  -exec cp {} "$stage/html-manager/" \;

# Refuse to finish with a broken tree: these are the files _config.yml points at.
for f in mathjax/tex-mml-chtml.js mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff \
         requirejs/require.js html-manager/embed-amd.js; do
  [ -s "$stage/$f" ] || { echo "vendor.sh: missing $f after unpacking" >&2; exit 1; }
done

rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$stage" "$dest"
printf '%s\n' "$MATHJAX" "$REQUIREJS" "$HTML_MANAGER" > "$dest/.done"
echo "vendor.sh: $(du -sh "$dest" | cut -f1) in $dest"
