"""What runs inside a sandbox: the child process and what it calls. Nothing here decides a score.

The child's server (:mod:`.runner`), the calls of the learner's functions (:mod:`.calls`, shared
with ``check()``), the exercise-specific drivers (:mod:`.drivers`) and the in-process guards
(:mod:`.guard`).
"""
