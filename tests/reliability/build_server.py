"""Builds for the kill tests (``test_faults.py``), each in a child process forked from
this one, which can SIGKILL itself at the n-th call of a named function.

Run from a copy of the package (the current folder comes first on ``sys.path``): it
builds once into a scratch folder, so every table a build loads lazily (word
frequencies, syllable dictionaries, the code's digest) is loaded before the first fork,
then reads one JSON request a line on stdin and answers each with the child's exit
code as ``os.waitstatus_to_exitcode`` gives it (-9 when killed). Forking a process
that has built once saves each build the two seconds of a cold start.

Kill points are wrapped functions, not a profile hook: a hook on every call of every
function made each build several times slower.
"""

from __future__ import annotations

import functools
import importlib
import itertools
import json
import os
import signal
import sys
import traceback
from pathlib import Path

from satchel.bucket import Bucket
from satchel.stages.pipeline import build

TIME_LIMIT = 120  # seconds a child may build; it dies by SIGALRM after that


def kill_at_call(target: str, nth: int) -> itertools.count:
    """Wrap ``module:qualname`` so that its ``nth`` call SIGKILLs this process: where it
    is defined and in every Satchel module that imported it by name, so every call
    counts. The calls so far are ``next(counter) - 1``."""
    module_name, _, qualname = target.partition(":")
    *path, name = qualname.split(".")
    owner = functools.reduce(getattr, path, importlib.import_module(module_name))
    original, calls = getattr(owner, name), itertools.count(1)

    @functools.wraps(original)
    def counted(*args, **kwargs):
        if next(calls) == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(owner, name, counted)
    for module in list(sys.modules.values()):
        if module.__name__.startswith("satchel."):
            for attribute, value in list(vars(module).items()):
                if value is original:
                    setattr(module, attribute, counted)
    return calls


def child(bundles, data, translations, target, nth, store, log, environment) -> None:
    """One build (to the end when ``target`` is empty) in the test's ``environment`` (the
    bucket's credentials), its output in ``log``; exits."""
    os.environ.clear()
    os.environ.update(environment)
    with open(log, "w") as out:
        os.dup2(out.fileno(), sys.stdout.fileno())
        os.dup2(out.fileno(), sys.stderr.fileno())
    signal.alarm(TIME_LIMIT)
    code = 1
    try:
        calls = kill_at_call(target, nth) if target else itertools.count(1)
        bucket = Bucket.from_url(*store) if store else None
        build(Path(bundles), Path(data), translations_dir=Path(translations), bucket=bucket)
        print(f"finished after {next(calls) - 1} calls of {target}")
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve(bundles: str, translations: str, scratch: str) -> None:
    build(Path(bundles), Path(scratch), translations_dir=Path(translations))
    for line in sys.stdin:
        sys.stdout.flush()
        if (pid := os.fork()) == 0:
            child(**json.loads(line))
        _, status = os.waitpid(pid, 0)
        print(json.dumps(os.waitstatus_to_exitcode(status)), flush=True)


if __name__ == "__main__":
    serve(*sys.argv[1:])
