# The part of kubernetes-validate the tests use; the package ships no type information.
from typing import Any

class ValidationError(Exception):
    message: str

def validate(data: dict[str, Any], desired_version: str, strict: bool = ...) -> str: ...
