"""The images' build stages, run natively (no Docker engine here).

For each service Dockerfile: copy into an empty directory exactly what its
COPY instructions take from the build context (so a file the build needs but
the Dockerfile or its .dockerignore leaves out fails here), run its build
RUN commands there with the WORKDIR and /build mapped to temp dirs, and check
the runtime stage would get a working binary that needs only the shared
libraries the runtime stage installs.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tests" / "static"))
from check_deploy import RUNTIME_LIBS, apt_packages, dockerignore_allows, parse_dockerfile  # noqa: E402

DEPLOY = ROOT / "deploy"

# Shared libraries each Debian runtime package provides (bookworm).
LIB_PACKAGE = {
    "librdkafka.so.1": "librdkafka1",
    "libuv.so.1": "libuv1",
    "libcsv.so.3": "libcsv3",
    "libcivetweb.so.1": "libcivetweb1",
    "libcjson.so.1": "libcjson1",
    "libmimalloc.so.2": "libmimalloc2.0",
    "libjemalloc.so.2": "libjemalloc2",
}


def _copy_context(dockerfile: Path, stage, dest: Path) -> None:
    for copy in stage.all("COPY"):
        if "--from=" in copy:
            continue
        words = [w for w in shlex.split(copy) if not w.startswith("--")]
        for src in words[:-1]:
            assert dockerignore_allows(dockerfile, src), f"{src} is excluded by .dockerignore"
            path = ROOT / src
            target = dest / src
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                shutil.copytree(path, target, symlinks=True,
                                ignore=shutil.ignore_patterns("__pycache__", "*.o"))
            else:
                shutil.copy2(path, target, follow_symlinks=False)


@pytest.mark.parametrize("service,binary", [
    ("producer", "producer/csv-producer"),
    ("dashboard", "consumer-dashboard/consumer-dashboard"),
])
def test_build_stage_builds_a_binary_the_runtime_stage_can_run(service, binary, tmp_path):
    dockerfile = DEPLOY / f"{service}.Dockerfile"
    _, stages = parse_dockerfile(dockerfile)
    build, runtime = stages[0], stages[-1]
    src = tmp_path / "src"
    src.mkdir()
    _copy_context(dockerfile, build, src)

    (workdir,) = build.all("WORKDIR")
    assert workdir == "/src"
    out_dir = tmp_path / "build"
    runs = [r for r in build.all("RUN") if "meson" in r or "ninja" in r]
    assert runs, "the build stage runs no meson/ninja"
    for run in runs:
        cmd = re.sub(r"(?<![\w/])/build\b", str(out_dir), run)
        done = subprocess.run(["/bin/sh", "-c", cmd], cwd=src, capture_output=True,
                              text=True, timeout=900)
        assert done.returncode == 0, f"{cmd}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"

    built = out_dir / binary
    copies = [c for c in runtime.all("COPY") if "--from=" in c]
    assert any(f"/build/{binary} " in c + " " for c in copies), copies
    assert built.exists()

    # Every shared library it links is one the runtime stage installs (or libc).
    ldd = subprocess.run(["ldd", str(built)], capture_output=True, text=True, check=True).stdout
    needed = set(re.findall(r"^\s*(\S+\.so\.\d+)", ldd, re.M))
    runtime_pkgs = apt_packages(runtime)
    for lib in needed:
        pkg = LIB_PACKAGE.get(lib)
        if pkg:
            assert pkg in runtime_pkgs, f"{binary} needs {lib} from {pkg}"
    # Every library both images install is mapped here (each program's
    # allocator, libmimalloc2.0 or libjemalloc2, is its own).
    assert RUNTIME_LIBS <= set(LIB_PACKAGE.values())
    assert any(lib in needed for lib in ("librdkafka.so.1",)), ldd

    helped = subprocess.run([str(built), "--help"], capture_output=True, text=True, timeout=30)
    assert helped.returncode == 0, helped.stderr
