"""Build hook: the core component must be inside the wheel.

The wasm is written by the azspeech CLI of this checkout (`azspeech component --wasm ...`), so
`pip install ./bindings/python` works after `cargo build`. Set AZSPEECH_CORE_WASM to a built
component file, or AZSPEECH_BIN to an azspeech binary, to use those instead. Without either the
build fails and says what to run.
"""

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
TARGET = HERE / "src" / "azspeech" / "azspeech_core.wasm"


def azspeech_binaries():
    if os.environ.get("AZSPEECH_BIN"):
        yield Path(os.environ["AZSPEECH_BIN"])
    root = HERE.parent.parent
    for target in filter(None, [os.environ.get("CARGO_TARGET_DIR"), str(root / "target")]):
        for profile in ("debug", "release"):
            yield Path(target) / profile / "azspeech"


class BuildWithCore(build_py):
    def run(self):
        given = os.environ.get("AZSPEECH_CORE_WASM")
        if given:
            shutil.copyfile(given, TARGET)
        else:
            binary = next((b for b in azspeech_binaries() if b.is_file()), None)
            if binary is not None:
                subprocess.run([str(binary), "component", "--wasm", str(TARGET)], check=True, stdout=subprocess.DEVNULL)
        if not TARGET.is_file():
            raise SystemExit(
                "azspeech: the core component (azspeech_core.wasm) is missing, and no azspeech binary was found "
                "to write it.\n  fix: run `cargo build -p azspeech-host` in the repository first, or set "
                "AZSPEECH_CORE_WASM=/path/to/azspeech-core.wasm (from `azspeech component --wasm PATH`)"
            )
        super().run()


setup(cmdclass={"build_py": BuildWithCore})
