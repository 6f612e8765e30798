"""Start JupyterLab the way ``make lab`` does, with the course's tools on every ``PATH``.

JupyterLab's kernels inherit the server's environment, so putting this interpreter's ``bin``
folder first on the server's ``PATH`` is enough for them. Its terminals are another matter: they
start a *login* shell, and a login shell runs ``/etc/profile``, which on Debian (and macOS's
``path_helper``) sets ``PATH`` from scratch: ``rnncourse`` was "command not found" there. So the
terminals run bash with :data:`TERMINAL_RC` as its start-up file instead: it reads what a login
shell reads, then puts the course's ``bin`` folder back in front.

``python -m rnncourse.lab.launch [JUPYTERLAB OPTIONS]`` is the launcher; ``make lab`` calls it.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "BIN_VARIABLE",
    "TERMINAL_RC",
    "configure_terminals",
    "lab_command",
    "lab_environment",
    "main",
]

# The repository: the launcher serves it and reads its settings from its jupyter/ folder.
ROOT = Path(__file__).resolve().parents[2]
# Set by the launcher, read by TERMINAL_RC: the folder whose tools the terminals must find first.
BIN_VARIABLE = "RNNCOURSE_BIN"
# Runs instead of a login shell's start-up: the same files, in the same order, then PATH repaired.
TERMINAL_RC = """\
# rnncourse: JupyterLab terminal start-up (rnncourse.lab.launch). What a login bash reads ...
[ -r /etc/profile ] && . /etc/profile
for f in "$HOME/.bash_profile" "$HOME/.bash_login" "$HOME/.profile"; do
  if [ -r "$f" ]; then . "$f"; break; fi
done
# ... a user without a profile still gets their interactive settings ...
[ -r "$HOME/.bashrc" ] && [ ! -r "$HOME/.profile" ] && . "$HOME/.bashrc"
# ... and the course's tools come first again, whatever those files did to PATH.
if [ -n "$RNNCOURSE_BIN" ]; then
  PATH="$RNNCOURSE_BIN:$PATH"; export PATH; hash -r
fi
"""


def lab_environment(env: Mapping[str, str] | None = None, root: Path = ROOT) -> dict[str, str]:
    """Return the environment JupyterLab, its kernels and its terminals run in.

    Parameters
    ----------
    env : mapping, optional
        The environment to start from (default: this process's).
    root : Path
        The repository; its ``jupyter/`` folder goes first on ``JUPYTER_CONFIG_PATH``.

    Returns
    -------
    dict
        ``env`` with this interpreter's ``bin`` folder first on ``PATH`` (and in
        ``RNNCOURSE_BIN``) and the course's settings first on ``JUPYTER_CONFIG_PATH``.
    """
    out = dict(os.environ if env is None else env)
    bindir = str(Path(sys.executable).parent)
    out[BIN_VARIABLE] = bindir
    out["PATH"] = os.pathsep.join(p for p in (bindir, out.get("PATH", "")) if p)
    config = [str(root / "jupyter"), out.get("JUPYTER_CONFIG_PATH", "")]
    out["JUPYTER_CONFIG_PATH"] = os.pathsep.join(p for p in config if p)
    return out


def lab_command(args: Sequence[str] = (), root: Path = ROOT) -> list[str]:
    """Return the command that starts JupyterLab serving ``root``, with extra ``args``."""
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # a container's root: JupyterLab refuses it otherwise
    return [*cmd, *args]


def configure_terminals(c: Any, runtime_dir: Path | None = None) -> list[str] | None:
    """Make JupyterLab's terminals start bash with :data:`TERMINAL_RC` (where bash exists).

    Called from ``jupyter/jupyter_server_config.py``. Without bash (Windows) the default shell is
    kept: there no login script resets ``PATH``.

    Parameters
    ----------
    c : traitlets.config.Config
        The server's configuration object.
    runtime_dir : Path, optional
        Where the start-up file is written (default: Jupyter's runtime folder).

    Returns
    -------
    list of str or None
        The terminal command configured, or None where the default was kept.
    """
    bash = shutil.which("bash")
    if bash is None:
        return None
    if runtime_dir is None:
        from jupyter_core.paths import jupyter_runtime_dir

        runtime_dir = Path(jupyter_runtime_dir())
    runtime_dir.mkdir(parents=True, exist_ok=True)
    rc = runtime_dir / "rnncourse-terminal-rc.sh"
    rc.write_text(TERMINAL_RC, encoding="utf-8")
    os.environ.setdefault(BIN_VARIABLE, str(Path(sys.executable).parent))
    command = [bash, "--rcfile", str(rc), "-i"]
    c.ServerApp.terminado_settings = {"shell_command": command}
    return command


def main(argv: Sequence[str] | None = None) -> int:
    """Start JupyterLab on the repository (extra arguments go to JupyterLab); never returns."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not (ROOT / "jupyter").is_dir():
        print(f"rnncourse.lab.launch: no jupyter/ settings folder in {ROOT}", file=sys.stderr)
        return 2
    cmd = lab_command(args)
    os.execve(cmd[0], cmd, lab_environment())
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
