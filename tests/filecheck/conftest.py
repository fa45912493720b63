"""Collects every `*.mlir` file under tests/filecheck as one pytest item that runs the file's RUN lines.

A file holds one or more `// RUN: <command>` lines (a line ending in `\\` continues on
the next RUN line). Each command runs in `bash -o pipefail`, with `%s` replaced by the
file's path and `%S` by its folder (as lit does): `// RUN: dlfc-opt %s -p cse | filecheck %s`
runs dlfc-opt on the file and checks its output against the file's `CHECK` lines.
The `dlfc-opt` and `filecheck` that run are those installed beside the Python that
runs pytest. The item fails when a command exits non-zero (as `filecheck` does when
a CHECK does not match), and the failure shows the command, its exit status and
what it printed. A file without a RUN line fails too: it would test nothing.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

RUN = re.compile(r"^\s*//\s*RUN:\s?(.*?)\s*$")
TIMEOUT_SECONDS = 300


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".mlir":
        return MlirFile.from_parent(parent, path=file_path)
    return None


def run_lines(text: str) -> list[str]:
    """The commands of a file's RUN lines, continuations joined, in order."""
    commands: list[str] = []
    continued = False
    for line in text.splitlines():
        match = RUN.match(line)
        if match is None:
            continued = False
            continue
        command = match.group(1)
        if continued:
            commands[-1] += " " + command.lstrip()
        else:
            commands.append(command)
        continued = commands[-1].endswith("\\")
        if continued:
            commands[-1] = commands[-1][:-1].rstrip()
    return commands


class RunLineFailed(Exception):
    """A RUN line exited non-zero; the message says which, and what it printed."""


class MlirFile(pytest.File):
    def collect(self):
        yield MlirTest.from_parent(self, name="filecheck")


class MlirTest(pytest.Item):
    def runtest(self) -> None:
        commands = run_lines(self.path.read_text())
        if not commands:
            raise RunLineFailed(f"{self.path}: no '// RUN:' line")
        env = dict(os.environ)
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        for command in commands:
            command = command.replace("%s", shlex.quote(str(self.path)))
            command = command.replace("%S", shlex.quote(str(self.path.parent)))
            result = subprocess.run(
                ["bash", "-o", "pipefail", "-c", command],
                capture_output=True,
                text=True,
                env=env,
                cwd=self.path.parent,
                timeout=TIMEOUT_SECONDS,
            )
            if result.returncode != 0:
                raise RunLineFailed(
                    f"RUN: {command}\nexit status {result.returncode}\n"
                    f"--- stderr ---\n{result.stderr}--- stdout ---\n{result.stdout}"
                )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None):
        if isinstance(excinfo.value, RunLineFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"filecheck {self.path.name}"
