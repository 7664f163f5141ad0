#!/usr/bin/env bash
# Installs paytrace's pinned Go tools into .tools/ (git-ignored): each is built once with
# `go install` at the version pinned below, then reused. Needs Go (see README) and the Go
# module proxy. Usage: scripts/install-tools.sh [stripe-mock|jaeger|otelcol|k6 ...] (none = all)
set -euo pipefail

# ---- pinned versions ---------------------------------------------------------------------------
STRIPE_MOCK_VERSION=v0.203.0
# Jaeger v2.13.0: its Go module (no /v2 in the path) tags that release as v1.76.0. Later v2
# releases have no v1.x tag, and the module proxy here serves no commit-pinned pseudo-versions.
JAEGER_MODULE_VERSION=v1.76.0   # = jaegertracing/jaeger:2.13.0 in docker-compose.yml
# The Collector is built by the Collector Builder from telemetry/otelcol-builder.yaml
# (= otel/opentelemetry-collector-contrib:0.165.0 in docker-compose.yml).
OTELCOL_BUILDER_VERSION=v0.160.0
K6_VERSION=v1.8.1               # = grafana/k6:1.8.1 in docker-compose.yml
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
  echo "install-tools: building $name $version (first time only)…" >&2
  local start=$SECONDS
  "$@"
  echo "$version" > "$stamp"
  echo "install-tools: $name $version built in $((SECONDS - start)) s" >&2
}

tool_jaeger() { install jaeger "$JAEGER_MODULE_VERSION" -- build_jaeger; }
# Jaeger's go.mod carries a replace directive, which `go install pkg@version` refuses; so the
# pinned module is downloaded from the module proxy and built as the main module instead.
build_jaeger() {
  local dir
  dir=$(go mod download -json "github.com/jaegertracing/jaeger@$JAEGER_MODULE_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  (cd "$dir" && go build -trimpath -o "$GOBIN/jaeger" ./cmd/jaeger)
}
tool_k6() { install k6 "$K6_VERSION" -- go install "go.k6.io/k6@$K6_VERSION"; }
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
tool_stripe_mock() { install stripe-mock "$STRIPE_MOCK_VERSION" -- go install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION"; }

command -v go >/dev/null || { echo "install-tools: Go is required (https://go.dev/dl/), see README" >&2; exit 1; }
tools=("$@")
[[ ${#tools[@]} -gt 0 ]] || tools=(stripe-mock jaeger otelcol k6 compose-check)
for tool in "${tools[@]}"; do
  case "$tool" in
    stripe-mock) tool_stripe_mock ;;
    jaeger) tool_jaeger ;;
    otelcol) tool_otelcol ;;
    k6) tool_k6 ;;
    compose-check) tool_compose_check ;;
    *) echo "install-tools: unknown tool '$tool'" >&2; exit 2 ;;
  esac
done
