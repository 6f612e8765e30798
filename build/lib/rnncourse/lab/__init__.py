"""A learner's JupyterLab (``make lab``): the launcher, its contents manager, its open documents.

- :mod:`rnncourse.lab.launch`: starts JupyterLab with the course's settings and an environment in
  which the course's tools are on ``PATH`` for the kernels *and* the terminals.
- :mod:`rnncourse.lab.contents`: text notebooks that open clean, save quietly and show citations
  and cross-references as readable text.
- :mod:`rnncourse.lab.running`: which documents a running JupyterLab has open (``rnncourse
  exercise reset`` refuses to reset one under an open tab).

The submodules are imported on demand: ``running`` and ``launch`` need no JupyterLab at import.
Needs the ``lab`` extra (JupyterLab, Jupytext) to run a server.
"""
