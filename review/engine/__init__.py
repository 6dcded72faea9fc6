"""Stage 4, engine: running the notebooks, once each, from a warm process, cached by content.

Reads the snapshot's hashes and the notebooks; writes executed notebooks (OUT/notebooks/)
and the job cache (outputs/.cache/). Plans jobs and their keys (`jobs`, with review.inputs.fingerprint),
executes them (`execute`, local pool or Dask) in kernels forked from a warm process
(`warm_kernel`, `warm_client`) that end with the build (`lifetime`).
"""
