import enum
import os
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Union

__version__: str

class Diagnostic(NamedTuple):
    file: Optional[str]
    line: int
    column: int
    code: str
    message: str

class GavelError(Exception):
    message: str
    code: str
    file: Optional[str]
    line: int
    column: int
    def __init__(self, message: str, code: str, file: Optional[str] = ..., line: int = ..., column: int = ...) -> None: ...

class CompileError(GavelError):
    errors: List[Diagnostic]
    formatted: str
    def __init__(self, formatted: str, errors: Sequence[Diagnostic]) -> None: ...

class PlanError(GavelError):
    def __init__(self, message: str, code: str = ..., file: Optional[str] = ...) -> None: ...

class BundleError(GavelError):
    def __init__(self, message: str) -> None: ...

class Verdict(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"
    NEEDS_APPROVAL = "needs_approval"

class Violation:
    rule: str
    effect: str
    severity: str
    step: Optional[str]
    step_index: Optional[int]
    message: str
    location: str
    approvers: List[str]
    dryrun: bool
    def __init__(self, rule: str, effect: str, severity: str, step: Optional[str], step_index: Optional[int],
                 message: str, location: str, approvers: List[str] = ..., dryrun: bool = ...) -> None: ...

class Decision:
    verdict: Verdict
    violations: List[Violation]
    warnings: List[Violation]
    errors: List[Violation]
    approvers: List[str]
    @property
    def allowed(self) -> bool: ...
    def to_json(self, plan_name: str = ...) -> str: ...
    def to_dict(self) -> Dict[str, Any]: ...

PlanInput = Union[Mapping[str, Any], str, bytes, bytearray, memoryview, os.PathLike[str]]

class Policy:
    @property
    def rule_count(self) -> int: ...
    def evaluate(self, plan: PlanInput, *, format: Optional[str] = ...) -> Decision: ...
    def evaluate_file(self, path: Union[str, os.PathLike[str]]) -> Decision: ...
    def to_bundle(self) -> bytes: ...

def compile(sources: Union[Mapping[str, str], Sequence[str], None] = ...,
            paths: Optional[Sequence[Union[str, os.PathLike[str]]]] = ...,
            config: Union[str, os.PathLike[str], None] = ...,
            env: Optional[str] = ...) -> Policy: ...

def load_bundle(data: Union[bytes, bytearray, memoryview]) -> Policy: ...
