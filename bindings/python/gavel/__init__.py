"""Gavel: a policy engine for the plans of autonomous agents.

    import gavel

    policy = gavel.compile(paths=["policies/"])
    decision = policy.evaluate({"context": {"environment": "prod"},
                                "steps": [{"id": "s1", "verb": "delete"}]})
    if not decision.allowed:
        for v in decision.violations:
            print(v.rule, v.step, v.message)

A compiled ``Policy`` is immutable: share it between threads freely. The
GIL is released while a plan is evaluated (and while text is decoded), so a
thread pool evaluates in parallel. See docs/python.md.
"""

from __future__ import annotations

import enum
import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from . import _gavel

__all__ = [
    "BundleError",
    "CompileError",
    "Decision",
    "Diagnostic",
    "GavelError",
    "PlanError",
    "Policy",
    "Verdict",
    "Violation",
    "compile",
    "load_bundle",
]

__version__ = "0.1.0"


class Diagnostic(NamedTuple):
    """One problem found while compiling: where, a stable code, and what."""

    file: Optional[str]
    line: int
    column: int
    code: str
    message: str


class GavelError(Exception):
    """Base class of Gavel's errors. ``code`` is a stable string code."""

    def __init__(self, message: str, code: str, file: Optional[str] = None,
                 line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.file = file
        self.line = line
        self.column = column


class CompileError(GavelError):
    """The policy does not compile (or its files cannot be read).

    ``str(e)`` shows every error as ``gavel check`` does (file:line:col, the
    source line and a caret); ``file``, ``line``, ``column``, ``code`` and
    ``message`` describe the first; ``errors`` lists them all.
    """

    def __init__(self, formatted: str, errors: Sequence[Diagnostic]) -> None:
        self.errors: List[Diagnostic] = list(errors)
        first = self.errors[0] if self.errors else Diagnostic(None, 0, 0, "compile_error", formatted)
        super().__init__(first.message, first.code, first.file, first.line, first.column)
        self.formatted = formatted

    def __str__(self) -> str:
        return self.formatted.rstrip("\n")


class PlanError(GavelError):
    """A plan does not decode. The message names the field path
    (``steps[0].verb: expected a string, got a number``); ``code`` is
    ``plan_error``, or ``io_error`` for a plan file that cannot be read."""

    def __init__(self, message: str, code: str = "plan_error", file: Optional[str] = None) -> None:
        super().__init__(message, code, file)


class BundleError(GavelError):
    """Bytes that do not load as a bundle: not a bundle, another format
    version or engine (recompile with ``gavel compile``), truncated or
    corrupt (checksum mismatch), or bytecode that fails verification. The
    message says which (``<bundle>: corrupt bundle (checksum mismatch ...)``);
    ``code`` is ``bundle_error``."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "bundle_error")


_gavel._set_error_types(CompileError, PlanError, Diagnostic)


class Verdict(enum.Enum):
    """What Gavel rules on a plan."""

    ALLOW = "allow"
    DENY = "deny"
    NEEDS_APPROVAL = "needs_approval"


@dataclass(frozen=True)
class Violation:
    """A fired rule (a violation or a warning) or a rule that failed at run
    time (an error: ``effect`` is ``"error"``, ``severity`` is ``""``).
    ``step`` and ``step_index`` are ``None`` for plan-level rules. A warning
    with ``dryrun`` set comes from a package in dryrun (docs/config.md)."""

    rule: str
    effect: str
    severity: str
    step: Optional[str]
    step_index: Optional[int]
    message: str
    location: str
    approvers: List[str] = field(default_factory=list)
    # Found by a package in dryrun (the project config): a warning that keeps
    # the effect it would have had and did not count in the verdict.
    dryrun: bool = False


class Decision:
    """The outcome of evaluating a plan."""

    __slots__ = ("_d", "verdict", "violations", "warnings", "errors", "approvers")

    def __init__(self, d: Any) -> None:
        self._d = d
        self.verdict: Verdict = Verdict(d.verdict)
        self.violations: List[Violation] = [Violation(*t) for t in d.violations]
        self.warnings: List[Violation] = [Violation(*t) for t in d.warnings]
        self.errors: List[Violation] = [Violation(*t) for t in d.errors]
        self.approvers: List[str] = list(d.approvers)

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOW

    def to_json(self, plan_name: str = "") -> str:
        """The decision as ``gavel lint --format json`` prints it."""
        return self._d.to_json(plan_name)

    def to_dict(self) -> Dict[str, Any]:
        """The decision as a dict: the JSON form without its ``plan`` key."""
        d = json.loads(self._d.to_json(""))
        del d["plan"]
        return d

    def __repr__(self) -> str:
        return (f"<gavel.Decision {self.verdict.value}: {len(self.violations)} violations, "
                f"{len(self.warnings)} warnings, {len(self.errors)} errors>")


PlanInput = Union[Mapping[str, Any], str, bytes, bytearray, memoryview, "os.PathLike[str]"]


class Policy:
    """A compiled policy set: immutable and thread-safe. Made by ``compile()``
    or ``load_bundle()``; pickles as its bundle."""

    __slots__ = ("_p",)

    def __init__(self, p: Any) -> None:
        self._p = p

    @property
    def rule_count(self) -> int:
        return self._p.rule_count

    def evaluate(self, plan: PlanInput, *, format: Optional[str] = None) -> Decision:
        """Evaluates a plan and returns the decision.

        ``plan`` is a dict (read directly, field by field), JSON text (a
        ``str``; YAML with ``format="yaml"``), protobuf bytes of
        ``gavel.v1.Plan`` (``bytes``, ``bytearray``, ``memoryview``), or an
        ``os.PathLike`` naming a plan file. Raises ``PlanError`` when the plan
        does not decode.
        """
        if isinstance(plan, Mapping):
            if not isinstance(plan, dict):
                plan = dict(plan)
            return Decision(self._p.evaluate_object(plan))
        if isinstance(plan, str):
            fmt = format or "json"
            if fmt not in ("json", "yaml"):
                raise ValueError(f"format must be 'json' or 'yaml' for text, not {fmt!r}")
            return Decision(self._p.evaluate_data(plan, fmt))
        if isinstance(plan, (bytes, bytearray, memoryview)):
            if format not in (None, "proto"):
                raise ValueError(f"format must be 'proto' for bytes, not {format!r}")
            return Decision(self._p.evaluate_data(bytes(plan), "proto"))
        if isinstance(plan, os.PathLike):
            return self.evaluate_file(plan)
        raise TypeError(f"a plan is a dict, str, bytes or path, not {type(plan).__name__}")

    def evaluate_file(self, path: Union[str, "os.PathLike[str]"]) -> Decision:
        """Reads a plan file (.json, .yaml/.yml, .pb/.binpb) and evaluates it."""
        return Decision(self._p.evaluate_file(os.fspath(path)))

    def to_bundle(self) -> bytes:
        """The policy as a bundle (docs/bundles.md): bytes that
        ``load_bundle()`` (or ``gavel lint --bundle``, or the C API) turns
        back into a policy deciding exactly as this one, without compiling."""
        return self._p.to_bundle()

    def __reduce__(self) -> Any:
        # Pickled as its bundle, so batch jobs can ship policies to workers.
        return (load_bundle, (self.to_bundle(),))


def compile(sources: Union[Mapping[str, str], Sequence[str], None] = None,
            paths: Optional[Sequence[Union[str, "os.PathLike[str]"]]] = None,
            config: Union[str, "os.PathLike[str]", None] = None,
            env: Optional[str] = None) -> Policy:
    """Compiles policy sources into a ``Policy``.

    ``sources`` maps file names (used in error locations) to source text, or
    is a list of texts (named ``<source 0>``, ...). ``paths`` lists .gavel
    files and directories (searched recursively). ``config`` is a project
    config (``gavel.yaml``, docs/config.md): its policies join the set, and
    environment ``env`` supplies params and enforcement (``env`` needs
    ``config``). Give at least one of sources, paths and config. Raises
    ``CompileError`` with every error found, config errors included (located
    in the YAML file).
    """
    if env is not None and config is None:
        raise ValueError("env needs config")
    if config is not None:
        return _compile_config(os.fspath(config), env or "", sources, paths)
    if sources is None and paths is None:
        raise ValueError("give sources, paths, config or a combination")
    names, texts = _source_lists(sources)
    if paths is not None:
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        if sources is None:
            return Policy(_gavel.compile_paths([os.fspath(p) for p in paths]))
        # Both: read the files here so that everything compiles as one set.
        for p in paths:
            for name, text in _read_sources(os.fspath(p)):
                names.append(name)
                texts.append(text)
    return Policy(_gavel.compile_sources(names, texts))


def _source_lists(sources: Union[Mapping[str, str], Sequence[str], None]) -> Tuple[List[str], List[str]]:
    """(names, texts) of ``sources``: a dict of name -> text, or a list of
    texts named ``<source 0>``, ..."""
    if isinstance(sources, str):
        raise TypeError("sources is a dict of name -> text or a list of texts, not one str")
    if isinstance(sources, Mapping):
        return list(sources.keys()), list(sources.values())
    if sources is not None:
        texts = list(sources)
        return [f"<source {i}>" for i in range(len(texts))], texts
    return [], []


def load_bundle(data: Union[bytes, bytearray, memoryview], trusted_keys: Optional[Sequence[Union[str, bytes]]] = None,
                require_signature: Optional[bool] = None) -> Policy:
    """Loads a bundle (``gavel compile -o FILE``, ``Policy.to_bundle()``)
    without compiling. Raises ``BundleError`` when the bytes are not a
    bundle this gavel loads.

    ``trusted_keys``: public keys (PEM texts, as ``gavel keygen`` writes
    NAME.pub); a signed bundle then loads only if one of them signed it.
    ``require_signature`` (default: whether keys are given) refuses an
    unsigned bundle too (docs/bundles.md, "Signed bundles")."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"a bundle is bytes (e.g. pathlib.Path(f).read_bytes()), not {type(data).__name__}")
    if isinstance(trusted_keys, (str, bytes)):
        trusted_keys = [trusted_keys]
    keys = [k.decode() if isinstance(k, bytes) else k for k in (trusted_keys or [])]
    if require_signature is None:
        require_signature = bool(keys)
    p, error = _gavel.load_bundle(bytes(data), keys, bool(require_signature))
    if p is None:
        raise BundleError(error)
    return Policy(p)


def _compile_config(config: str, env: str, sources: Union[Mapping[str, str], Sequence[str], None],
                    paths: Optional[Sequence[Union[str, "os.PathLike[str]"]]]) -> Policy:
    names, texts = _source_lists(sources)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    extra = [os.fspath(p) for p in paths] if paths is not None else []
    return Policy(_gavel.compile_config(config, env, extra, names, texts))


def _read_sources(path: str) -> List[tuple]:
    if os.path.isdir(path):
        found = []
        for root, _, files in os.walk(path):
            found.extend(os.path.join(root, f) for f in files if f.endswith(".gavel"))
        found.sort()
        if not found:
            raise CompileError(f"error[io_error]: {path}: no .gavel files in this directory\n",
                               [Diagnostic(None, 0, 0, "io_error", f"{path}: no .gavel files in this directory")])
    elif os.path.exists(path):
        found = [path]
    else:
        raise CompileError(f"error[io_error]: {path}: no such file or directory\n",
                           [Diagnostic(None, 0, 0, "io_error", f"{path}: no such file or directory")])
    out = []
    for f in found:
        with open(f, encoding="utf-8") as fh:
            out.append((f, fh.read()))
    return out
