#!/usr/bin/env bash
# Installs everything Gavel needs to build and test, from Debian 12 packages only.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential g++ cmake ninja-build pkg-config tzdata \
  libabsl-dev libre2-dev libyaml-cpp-dev libprotobuf-dev protobuf-compiler \
  libsimdjson-dev libssl-dev libcli11-dev catch2 libbenchmark-dev pybind11-dev \
  python3-dev python3-pytest python3-pip python3-setuptools python3-wheel python3-venv python3-jsonschema \
  python3-yaml git \
  clang-14 libclang-rt-14-dev libfuzzer-14-dev >/dev/null
