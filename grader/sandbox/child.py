"""The sandboxed child: load the student's file and answer call requests, one JSON line per call.

This file is run as ``python -I -B -c <this source> <request fd> <reply fd> <staged dir>``; it imports
nothing from the grader, so it works where the grader's files are unreadable. Everything it writes is
untrusted by the parent (student code runs in this process and can write anything to the reply pipe);
the parent re-validates every line. Encoding here only makes honest answers cross intact.

Requests: ``{"file": "cnn.py", "function": "f", "calls": [{"args": [...], "kwargs": {...}}, ...]}``.
Replies, one line each: ``{"i": n, "value": V}`` | ``{"i": n, "raised": {...}}`` |
``{"i": n, "unreadable": reason}``, then ``{"done": true}``; or a single ``{"failed": code, ...}`` when the
file cannot be imported or has no such function.
"""

import base64
import io
import json
import os
import sys
import traceback

try:
    import numpy
except Exception:  # the child still serves plain Python values without numpy
    numpy = None

MAX_DEPTH = 32
MAX_ITEMS = 100_000
MAX_TEXT = 10_000
MAX_ARRAY_BYTES = 8 * 1024 * 1024


class Unencodable(Exception):
    pass


def encode(value, depth=0, budget=None):
    """A JSON-ready form of a plain value; tuples, dicts and arrays are tagged so the parent can rebuild them."""
    budget = budget if budget is not None else [MAX_ITEMS]
    budget[0] -= 1
    if budget[0] < 0:
        raise Unencodable("the value has more than %d elements" % MAX_ITEMS)
    if depth > MAX_DEPTH:
        raise Unencodable("the value is nested more than %d levels deep" % MAX_DEPTH)
    kind = type(value)
    if value is None or kind is bool:
        return value
    if kind is str:
        if len(value) > MAX_TEXT:
            raise Unencodable("a string of %d characters (at most %d)" % (len(value), MAX_TEXT))
        return value
    if kind is int:
        if value.bit_length() > 4096:
            raise Unencodable("an integer with more than 4096 bits")
        return value
    if kind is float:
        return value if value == value and value not in (float("inf"), float("-inf")) else {"$float": repr(value)}
    if kind in (list, tuple):
        items = [encode(item, depth + 1, budget) for item in value]
        return items if kind is list else {"$tuple": items}
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise Unencodable("a dict whose keys are not all strings")
        return {"$dict": [[key, encode(item, depth + 1, budget)] for key, item in value.items()]}
    if numpy is not None:
        return _encode_numpy(value, depth, budget)
    raise Unencodable("a value of type %s" % _type_name(value))


def _encode_numpy(value, depth, budget):
    if isinstance(value, numpy.generic) and type(value).__module__ == "numpy":
        item = value.item()
        if type(item) in (bool, int, float):
            return encode(item, depth, budget)
    if type(value) is numpy.ndarray and value.dtype.kind in "biuf":
        if value.nbytes > MAX_ARRAY_BYTES:
            raise Unencodable("an array of %d bytes (at most %d)" % (value.nbytes, MAX_ARRAY_BYTES))
        buffer = io.BytesIO()
        numpy.save(buffer, numpy.ascontiguousarray(value), allow_pickle=False)
        return {"$ndarray": base64.b64encode(buffer.getvalue()).decode("ascii")}
    if type(value) is numpy.ndarray:
        raise Unencodable("an array of dtype %s (numbers only)" % value.dtype)
    raise Unencodable("a value of type %s" % _type_name(value))


def decode(value):
    """Rebuild the parent's arguments (trusted data, the same tagged encoding)."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        if "$tuple" in value:
            return tuple(decode(item) for item in value["$tuple"])
        if "$dict" in value:
            return {key: decode(item) for key, item in value["$dict"]}
        if "$float" in value:
            return float(value["$float"])
        if "$ndarray" in value:
            raw = base64.b64decode(value["$ndarray"])
            return numpy.load(io.BytesIO(raw), allow_pickle=False)
    return value


def _type_name(value):
    try:
        return str(type(value).__name__)[:80]
    except BaseException:
        return "?"


def _text(error):
    try:
        return str(error)[:MAX_TEXT]
    except BaseException:
        return "(the exception's message could not be read)"


def _where(error, staged):
    """The last frame in the student's own files, as 'cnn.py, line 12'."""
    found = None
    try:
        for frame, line in traceback.walk_tb(error.__traceback__):
            name = frame.f_code.co_filename
            if name.startswith(staged + os.sep):
                found = "%s, line %d" % (name[len(staged) + 1:], line)
    except BaseException:
        pass
    return found


def _raised(error, staged):
    return {"type": _type_name(error), "message": _text(error), "where": _where(error, staged)}


class Child:
    def __init__(self, reply, staged):
        self.reply = reply
        self.staged = staged
        self.modules = {}

    def send(self, message):
        if "i" not in message:  # the end of a batch: make the student's prints visible to the parent
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except BaseException:
                    pass
        self.reply.write(json.dumps(message, allow_nan=False).encode("utf-8") + b"\n")
        self.reply.flush()

    def load(self, relative):
        if relative in self.modules:
            return self.modules[relative]
        import importlib.util

        path = os.path.join(self.staged, relative)
        folder = os.path.dirname(path)
        if folder not in sys.path:
            sys.path.append(folder)  # after the standard library and site-packages: never shadows them
        name = os.path.splitext(os.path.basename(relative))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        self.modules[relative] = module
        return module

    def serve(self, request):
        try:
            module = self.load(request["file"])
        except BaseException as error:
            self.send({"failed": "IMPORT_ERROR", "raised": _raised(error, self.staged)})
            return
        function = getattr(module, request["function"], None)
        if not callable(function):
            self.send({"failed": "NO_FUNCTION"})
            return
        for index, call in enumerate(request["calls"]):
            self.send(self.run(index, function, call))
        self.send({"done": True})

    def run(self, index, function, call):
        try:
            value = function(*decode(call["args"]), **decode(call["kwargs"]))
        except BaseException as error:
            return {"i": index, "raised": _raised(error, self.staged)}
        try:
            return {"i": index, "value": encode(value)}
        except Unencodable as error:
            return {"i": index, "unreadable": str(error)}
        except BaseException as error:
            return {"i": index, "unreadable": "the value could not be read (%s)" % _type_name(error)}


def main():
    request_fd, reply_fd, staged = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    requests = os.fdopen(request_fd, "rb")
    child = Child(os.fdopen(reply_fd, "wb"), staged)
    os.chdir(staged)
    for line in requests:
        child.serve(json.loads(line))


if __name__ == "__main__":
    main()
