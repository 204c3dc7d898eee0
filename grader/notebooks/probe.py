"""Runs inside the student's kernel (stdlib and numpy only, like the sandbox child, whose ``encode`` and
``decode`` it shares): after every cell it encodes the requested names as plain JSON, and calls the
requested functions on the grader's inputs when their definition changed, printing one line that starts
with the run's nonce. Everything it prints is untrusted by the grader, which re-validates every value."""

import json

_called = {}


def _string_keys(value, depth=0):
    """Dicts keyed by numbers (``{20: 0.95}``, natural in a notebook) cross with their keys as text."""
    if depth > 32:
        return value
    if type(value) is dict:
        return {(key if type(key) is str else str(key) if type(key) in (int, float, bool) else key):
                _string_keys(item, depth + 1) for key, item in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_string_keys(item, depth + 1) for item in value)
    return value


def _one(value):
    try:
        return {"value": encode(_string_keys(value))}  # noqa: F821 - from the child's source, run beside this
    except Unencodable as error:  # noqa: F821
        return {"unreadable": str(error)}
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        return {"unreadable": "the value could not be read (%s)" % _type_name(error)}  # noqa: F821


def _call(target, call):
    try:
        value = target(*decode(call["args"]), **decode(call["kwargs"]))  # noqa: F821
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        return {"raised": {"type": _type_name(error), "message": _text(error), "where": None}}  # noqa: F821
    return _one(value)


MAX_DEFINED = 2000


def _defined(namespace):
    """The notebook's own public names, so the grader can say "it defines `resnet152_param`"."""
    names = [name for name in namespace if type(name) is str and name.isidentifier() and not name.startswith("_")]
    return [name for name in names if len(name) <= 80][:MAX_DEFINED]


def probe(namespace, nonce, names, calls):
    out = {"values": {}, "calls": {}}
    for name in names:
        if name in namespace:
            out["values"][name] = _one(namespace[name])
    if names:
        out["defined"] = _defined(namespace)
    for key, function, batch in calls:
        target = namespace.get(function)
        if not callable(target) or _called.get(key) is target:
            continue
        _called[key] = target
        out["calls"][key] = [_call(target, call) for call in batch]
    print(nonce + json.dumps(out, allow_nan=False), flush=True)
