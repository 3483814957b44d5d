#!/usr/bin/env bash
# Installs Gavel into a temporary prefix, then builds and runs the examples
# against the installed package: with CMake (find_package(gavel), the shared
# and the static library) and with pkg-config.
# Usage: install_test.sh CMAKE BUILD_DIR SOURCE_DIR [EXTRA_FLAGS]
set -euo pipefail
cmake=$1 build=$2 src=$3 flags=${4:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log"
for f in include/gavel/gavel.h include/gavel/gavel.hpp bin/gavel; do
  test -e "$prefix/$f" || { echo "FAIL: $f not installed"; exit 1; }
done
libdir=$(dirname "$(find "$prefix" -name 'libgavel.so' | head -1)")
test -e "$libdir/libgavel.a" || { echo "FAIL: libgavel.a not installed"; exit 1; }
test -e "$libdir/pkgconfig/gavel.pc" || { echo "FAIL: gavel.pc not installed"; exit 1; }
test -e "$libdir/cmake/gavel/gavel-config.cmake" || { echo "FAIL: gavel-config.cmake not installed"; exit 1; }

cd "$src"
run() {  # run NAME WANT_EXIT BINARY: lints the example plans
  set +e
  "$3" policies/ examples/plans/prod-rollout.json examples/plans/secret-exfiltration.json >"$tmp/out" 2>&1
  local rc=$?
  set -e
  if [ $rc -ne "$2" ]; then
    echo "FAIL $1: exit $rc, want $2"
    cat "$tmp/out"
    exit 1
  fi
  grep -q 'secret-exfiltration.json.*deny' "$tmp/out" || { echo "FAIL $1: no deny line"; cat "$tmp/out"; exit 1; }
  echo "ok $1"
}

# CMake: find_package(gavel), shared and static.
"$cmake" -S examples -B "$tmp/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" -DGAVEL_EXAMPLES_STATIC=ON >"$tmp/cmake.log" \
  || { cat "$tmp/cmake.log"; exit 1; }
"$cmake" --build "$tmp/cmake" >>"$tmp/cmake.log" || { cat "$tmp/cmake.log"; exit 1; }
run "cmake C (shared)" 1 "$tmp/cmake/lint_c"
run "cmake C++ (shared)" 1 "$tmp/cmake/lint_cpp"
run "cmake C (static)" 1 "$tmp/cmake/lint_c_static"
if ldd "$tmp/cmake/lint_c_static" | grep -q libgavel; then echo "FAIL: lint_c_static links libgavel.so"; exit 1; fi

# pkg-config.
export PKG_CONFIG_PATH="$libdir/pkgconfig"
test "$(pkg-config --modversion gavel)" = 0.1.0 || { echo "FAIL: pkg-config version"; exit 1; }
cc -std=c99 -Wall -Werror $flags examples/c/lint.c -o "$tmp/pc_lint_c" $(pkg-config --cflags --libs gavel) -Wl,-rpath,"$libdir"
c++ -std=c++17 -Wall -Werror $flags examples/cpp/lint.cc -o "$tmp/pc_lint_cpp" $(pkg-config --cflags --libs gavel) -Wl,-rpath,"$libdir"
run "pkg-config C" 1 "$tmp/pc_lint_c"
run "pkg-config C++" 1 "$tmp/pc_lint_cpp"

# The installed CLI.
"$prefix/bin/gavel" check policies/ >/dev/null
echo "ok installed gavel CLI"
echo "all passed"
