"""Start the Streamlit UI with the sign-in settings handed to Streamlit: `python -m app.ui.launch [options]`.

`make run` and the app image start the app this way. Streamlit reads `st.login`'s OIDC client only from its
secrets (`[auth]`), so this writes them from the `OIDC_*` settings into `DataFolder.streamlit_secrets_path`
(mode 0600, rewritten at every start, removed when sign-in is off) and runs `streamlit run app/main.py` with
`--secrets.files` pointing at it. Every other argument goes to `streamlit run` unchanged.

It refuses to start (exit status 2, the reason and the fix on stderr) when the app would serve documents on
a non-loopback address without sign-in and ALLOW_ANONYMOUS is not true, or when sign-in is half set up.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from app.config import Settings, load_settings
from app.errors import AppError
from app.files import write_atomically
from app.store.data_folder import DataFolder
from app.ui.exposure import auth_secrets, check_sign_in, secrets_toml

MAIN = Path(__file__).resolve().parents[1] / "main.py"
ADDRESS = "--server.address"
DEFAULT_ADDRESS = "127.0.0.1"


def server_address(args: Sequence[str]) -> str | None:
    """The value of `--server.address` in `args` (`--server.address X` or `--server.address=X`); None if absent."""
    for index, arg in enumerate(args):
        if arg == ADDRESS and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(ADDRESS + "="):
            return arg.split("=", 1)[1]
    return None


def streamlit_command(settings: Settings, args: Sequence[str]) -> list[str]:
    """The `streamlit run` command line for `args`, after writing (or removing) the secrets file.

    Without `--server.address` the app listens on 127.0.0.1 only. Raises ConfigError (see `check_sign_in`)."""
    args = list(args)
    if server_address(args) is None:
        args += [ADDRESS, DEFAULT_ADDRESS]
    check_sign_in(settings, server_address(args))
    command = [sys.executable, "-m", "streamlit", "run", str(MAIN), *args]
    path = DataFolder(settings).streamlit_secrets_path
    auth = auth_secrets(settings)
    if not auth:
        path.unlink(missing_ok=True)  # no stale client secret left behind once sign-in is switched off
        return command
    write_atomically(path, secrets_toml(auth).encode())  # a temporary file of mode 0600, renamed into place
    return [*command, "--secrets.files", str(path)]


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        command = streamlit_command(load_settings(), args)
    except AppError as error:
        print(f"Not starting: {error.message}", file=sys.stderr)
        if error.hint:
            print(error.hint, file=sys.stderr)
        return 2
    sys.stdout.flush()
    os.execv(command[0], command)  # noqa: S606 - an argument list, no shell; the same process: whoever started it can stop it by its PID
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
