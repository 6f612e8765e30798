"""Isolation of the learner's code, the grader's side: how each child is started and limited.

:mod:`.process` starts a child and talks to it with deadlines; :mod:`.bwrap` is the default
sandbox (bubblewrap), :mod:`.unprivileged` the fallback where bubblewrap cannot start (an
unprivileged uid under rlimits), :mod:`.staging` the file tree a child sees, :mod:`.seccomp` the
system-call filter, :mod:`.cgroups` the per-sandbox memory, process and CPU limits.
"""
