"""Builds the `gavel` Python package with CMake (pip install --no-build-isolation .).

The extension gavel._gavel is the CMake target `_gavel` (bindings/python/);
setuptools only packages it with the pure-Python files. CMake builds the
engine and the module alone: no CLI, tests or benchmarks.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def version() -> str:
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(gavel VERSION ([0-9.]+)", text).group(1)


class CMakeExtension(Extension):
    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        out = Path(self.get_ext_fullpath(ext.name)).resolve()
        build_dir = Path(self.build_temp).resolve() / "cmake"
        cfg = "Debug" if self.debug else "Release"
        subprocess.run([
            "cmake", "-S", str(ROOT), "-B", str(build_dir), f"-DCMAKE_BUILD_TYPE={cfg}",
            "-DGAVEL_BUILD_TESTS=OFF", "-DGAVEL_BUILD_BENCH=OFF", "-DGAVEL_BUILD_BINDINGS=ON",
            f"-DPython_EXECUTABLE={sys.executable}",
        ] + (["-G", "Ninja"] if _has("ninja") else []), check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "_gavel", "-j", jobs], check=True)
        built = next((build_dir / "bindings" / "python" / "gavel").glob("_gavel*.so"))
        out.parent.mkdir(parents=True, exist_ok=True)
        self.copy_file(str(built), str(out))


def _has(tool: str) -> bool:
    return any((Path(p) / tool).exists() for p in os.environ.get("PATH", "").split(os.pathsep))


(ROOT / "build-pip").mkdir(exist_ok=True)

setup(
    version=version(),
    packages=["gavel"],
    package_dir={"gavel": "bindings/python/gavel"},
    package_data={"gavel": ["py.typed", "*.pyi"]},
    ext_modules=[CMakeExtension("gavel._gavel")],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
    # Not build/: that is the CMake build of scripts/build.sh.
    options={"build": {"build_base": "build-pip"}, "egg_info": {"egg_base": "build-pip"}},
)
