#!/usr/bin/env bash
# Installs everything the package's tests use, on a fresh clone, offline-capable; safe to run again:
#   - the npm dependencies, exactly as package-lock.json records them (npm ci);
#   - TensorFlow 2.21 with Keras 3 in .venv-tf, the oracle of the TF-judged tests (scripts/setup-tf.sh);
#   - @tensorflow/tfjs-node's native addon, built from that TensorFlow (scripts/setup-tfjs-node.sh);
#   - as root with apt: Debian's chromium and nginx-light, for the real-browser and HTTP tests.
# Anything that cannot be installed is reported, and the tests that need it skip, saying why.
set -euo pipefail
cd "$(dirname "$0")/.."
# npm ci on a fresh clone; npm install (which leaves the lock file as it is) keeps an addon already built.
if [ -d node_modules ]; then npm install --no-audit --no-fund; else npm ci --no-audit --no-fund; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  if ! command -v chromium >/dev/null || ! command -v nginx >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium nginx-light) ||
      echo "WARNING: apt-get could not install chromium/nginx-light: the browser and nginx tests will be SKIPPED" >&2
  fi
else
  echo "Not root or no apt-get: chromium and nginx-light are not installed here; the browser and nginx tests skip if they are missing" >&2
fi
bash scripts/setup-tf.sh >/dev/null || echo "WARNING: TensorFlow could not be installed: the TF-judged tests will be SKIPPED" >&2
bash scripts/setup-tfjs-node.sh ||
  echo "WARNING: @tensorflow/tfjs-node could not be built: tests run on the cpu backend only, the tensorflow backend is SKIPPED" >&2
echo "setup done: npm start runs the demo, npm test the tests"
