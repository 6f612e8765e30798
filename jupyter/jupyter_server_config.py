"""JupyterLab's terminals for rnncourse: bash keeping the course's tools on PATH.

A login shell's profile resets PATH; rnncourse.lab.launch explains the start-up file used instead.
"""

from rnncourse.lab.launch import configure_terminals

configure_terminals(get_config())  # noqa: F821 (traitlets provides get_config)
