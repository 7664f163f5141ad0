#!/usr/bin/env bash
# Installs paytrace's pinned tools into .tools/ (git-ignored), each once, then reused: the Node.js
# runtime (the official binary as the npm registry publishes it) and the Go tools, built with
# `go install` at the versions pinned below. Needs Go (see README), the npm registry and the Go
# module proxy; schemathesis (a Python program) comes from PyPI into a venv and needs python3 ≥ 3.11.
# Chromium, for the UI's browser tests (playwright-core drives it), is Debian's package, installed
# with apt-get as root or through sudo.
# k6 is not among them: it is AGPL-3.0, and paytrace takes no AGPL dependency (loadtest/README.md);
# the load generator is Vegeta (MIT). A k6 the user installed still runs loadtest/payments.js.
# Usage: scripts/install-tools.sh [node|stripe-mock|jaeger|otelcol|prometheus|vegeta|telemetrygen|compose-check|schemathesis|chromium ...] (none = all)
set -euo pipefail

# ---- pinned versions ---------------------------------------------------------------------------
# Node.js 24 LTS, the runtime of the services, tests and tools (= node:24.21.0-bookworm-slim in the
# Dockerfile). The registry's integrity hash of each platform's package is pinned with it.
NODE_VERSION=24.21.0
NODE_INTEGRITY_linux_x64=sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==
NODE_INTEGRITY_linux_arm64=sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==
STRIPE_MOCK_VERSION=v0.203.0
# Jaeger v2.13.0: its Go module (no /v2 in the path) tags that release as v1.76.0. Later v2
# releases have no v1.x tag, and the module proxy here serves no commit-pinned pseudo-versions.
JAEGER_MODULE_VERSION=v1.76.0   # = jaegertracing/jaeger:2.13.0 in docker-compose.yml
# The Collector is built by the Collector Builder from telemetry/otelcol-builder.yaml
# (= otel/opentelemetry-collector-contrib:0.160.0 in docker-compose.yml).
OTELCOL_BUILDER_VERSION=v0.160.0
# Prometheus v3.16.0: its Go module tags release 3.x.y as v0.3xx.y. Built without the service
# discovery plugins (tag remove_all_sd): paytrace pushes metrics over OTLP and scrapes nothing, and
# the SDKs of every cloud are most of the build. A plain build has no web UI (its assets come from
# npm in Prometheus's Makefile); the HTTP API is complete. Compose: prom/prometheus:v3.16.0.
PROMETHEUS_MODULE_VERSION=v0.316.0
# Vegeta (MIT): the load generator of the lab, the benches and the tests (lab/src/load/vegeta.ts).
VEGETA_VERSION=v12.13.0
# telemetrygen (Apache-2.0), the Collector project's span generator: `npm run bench:collector`'s
# load (docs/scale.md), the same release as the Collector.
TELEMETRYGEN_VERSION=v0.160.0
# schemathesis 4.32.5 and each of its dependencies: pinned with their hashes in test/fuzz/requirements.txt.
# Chromium: not pinned. Debian's security archive keeps only the latest build of its chromium
# package (older ones are gone from the mirrors), so apt installs whatever is current there.
# ------------------------------------------------------------------------------------------------

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
export GOBIN="$TOOLS/bin" GOPATH="$TOOLS/go" GOMODCACHE="$TOOLS/go/pkg/mod" GOCACHE="$TOOLS/go-build" GOFLAGS="-modcacherw -buildvcs=false" GOTOOLCHAIN=local
mkdir -p "$GOBIN" "$TOOLS/stamps"

# install NAME VERSION -- command...: runs the command unless .tools/stamps/NAME says VERSION.
install() {
  local name=$1 version=$2; shift 3
  local stamp="$TOOLS/stamps/$name"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$version" ]]; then return; fi
  echo "install-tools: installing $name $version (first time only)…" >&2
  local start=$SECONDS
  "$@"
  echo "$version" > "$stamp"
  echo "install-tools: $name $version ready in $((SECONDS - start)) s" >&2
}

# Node.js from the npm registry's node-linux-<arch> package (the official release binary), checked
# against the pinned integrity hash. curl, not npm: npm itself runs on a Node.js.
tool_node() { install node "$NODE_VERSION" -- fetch_node; }
fetch_node() {
  local arch
  case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) echo "install-tools: no pinned Node.js for $(uname -m)" >&2; exit 1 ;; esac
  local integrity_var="NODE_INTEGRITY_linux_$arch" registry="${npm_config_registry:-https://registry.npmjs.org/}"
  local tarball="$TOOLS/node-linux-$arch-$NODE_VERSION.tgz"
  curl -fsSL --retry 3 -o "$tarball" "${registry%/}/node-linux-$arch/-/node-linux-$arch-$NODE_VERSION.tgz"
  local actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [[ "$actual" != "${!integrity_var}" ]]; then
    echo "install-tools: node-linux-$arch-$NODE_VERSION.tgz has integrity $actual, expected ${!integrity_var}" >&2
    rm -f "$tarball"; exit 1
  fi
  rm -rf "$TOOLS/node" && mkdir -p "$TOOLS/node"
  tar -xzf "$tarball" -C "$TOOLS/node" --strip-components=1 package/bin package/LICENSE
  rm -f "$tarball"
}

tool_jaeger() { install jaeger "$JAEGER_MODULE_VERSION" -- build_jaeger; }
# Jaeger's go.mod carries a replace directive, which `go install pkg@version` refuses; so the
# pinned module is downloaded from the module proxy and built as the main module instead.
build_jaeger() {
  local dir
  dir=$(go mod download -json "github.com/jaegertracing/jaeger@$JAEGER_MODULE_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  (cd "$dir" && go build -trimpath -o "$GOBIN/jaeger" ./cmd/jaeger)
}
# The version ldflag makes /api/v1/status/buildinfo (and --version) say which release runs.
tool_prometheus() {
  install prometheus "$PROMETHEUS_MODULE_VERSION" -- go install -tags remove_all_sd \
    -ldflags "-X github.com/prometheus/common/version.Version=3.${PROMETHEUS_MODULE_VERSION#v0.3}" \
    "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_MODULE_VERSION"
}
tool_vegeta() { install vegeta "$VEGETA_VERSION" -- go install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"; }
tool_telemetrygen() {
  install telemetrygen "$TELEMETRYGEN_VERSION" -- go install "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@$TELEMETRYGEN_VERSION"
}
tool_otelcol() {
  local manifest="$ROOT/telemetry/otelcol-builder.yaml"
  # The stamp covers the manifest too: changing a component rebuilds.
  local version="$OTELCOL_BUILDER_VERSION-$(sha256sum "$manifest" | cut -c1-12)"
  install otelcol "$version" -- build_otelcol "$manifest"
}
build_otelcol() {
  go install "go.opentelemetry.io/collector/cmd/builder@$OTELCOL_BUILDER_VERSION"
  (cd "$ROOT" && "$GOBIN/builder" --config "$1")
  cp "$ROOT/.tools/otelcol-build/otelcol-paytrace" "$GOBIN/otelcol-paytrace"
}
# Our own small Go program (scripts/compose-check) that validates docker-compose.yml with compose-go.
tool_compose_check() {
  local src="$ROOT/scripts/compose-check"
  local version
  version=$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-12)
  install compose-check "$version" -- bash -c "cd '$src' && go build -o '$GOBIN/compose-check' ."
}
# The OpenAPI fuzzer, in its own venv. The stamp is the requirements file's hash: a new pin reinstalls.
tool_schemathesis() {
  local requirements="$ROOT/test/fuzz/requirements.txt"
  install schemathesis "$(sha256sum "$requirements" | cut -c1-12)" -- build_schemathesis "$requirements"
}
build_schemathesis() {
  command -v python3 >/dev/null || { echo "install-tools: python3 (≥ 3.11, with venv) is required for schemathesis" >&2; exit 1; }
  rm -rf "$TOOLS/schemathesis"
  python3 -m venv "$TOOLS/schemathesis"
  # --require-hashes: nothing unpinned or altered gets in; --no-deps: the file already lists every dependency.
  "$TOOLS/schemathesis/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps -r "$1"
}
tool_stripe_mock() { install stripe-mock "$STRIPE_MOCK_VERSION" -- go install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION"; }
# Chromium for the browser tests: $PAYTRACE_CHROMIUM if set, else Debian's /usr/bin/chromium.
# A system package, so no stamp: whether it runs is the check. Fonts: Liberation, metric-compatible
# with Arial/Times, so pages lay out the same on every machine.
CHROMIUM_PACKAGES=(chromium fonts-liberation)
tool_chromium() {
  local bin=${PAYTRACE_CHROMIUM:-/usr/bin/chromium}
  if "$bin" --version >/dev/null 2>&1; then return; fi
  if [[ -n "${PAYTRACE_CHROMIUM:-}" ]]; then
    echo "install-tools: PAYTRACE_CHROMIUM=$PAYTRACE_CHROMIUM does not run ('$PAYTRACE_CHROMIUM --version' failed); fix it or unset it to use Debian's chromium" >&2
    exit 1
  fi
  local manual="sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${CHROMIUM_PACKAGES[*]}"
  local as_root=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      as_root=(sudo -n)
    else
      echo "install-tools: chromium is missing and installing it needs root (no password-less sudo here); run:" >&2
      echo "  $manual" >&2
      exit 1
    fi
  fi
  command -v apt-get >/dev/null || {
    echo "install-tools: chromium is missing and there is no apt-get here: install Chromium yourself and set PAYTRACE_CHROMIUM to it" >&2
    exit 1
  }
  echo "install-tools: installing chromium from Debian's archive (first time only)…" >&2
  local start=$SECONDS
  local apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)
  # A stale (or, in a fresh container, empty) package index: refresh it once and try again.
  if ! "${apt[@]}" install -y --no-install-recommends "${CHROMIUM_PACKAGES[@]}"; then
    "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends "${CHROMIUM_PACKAGES[@]}" || {
      echo "install-tools: apt-get could not install chromium; on Debian run:" >&2
      echo "  $manual" >&2
      exit 1
    }
  fi
  echo "install-tools: $(/usr/bin/chromium --version 2>/dev/null) ready in $((SECONDS - start)) s" >&2
}

tools=("$@")
[[ ${#tools[@]} -gt 0 ]] || tools=(node stripe-mock jaeger otelcol prometheus vegeta telemetrygen compose-check schemathesis chromium)
for tool in "${tools[@]}"; do
  if [[ "$tool" != node && "$tool" != schemathesis && "$tool" != chromium ]]; then
    command -v go >/dev/null || { echo "install-tools: Go is required (https://go.dev/dl/), see README" >&2; exit 1; }
    break
  fi
done
for tool in "${tools[@]}"; do
  case "$tool" in
    node) tool_node ;;
    stripe-mock) tool_stripe_mock ;;
    jaeger) tool_jaeger ;;
    otelcol) tool_otelcol ;;
    prometheus) tool_prometheus ;;
    vegeta) tool_vegeta ;;
    telemetrygen) tool_telemetrygen ;;
    compose-check) tool_compose_check ;;
    schemathesis) tool_schemathesis ;;
    chromium) tool_chromium ;;
    *) echo "install-tools: unknown tool '$tool'" >&2; exit 2 ;;
  esac
done
