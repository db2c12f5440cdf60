#!/usr/bin/env bash
# Builds @tensorflow/tfjs-node's native addon offline, against the TensorFlow that scripts/setup-tf.sh installs.
#
# tfjs-node's own install script downloads libtensorflow and a prebuilt addon from Google storage, which offline
# machines cannot reach. The TensorFlow CPU wheel already ships everything the addon needs: the C API (TF_* in
# libtensorflow_framework.so.2, TFE_* and the rest in libtensorflow_cc.so.2) and its headers. This script copies
# those into the package's deps/ folder (copies, so the addon keeps working when the venv is rebuilt or removed),
# adds the library names the addon links against, and compiles the addon with node-pre-gyp. Idempotent: a second
# run checks a stamp and does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PKG="$ROOT/node_modules/@tensorflow/tfjs-node"
# tfjs-node 4.x looks for libtensorflow under this version's name; its install script skips the download when the
# file exists, so a later `npm rebuild` does not try the network either.
LIBTF_NAME_VERSION=2.9.1
say() { echo "setup-tfjs-node: $*" >&2; }

# TensorFlow's package folder, found without importing TensorFlow (which takes seconds).
tf_dir() {
  "$1" -c 'import importlib.util as u; s = u.find_spec("tensorflow"); print(s.submodule_search_locations[0] if s else "")'
}
tf_version() {
  "$1" -c '
import importlib.metadata as m
for name in ("tensorflow-cpu", "tensorflow"):
    try:
        print(m.version(name)); break
    except m.PackageNotFoundError:
        pass'
}

# 1. The package, without its install script (which would download).
if [ ! -f "$PKG/package.json" ]; then
  say "installing @tensorflow/tfjs-node (without its download script)"
  npm install --no-save --ignore-scripts --no-audit --no-fund "@tensorflow/tfjs-node@$(node -p 'require("./package.json").devDependencies["@tensorflow/tfjs-node"]')" >&2
fi
read -r TFJS_NODE_VERSION NAPI < <(node -p "require('$PKG/package.json').version + ' ' + process.versions.napi")
STAMP="$PKG/deps/.built-by-tfjs-checkpoint"

# 2. Nothing to do when the addon was built by this script for this tfjs-node, this Node and the venv's TensorFlow
#    (or the venv is gone: the addon does not need it any more).
PY=.venv-tf/bin/python
# The venv's TensorFlow version from its install record (no Python start-up: the no-op run stays fast).
venv_tf=$(shopt -s nullglob; for d in .venv-tf/lib/python3*/site-packages/tensorflow{_cpu,}-*.dist-info; do
  d=${d##*/tensorflow}; d=${d#_cpu}; d=${d#-}; echo "${d%.dist-info}"; break; done)
if [ -f "$STAMP" ]; then
  read -r built_node built_napi built_tf <"$STAMP" || true
  if [ "$built_node" = "$TFJS_NODE_VERSION" ] && [ "$built_napi" = "$NAPI" ] && { [ -z "$venv_tf" ] || [ "$built_tf" = "$venv_tf" ]; } &&
    ls "$PKG"/lib/napi-v*/tfjs_binding.node >/dev/null 2>&1; then
    say "tfjs-node $TFJS_NODE_VERSION addon already built against TensorFlow $built_tf; nothing to do"
    exit 0
  fi
fi

# 3. TensorFlow from scripts/setup-tf.sh's venv.
if [ -z "$venv_tf" ] || [ -z "$(tf_dir "$PY")" ]; then
  say "no TensorFlow in .venv-tf: running scripts/setup-tf.sh"
  PY=$(bash scripts/setup-tf.sh)
  venv_tf=$(tf_version "$PY")
fi
TF=$(tf_dir "$PY")
say "using TensorFlow $venv_tf from $TF"

# 4. deps/: the two libraries (copied), the names the addon links against, and the headers it includes.
DEPS="$PKG/deps"
rm -rf "$DEPS" "$PKG/lib" "$PKG/build"
# A half-built addon must not look built (jest.config.js runs the tensorflow tests when the .node file exists).
trap 'rm -rf "$PKG/lib"; say "FAILED: the addon is not built"' ERR
mkdir -p "$DEPS/lib" "$DEPS/include"
for lib in libtensorflow_cc.so.2 libtensorflow_framework.so.2; do
  cp --reflink=auto "$TF/$lib" "$DEPS/lib/$lib"
done
# binding.gyp links -ltensorflow -ltensorflow_framework; the SONAMEs recorded in the addon are the .so.2 names,
# found at run time through the addon's RUNPATH ($ORIGIN/../../deps/lib), with no LD_LIBRARY_PATH.
for name in libtensorflow.so libtensorflow.so.2 "libtensorflow.so.$LIBTF_NAME_VERSION"; do
  ln -s libtensorflow_cc.so.2 "$DEPS/lib/$name"
done
for name in libtensorflow_framework.so "libtensorflow_framework.so.$LIBTF_NAME_VERSION"; do
  ln -s libtensorflow_framework.so.2 "$DEPS/lib/$name"
done
# Only the headers the addon's sources reach (the wheel's include/ tree is hundreds of MB), as the compiler lists them.
NODEDIR=""
for dir in /usr /usr/local "$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"; do
  if [ -f "$dir/include/node/node_api.h" ] && [ -f "$dir/include/node/common.gypi" ]; then NODEDIR=$dir; break; fi
done
node_inc=${NODEDIR:+$NODEDIR/include/node}
if [ -z "$node_inc" ]; then
  node_inc=$(ls -d "$HOME"/.cache/node-gyp/"$(node -p 'process.versions.node')"/include/node 2>/dev/null || true)
fi
[ -n "$node_inc" ] || { say "no Node headers (node_api.h): install Debian's nodejs headers or run node-gyp install once online"; exit 1; }
(cd "$PKG" && g++ -std=c++17 -MM -I.. -I"$TF/include" -I"$node_inc" binding/*.cc) |
  tr ' \\' '\n\n' | sed -n "s|^$TF/include/||p" | sort -u |
  while read -r header; do
    mkdir -p "$DEPS/include/$(dirname "$header")"
    cp "$TF/include/$header" "$DEPS/include/$header"
  done
say "copied TensorFlow's libraries and $(find "$DEPS/include" -type f | wc -l) headers into $DEPS"

# 5. Compile. `install --build-from-source` builds only this Node's N-API version (`rebuild` builds all of them).
export npm_config_nodedir=${NODEDIR:-$npm_config_nodedir}
NPM_GYP="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$NPM_GYP" ] && export npm_config_node_gyp="$NPM_GYP"
PRE_GYP=$(node -p "require.resolve('@mapbox/node-pre-gyp/bin/node-pre-gyp', { paths: ['$PKG'] })")
say "building the addon (node-gyp, nodedir=${npm_config_nodedir:-default})"
start=$(date +%s)
(cd "$PKG" && JOBS=1 node "$PRE_GYP" install --build-from-source --loglevel=warn >&2)
say "built in $(($(date +%s) - start)) s"

# 6. Check it loads and runs on TensorFlow's kernels before recording success.
TF_CPP_MIN_LOG_LEVEL=3 TF_ENABLE_ONEDNN_OPTS=0 node -e '
  const tf = require("@tensorflow/tfjs-node");
  const sum = tf.add(tf.tensor([1, 2]), tf.tensor([3, 4])).dataSync().join(",");
  if (tf.getBackend() !== "tensorflow" || sum !== "4,6") throw new Error(`addon check failed: ${tf.getBackend()} ${sum}`);
  console.error(`setup-tfjs-node: backend ${tf.getBackend()}, TensorFlow ${tf.backend().binding.TF_Version}`);'
echo "$TFJS_NODE_VERSION $NAPI $venv_tf" >"$STAMP"
say "done: @tensorflow/tfjs-node $TFJS_NODE_VERSION runs on TensorFlow $venv_tf"
