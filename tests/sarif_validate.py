#!/usr/bin/python3
"""Validates SARIF logs against the SARIF 2.1.0 JSON schema (draft-04).

Usage: sarif_validate.py SCHEMA LOG...
Exit 0 when every LOG is valid, 1 when one is not (each problem printed as
LOG: PATH: MESSAGE), 2 when the schema or a log cannot be read. Needs
Debian's python3-jsonschema; downloads nothing (the schema is a file).
"""
import json
import sys

import jsonschema


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft4Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.SchemaError) as e:
        print(f"{argv[1]}: cannot use the schema: {e}", file=sys.stderr)
        return 2
    validator = jsonschema.Draft4Validator(schema)
    invalid = False
    for path in argv[2:]:
        try:
            with open(path, encoding="utf-8") as f:
                log = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{path}: not JSON: {e}", file=sys.stderr)
            return 2
        for error in sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            print(f"{path}: {where}: {error.message}", file=sys.stderr)
            invalid = True
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
