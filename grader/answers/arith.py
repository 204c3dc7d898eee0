"""Safe, exact arithmetic on untrusted text: the one expression reader every answer kind shares.

Student text is never given to ``eval``. It is normalised (Unicode signs, superscripts, thousands
separators), parsed with ``ast.parse(mode="eval")`` and turned into a small tree of plain tuples by a
walker that knows only numbers, declared names, ``+ - * / // % **`` and calls of ``floor ceil min max
sqrt log abs``. Evaluation is exact with :class:`fractions.Fraction`; only ``sqrt`` and ``log`` (and
powers with a fractional exponent) fall back to ``float``.

Every resource is capped before it is spent: the text length and bracket depth before parsing, the
expression depth while walking, the size of a power before computing it (``9**9**9`` is refused in
microseconds), and the size of every intermediate integer.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Callable, Mapping, Sequence, Union

Number = Union[Fraction, float]

MAX_LENGTH = 2000
MAX_BRACKET_DEPTH = 50
MAX_TREE_DEPTH = 120
MAX_DIGITS = 400
MAX_BITS = math.ceil(MAX_DIGITS * math.log2(10)) + 1
FUNCTIONS = ("floor", "ceil", "min", "max", "sqrt", "log", "abs")


class ArithError(ValueError):
    """The text is not safe, exact arithmetic we can read; the message is short and student-facing."""


# ---------------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------------

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾", "0123456789-+()")
_SUPERSCRIPT_RUN = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾]+")
_VULGAR_FRACTION = re.compile("(\\d?)([\u00bc-\u00be\u2150-\u215e])")

# Signs mapped one by one, before NFKC (which leaves most of them alone, or mangles them).
_SIGNS = str.maketrans({
    "\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u2217": "*", "\u2715": "*",
    "\u00f7": "/", "\u2215": "/", "\u2044": "/",
    "\n": " ", "\r": " ", "\t": " ",
})
_APPROXIMATELY = re.compile(r"^(?:[≈≃≅~]|about\b|approx(?:imately|\.)?|circa\b)\s*", re.IGNORECASE)
_LEADING_ZEROS = re.compile(r"(?<![\w.])0+(?=\d)")
_SPACE_GROUPS = re.compile(r"(?<![\w.])\d{1,3}(?: \d{3})+(?!\d| \d)")
_COMMA_NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d+)+")
_STRICT_COMMA_GROUPS = re.compile(r"\d{1,3}(?:,\d{3})+")
_SPACE_IN_NUMBER = re.compile(r"[\d.] +\d")
_WORD = re.compile(r"(?<![\w.])[A-Za-z_]\w*")
_IMPLICIT_PRODUCT = re.compile(r"\d\s*[A-Za-z_(]|\)\s*[\w(]|[A-Za-z_]\w*\s+[\w(]")


def normalize(text: str, *, variables: Sequence[str] = ()) -> str:
    """Rewrite what students type into the Python arithmetic the parser reads.

    Superscripts become ``^(...)`` first: NFKC would turn ``5×10⁶`` into ``5×106``. Then the Unicode
    signs, NFKC (full-width digits, no-break and thin spaces), a leading "≈"/"~"/"about", thousands
    separators (commas and spaces only in strict groups of three), ``x`` between numbers, and ``^``.
    """
    if not isinstance(text, str):
        raise ArithError("expected text")
    if len(text) > MAX_LENGTH:
        raise ArithError(f"the answer is longer than {MAX_LENGTH} characters")
    text = _SUPERSCRIPT_RUN.sub(lambda run: "^(" + run.group().translate(_SUPERSCRIPTS) + ")", text)
    text = _VULGAR_FRACTION.sub(_vulgar_fraction, text)
    text = unicodedata.normalize("NFKC", text.translate(_SIGNS)).translate(_SIGNS)
    text = _APPROXIMATELY.sub("", text.strip()).strip()
    if not text:
        raise ArithError("the answer is empty")
    text = _SPACE_GROUPS.sub(lambda m: m.group().replace(" ", ""), text)
    text = _thousands_commas(text)
    text = _times_letter(text, variables)
    text = _LEADING_ZEROS.sub("", text).replace("^", "**")
    if _SPACE_IN_NUMBER.search(text):
        raise ArithError("a space inside a number is only allowed between groups of three digits "
                         "(11 329 414 656)")
    return text


def _vulgar_fraction(match: re.Match[str]) -> str:
    """``1½`` is one and a half (NFKC alone would make it 11/2)."""
    whole, fraction = match.groups()
    value = "(" + unicodedata.normalize("NFKC", fraction).replace("\u2044", "/") + ")"
    return f"({whole}+{value})" if whole else value


def _thousands_commas(text: str) -> str:
    """Drop commas that separate thousands; a digit comma digit outside brackets is otherwise ambiguous.

    Inside brackets a comma separates function arguments (``max(1,5)``) and is left alone.
    """
    depths = _depth_at_each_position(text)
    pieces, end = [], 0
    for match in _COMMA_NUMBER.finditer(text):
        if depths[match.start()] > 0:
            continue
        number = match.group()
        if not _STRICT_COMMA_GROUPS.fullmatch(number):
            raise ArithError("a comma only separates thousands, in groups of three (1,000,000); "
                             "write a decimal point as '.'")
        pieces += [text[end:match.start()], number.replace(",", "")]
        end = match.end()
    return "".join(pieces) + text[end:]


def _depth_at_each_position(text: str) -> list[int]:
    depths, depth = [], 0
    for char in text:
        if char in ")]}":
            depth -= 1
        depths.append(depth)
        if char in "([{":
            depth += 1
    return depths


def _times_letter(text: str, variables: Sequence[str]) -> str:
    """``5.1 x 10^6`` and ``5x5x3``: an ``x`` that is not a declared variable between numbers is a product."""
    for letter in "xX":
        if letter in variables:
            continue
        text = re.sub(rf"(?<=[\d.)])\s*{letter}\s*(?=[\d.(])", "*", text)
        text = re.sub(rf"(?<=[\w.)])\s+{letter}\s+(?=[\w.(])", " * ", text)
    return text


# ---------------------------------------------------------------------------------------------------
# Parsing into a small tree of tuples
# ---------------------------------------------------------------------------------------------------
#   ("num", Fraction)   ("var", name)   ("neg", node)   ("bin", op, left, right)   ("call", name, args)

Node = tuple

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
           ast.Pow: "**"}
_REFUSED = {
    ast.Attribute: "'.' (attribute access) is not allowed", ast.Subscript: "'[ ]' is not allowed",
    ast.Compare: "comparisons are not allowed", ast.BoolOp: "'and'/'or' are not allowed",
    ast.Constant: "only numbers are allowed", ast.Tuple: "expected one number, not several separated by commas",
    ast.List: "brackets '[ ]' are not allowed; use '( )'", ast.Lambda: "lambda is not allowed",
}


def parse(text: str, *, variables: Sequence[str] = ()) -> Node:
    """Normalise and parse ``text`` into a checked tree; names must be among ``variables``."""
    return _parse(text, tuple(variables))[1]


def _parse(text: str, variables: tuple[str, ...]) -> tuple[ast.Expression, Node]:
    source = normalize(text, variables=variables)
    tree = _parse_python(source, variables)
    return tree, _to_node(tree.body, source, variables, 0)


def _parse_python(source: str, variables: tuple[str, ...]) -> ast.Expression:
    _check_brackets(source)
    try:
        return ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        pass
    for word in _WORD.findall(source):
        if word not in variables and word not in FUNCTIONS:
            raise _unknown_name(word, variables)
    if _IMPLICIT_PRODUCT.search(source):
        raise ArithError("write every product with '*' (write 2*H, not 2H)")
    raise ArithError("this is not an arithmetic expression")


def _check_brackets(source: str) -> None:
    depth = 0
    for char in source:
        if char in "([{":
            depth += 1
            if depth > MAX_BRACKET_DEPTH:
                raise ArithError("the brackets are nested too deeply")
        elif char in ")]}":
            depth -= 1
            if depth < 0:
                raise ArithError("a closing bracket has no opening bracket")
    if depth:
        raise ArithError("a bracket is not closed")


def _to_node(node: ast.AST, source: str, variables: tuple[str, ...], depth: int) -> Node:
    if depth > MAX_TREE_DEPTH:
        raise ArithError("the expression is nested too deeply")
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return ("num", _literal(ast.get_source_segment(source, node) or ""))
    if isinstance(node, ast.Name):
        return _name(node.id, variables)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        operand = _to_node(node.operand, source, variables, depth + 1)
        return ("neg", operand) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left = _to_node(node.left, source, variables, depth + 1)
        right = _to_node(node.right, source, variables, depth + 1)
        return ("bin", _BINARY[type(node.op)], left, right)
    if isinstance(node, ast.Call):
        return _call(node, source, variables, depth)
    if isinstance(node, ast.UnaryOp):
        raise ArithError("only '+' and '-' signs are allowed in front of a number")
    if isinstance(node, ast.BinOp):
        raise ArithError("only + - * / // % ^ are allowed as operators")
    raise ArithError(_REFUSED.get(type(node), "only numbers, + - * / ^ and ( ) are allowed"))


def _literal(text: str) -> Fraction:
    """Re-read a number from its source text, so ``1.1329414656e10`` is exact (no float in between)."""
    try:
        number = Decimal(text.replace("_", ""))
    except InvalidOperation:
        raise ArithError(f"could not read the number '{text[:20]}'") from None
    if not number.is_finite():
        raise ArithError(f"could not read the number '{text[:20]}'")
    if number and abs(number.adjusted()) > MAX_DIGITS:
        raise ArithError(f"the number '{text[:20]}' is too large or too small")
    return Fraction(number)


def _name(name: str, variables: tuple[str, ...]) -> Node:
    if name in variables:
        return ("var", name)
    if name in FUNCTIONS:
        raise ArithError(f"'{name}' is a function: write {name}(...)")
    raise _unknown_name(name, variables)


def _unknown_name(name: str, variables: tuple[str, ...]) -> ArithError:
    if variables:
        return ArithError(f"unknown name '{name[:20]}' (you can use {', '.join(variables)})")
    return ArithError(f"unknown name '{name[:20]}': only numbers and + - * / ^ ( ) are allowed here")


def _call(node: ast.Call, source: str, variables: tuple[str, ...], depth: int) -> Node:
    if not isinstance(node.func, ast.Name):
        _to_node(node.func, source, variables, depth + 1)  # refuses '.', subscripts, ... by name
        raise ArithError("write every product with '*' (write 2*(H+1), not 2(H+1))")
    name = node.func.id
    if name in variables:
        raise ArithError(f"'{name}' is not a function: write {name}*(...) for a product")
    if name not in FUNCTIONS:
        raise ArithError(f"unknown function '{name[:20]}' (you can use {', '.join(FUNCTIONS)})")
    if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
        raise ArithError(f"{name}(...) takes plain arguments only")
    count = len(node.args)
    if (name in ("min", "max") and count < 1) or (name == "log" and count not in (1, 2)) or (
            name not in ("min", "max", "log") and count != 1):
        raise ArithError(f"{name}(...) got {count} argument{'s' if count != 1 else ''}")
    args = tuple(_to_node(arg, source, variables, depth + 1) for arg in node.args)
    return ("call", name, args)


# ---------------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------------

def evaluate_node(node: Node, values: Mapping[str, Number]) -> Number:
    """Evaluate a parsed tree; any arithmetic failure is an :class:`ArithError`."""
    try:
        return _checked(_eval(node, values))
    except ArithError:
        raise
    except ZeroDivisionError:
        raise ArithError("division by zero") from None
    except OverflowError:
        raise ArithError("a number is too large") from None
    except (ValueError, TypeError, RecursionError):
        raise ArithError("the expression has no real value") from None


def _eval(node: Node, values: Mapping[str, Number]) -> Number:
    tag = node[0]
    if tag == "num":
        return node[1]
    if tag == "var":
        if node[1] not in values:
            raise ArithError(f"no value for '{node[1]}'")
        return _as_number(values[node[1]])
    if tag == "neg":
        return -_eval(node[1], values)
    if tag == "bin":
        left, right = _eval(node[2], values), _eval(node[3], values)
        return _checked(_OPERATORS[node[1]](left, right))
    args = [_eval(arg, values) for arg in node[2]]
    return _checked(_FUNCTIONS[node[1]](*args))


def _as_number(value: object) -> Number:
    if isinstance(value, bool):
        raise ArithError("a variable's value must be a number")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, (Fraction, float)):
        return value
    raise ArithError("a variable's value must be a number")


def _checked(value: Number) -> Number:
    """Cap every intermediate: exact numbers at about 10^400, floats finite."""
    if isinstance(value, int):
        value = Fraction(value)
    if isinstance(value, Fraction):
        if value.numerator.bit_length() > MAX_BITS or value.denominator.bit_length() > MAX_BITS:
            raise ArithError(f"a number has more than {MAX_DIGITS} digits")
        return value
    if not math.isfinite(value):
        raise ArithError("a number is too large")
    return value


def _power(base: Number, exponent: Number) -> Number:
    """``base ** exponent``, refused before computing when the exact result would be too large."""
    if isinstance(exponent, Fraction) and exponent.denominator == 1 and isinstance(base, Fraction):
        n = exponent.numerator
        if base == 0 and n < 0:
            raise ZeroDivisionError
        if abs(base.numerator) > 1 or base.denominator > 1:
            size = max(math.log2(abs(base.numerator) or 1), math.log2(base.denominator))
            if abs(n) * size > MAX_BITS:
                raise ArithError("a power is too large to compute")
        return base ** n
    if base < 0 and not float(exponent).is_integer():
        raise ArithError("a negative number to a fractional power has no real value")
    if base == 0 and exponent < 0:
        raise ZeroDivisionError
    return math.pow(float(base), float(exponent))


def _sqrt(value: Number) -> Number:
    if value < 0:
        raise ArithError("sqrt of a negative number")
    if isinstance(value, Fraction):
        top, bottom = math.isqrt(value.numerator), math.isqrt(value.denominator)
        if top * top == value.numerator and bottom * bottom == value.denominator:
            return Fraction(top, bottom)
    return math.sqrt(float(value))


def _log(value: Number, base: Number | None = None) -> Number:
    """Natural log, or ``log(x, b)`` to base b; exact when x is an integer power of a rational b."""
    if value <= 0 or (base is not None and (base <= 0 or base == 1)):
        raise ArithError("log of a number that is not positive (or base 1)")
    if base is None:
        return _ln(value)
    ratio = _ln(value) / _ln(base)
    whole = round(ratio)
    if isinstance(value, Fraction) and isinstance(base, Fraction) and abs(ratio - whole) < 1e-9 \
            and abs(whole) * max(base.numerator.bit_length(), base.denominator.bit_length()) <= MAX_BITS \
            and base ** whole == value:
        return Fraction(whole)
    return ratio


def _ln(value: Number) -> float:
    if isinstance(value, Fraction):  # math.log takes huge ints; float(value) might overflow
        return math.log(value.numerator) - math.log(value.denominator)
    return math.log(value)


def _rounding(function: Callable[[Any], int]) -> Callable[[Number], Number]:
    return lambda value: Fraction(function(value))


_OPERATORS: dict[str, Callable[[Number, Number], Number]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "//": lambda a, b: a // b, "%": lambda a, b: a % b, "**": _power,
}
_FUNCTIONS: dict[str, Callable[..., Number]] = {
    "floor": _rounding(math.floor), "ceil": _rounding(math.ceil),
    "min": lambda *args: min(args), "max": lambda *args: max(args),
    "sqrt": _sqrt, "log": _log, "abs": abs,
}


# ---------------------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------------------

_NO_VARIABLES: Mapping[str, int | Fraction] = MappingProxyType({})


def evaluate(text: str, *, variables: Mapping[str, int | Fraction] = _NO_VARIABLES) -> Number:
    """The exact value of ``text``: a :class:`Fraction`, or a ``float`` after sqrt/log/fractional powers."""
    return evaluate_node(parse(text, variables=tuple(variables)), variables)


_NO_ALIASES: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class Formula:
    """A checked formula over declared variables; ``text`` is its canonical form (``floor((N - K) / S) + 1``)."""

    text: str
    variables: tuple[str, ...]
    tree: Node = field(repr=False)

    def evaluate(self, values: Mapping[str, int | Fraction]) -> Number:
        return evaluate_node(self.tree, values)


def parse_formula(text: str, variables: Sequence[str], aliases: Mapping[str, str] = _NO_ALIASES) -> Formula:
    """Read a formula in the declared ``variables``; unknown names are an error listing the declared ones.

    ``aliases`` maps other names (``σ_x``, NFKC-normalised as Python reads identifiers) to variables; the
    formula is stored in the variables' names.
    """
    names = tuple(variables)
    tree, node = _parse(text, names + tuple(aliases))
    if aliases:
        tree, node = _Rename(aliases).visit(tree), _renamed(node, aliases)
    return Formula(text=ast.unparse(tree).replace("**", "^"), variables=names, tree=node)


class _Rename(ast.NodeTransformer):
    def __init__(self, aliases: Mapping[str, str]) -> None:
        self.aliases = aliases

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.copy_location(ast.Name(id=self.aliases.get(node.id, node.id), ctx=node.ctx), node)


def _renamed(node: Node, aliases: Mapping[str, str]) -> Node:
    if node[0] == "var":
        return ("var", aliases.get(node[1], node[1]))
    if node[0] == "num":
        return node
    if node[0] == "call":
        return ("call", node[1], tuple(_renamed(arg, aliases) for arg in node[2]))
    return (node[0], *(_renamed(part, aliases) if isinstance(part, tuple) else part for part in node[1:]))
