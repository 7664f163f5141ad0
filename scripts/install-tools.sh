#!/usr/bin/env bash
# Installs paytrace's pinned Go tools into .tools/ (git-ignored): each is built once with
# `go install` at the version pinned below, then reused. Needs Go (see README) and the Go
# module proxy. Usage: scripts/install-tools.sh [stripe-mock|jaeger|otelcol|k6 ...] (none = all)
set -euo pipefail

# ---- pinned versions ---------------------------------------------------------------------------
STRIPE_MOCK_VERSION=v0.203.0
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

tool_stripe_mock() { install stripe-mock "$STRIPE_MOCK_VERSION" -- go install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION"; }

command -v go >/dev/null || { echo "install-tools: Go is required (https://go.dev/dl/), see README" >&2; exit 1; }
tools=("$@")
[[ ${#tools[@]} -gt 0 ]] || tools=(stripe-mock)
for tool in "${tools[@]}"; do
  case "$tool" in
    stripe-mock) tool_stripe_mock ;;
    *) echo "install-tools: unknown tool '$tool'" >&2; exit 2 ;;
  esac
done
