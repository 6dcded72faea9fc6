"""Alliance Review: builds the yearly review of the Critical Minerals Resilience and Production Alliance.

The package is laid out by stage, in the order data flows (each stage imports only the
ones below it; `make test` checks this with import-linter):

    inputs   -> analysis -> report -> engine -> audit -> build -> cli

Kept free of imports on purpose: `review build` must decide that nothing changed, and a
forked kernel must start, without paying for pandas or Great Expectations. The one thing
it sets up is `MovedModules`, so that a notebook written against the flat layout of the
first two versions (`from review import indicators`) keeps working.
"""

import importlib
import importlib.machinery
import sys
import warnings

__version__ = "0.1.0"

#: Modules of the flat layout (before the third version) and where each lives now.
MOVED = {
    "review.indicators": "review.analysis.indicators",
    "review.disclosure": "review.analysis.disclosure",
    "review.narrative": "review.analysis.narrative",
    "review.comparison": "review.analysis.comparison",
    "review.text": "review.analysis.text",
    "review.config": "review.inputs.config",
    "review.data": "review.inputs.data",
    "review.validation": "review.inputs.validation",
    "review.problems": "review.inputs.problems",
    "review.paths": "review.inputs.paths",
    "review.fsutil": "review.inputs.fsutil",
    "review.snapshot": "review.inputs.snapshot",
    "review.chapter": "review.report.chapter",
    "review.views": "review.report.views",
    "review.charts": "review.report.charts",
    "review.glance": "review.report.glance",
    "review.monitoring": "review.report.monitoring",
    "review.annexes": "review.report.annexes",
    "review.markdown": "review.report.markdown",
    "review.assemble": "review.report.assemble",
    "review.render": "review.report.render",
    "review.record": "review.report.record",
    "review.catalog": "review.report.catalog",
    "review.jobs": "review.engine.jobs",
    "review.execute": "review.engine.execute",
    "review.warm_kernel": "review.engine.warm_kernel",
    "review.warm_client": "review.engine.warm_client",
    "review.lifetime": "review.engine.lifetime",
    "review.fingerprint": "review.inputs.fingerprint",
    "review.manifest": "review.audit.manifest",
    "review.signing": "review.audit.signing",
    "review.validated": "review.build.validated",
    "review.server": "review.build.server",
}


class MovedModules:
    """Imports a module of the flat layout as the module it became, with a warning naming the new path.

    A finder and loader by protocol (find_spec, create_module, exec_module), not by
    subclassing importlib.abc: importing importlib.abc pulls in importlib.resources,
    pathlib and tempfile, about 0.15 s of start-up for every process that imports
    `review`, the attach process of each notebook's kernel included.

    The old name is an alias (the same module object), so `review.indicators.dependency`
    and `review.analysis.indicators.dependency` are one function. `review.audit`,
    `review.build` and `review.cycles` are not aliased: the first two are stage packages
    now, and `review.cycles` was split (`review.inputs.new_cycle`, `review.audit.compare`).
    """

    def find_spec(self, fullname, path=None, target=None):
        new = self._new_name(fullname)
        return importlib.machinery.ModuleSpec(fullname, self) if new else None

    @staticmethod
    def _new_name(fullname: str) -> str | None:
        for old, new in MOVED.items():
            if fullname == old or fullname.startswith(old + "."):
                return new + fullname[len(old):]
        return None

    def create_module(self, spec):
        new = self._new_name(spec.name)
        warnings.warn(f"{spec.name} has moved to {new}; import it from there", DeprecationWarning, stacklevel=2)
        return importlib.import_module(new)

    def exec_module(self, module):
        """The module was executed under its new name; nothing more to do."""


if not any(isinstance(finder, MovedModules) for finder in sys.meta_path):
    sys.meta_path.append(MovedModules())
