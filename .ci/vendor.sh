#!/usr/bin/env bash
# Fetch the browser-side JavaScript the book serves itself (offline rendering): MathJax 3,
# require.js and the ipywidgets HTML manager, from the npm registry as tarballs (no install).
set -euo pipefail
dest=${1:-book/_vendor}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$dest"
( cd "$tmp" && npm pack --silent mathjax@3.2.2 requirejs@2.3.4 @jupyter-widgets/html-manager@1.0.6 >/dev/null )
for t in "$tmp"/*.tgz; do mkdir -p "$tmp/x" && tar -xzf "$t" -C "$tmp/x" && mv "$tmp/x/package" "$tmp/$(basename "$t" .tgz)" && rm -rf "$tmp/x"; done
mkdir -p "$dest/mathjax" "$dest/requirejs" "$dest/html-manager"
cp -r "$tmp"/mathjax-3.2.2/es5/tex-mml-chtml.js "$dest/mathjax/"
mkdir -p "$dest/mathjax/output/chtml/fonts"
cp -r "$tmp"/mathjax-3.2.2/es5/output/chtml/fonts/woff-v2 "$dest/mathjax/output/chtml/fonts/"
cp "$tmp"/requirejs-2.3.4/require.js "$dest/requirejs/"
cp -r "$tmp"/jupyter-widgets-html-manager-1.0.6/dist/. "$dest/html-manager/"
touch "$dest/.done"
