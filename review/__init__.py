"""Alliance Review: builds the yearly review of the Critical Minerals Resilience and Production Alliance.

Kept free of imports on purpose: `review build` must decide that nothing changed, and a
forked kernel must start, without paying for pandas or Great Expectations.
"""

__version__ = "0.1.0"
