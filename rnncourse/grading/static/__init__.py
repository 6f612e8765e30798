"""Static checks of a submission, before and beside running it: what its source may not do.

:mod:`.scan` (forbidden names and escape tools in the cells), :mod:`.copies` (copies of the
package's code and of the solutions, and similar submissions in a class) and :mod:`.similarity`
(winnowed fingerprints of normalised syntax trees, which :mod:`.copies` compares).
"""
